// mlx5 before ad03a0f44cdb "vdpa/mlx5: Delete control vq iotlb in destroy_mr only when necessary"
// (v6.5; in 6.1.y as 06393a037740): mlx5_vdpa_change_map called mlx5_vdpa_destroy_mr, which prunes the
// CVQ iotlb whatever ASID the CVQ is on, and mlx5_vdpa_create_mr(iotlb, asid) fills it again only if
// the CVQ is on that ASID. A set_map of the data ASID leaves a CVQ on another ASID with nothing mapped.
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.1',
  name: '6.1-mlx5-cvq-pruned-on-change-map',
  description: '6.1 with change_map destroying every group\'s resources (before ad03a0f44cdb)',
  kernel: { mlx5CvqPrunedOnAnyChangeMap: true },
});
