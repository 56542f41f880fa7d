// mlx5 before 5dc31bd245a4 "vdpa/mlx5: Update cvq iotlb mapping on ASID change" (v6.7): set_group_asid
// only writes the group's ASID; the CVQ iotlb keeps the map of the ASID the CVQ was on until the next
// set_map of its new ASID, so a CVQ moved to an ASID already mapped translates through the old map.
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.12',
  name: '6.12-mlx5-no-cvq-refresh-on-asid-change',
  description: '6.12 with set_group_asid not refreshing the CVQ iotlb (before 5dc31bd245a4)',
  kernel: { mlx5CvqRefreshOnAsidChange: false },
});
