// The pkernfs RFC (with the LIVE_UPDATE patch (K5)) on an ARM SMMU instead of VT-d: iommu_map over a present PTE is
// -EEXIST (drivers/iommu/io-pgtable-arm.c arm_lpae_init_pte), not intel's WARN-and-keep.
//
// What the model says (vdpa-mc check --system vfio --kernel examples/variants/vfio/lu-rfc-arm.ts
// --userspace any): the LIVE_UPDATE flag is then the only way past a persisted PTE; K5 is found as
// on lu-rfc; with `cpr` every invariant holds.
import { defineVfioVariant } from '../../../systems/vfio/variant.js';

export default defineVfioVariant({
  base: 'lu-rfc',
  name: 'lu-rfc-arm',
  description: 'pkernfs RFC + the LIVE_UPDATE patch (K5) on ARM io-pgtable: MAP_DMA over a live PTE is -EEXIST',
  kernel: { mapOverPresentPte: 'eexist' },
});
