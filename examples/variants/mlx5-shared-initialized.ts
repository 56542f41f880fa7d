// mlx5 before 9ee811009ad8 "vdpa/mlx5: Fix mr->initialized semantics" (v6.5; in 6.1.y as 4be2851cf887),
// and so also before ad03a0f44cdb: one mr->initialized flag for the data MR and the CVQ iotlb. Once a
// set_map of the CVQ's ASID sets it, _mlx5_vdpa_create_mr returns early and the data MR is never built
// for the data group's ASID (the VQs run on mkey 0), and destroy_mr tears down both or neither.
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.1',
  name: '6.1-mlx5-shared-initialized',
  description: '6.1 with one initialized flag for the data MR and the CVQ iotlb (before 9ee811009ad8)',
  kernel: { mlx5SharedInitialized: true, mlx5CvqPrunedOnAnyChangeMap: true },
});
