// INV-2: whenever the device can DMA and no batch is open, every running group translates through
// exactly what vhost-vdpa's iotlb holds for the group's ASID.
import { GROUP_NAMES, NP, PAGE, hex, hostName } from '../../spec/vdpa/constants.js';
import { deviceRuns, dmaTarget, describeDma } from '../../model/device-dma.js';
import { expand } from '../../model/vhost-iotlb.js';
import type { VdpaInvariant } from './invariant.js';

export const kernelDeviceAgreement: VdpaInvariant = {
  id: 'kernel-device-agreement',
  title: 'the device translates what vhost-vdpa believes it mapped',
  guards: 'set_map/dma_map/iommu_map keep the device in step with vhost\'s iotlb; before 6.7 the parents\' .reset ' +
    'dropped on-chip maps behind vhost-vdpa\'s back (K2), and compat_reset(CLEAN_MAP) still does for userspace ' +
    'that has not acked IOTLB_PERSIST.',
  applies: () => true,
  // For the cause only (systems/vdpa/cause.ts): the parent's table for the data group's ASID loses what
  // vhost-vdpa's iotlb holds — visible at the reset that dropped it (K2 on 6.6; compat_reset
  // CLEAN_MAP on 6.7+), before DRIVER_OK lets the invariant see it.
  // Where the disagreement began, running or not: the table each group would use once started
  // (ops->groupMap: mlx5's prospective MR and CVQ iotlb, not devMap) against vhost-vdpa's entries.
  causeProbe: (ctx) => (w) => {
    if (w.bound !== 'vhost' || !w.fdOpen || w.inBatch) return undefined;
    for (let g = 0; g < ctx.ops.ngroups; g++) {
      const a = w.group2asid[g]!;
      for (let p = 0; p < NP; p++) {
        const k = expand(w, a, p);
        const t = ctx.ops.groupMap(w, g, p);
        if (k >= 0 && t !== k) return `group ${g} asid ${a} IOVA ${hex(p * PAGE)}: iotlb ${hostName(k)}, parent ${hostName(t)}`;
      }
    }
    return undefined;
  },
  property: (ctx) => ({
    kind: 'invariant',
    id: 'kernel-device-agreement',
    check: (w) => {
      if (w.bound !== 'vhost' || !w.fdOpen || w.inBatch) return undefined;
      for (let g = 0; g < ctx.ops.ngroups; g++) {
        if (!deviceRuns(ctx, w, g)) continue;
        const a = w.group2asid[g]!;
        for (let p = 0; p < NP; p++) {
          const k = expand(w, a, p);
          const t = dmaTarget(ctx, w, g, p);
          // Where vhost has no entry the device may fault or keep its 1:1 map; it may not reach a page.
          if (k >= 0 ? t !== k : t >= 0) {
            return {
              message: `group ${g} (${GROUP_NAMES[g]}) on asid ${a}, IOVA ${hex(p * PAGE)}: vhost-vdpa's iotlb has ` +
                `${k < 0 ? 'no entry' : hostName(k)}, the device translates to ${hostName(t)}`,
              observation: describeDma(g, p, t),
            };
          }
        }
      }
      return undefined;
    },
  }),
};
