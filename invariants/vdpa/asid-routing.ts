// INV-8: while the device runs under vhost-vdpa, each group is on the ASID userspace set for it (0
// after a reset), and the hardware queues use that ASID's translation.
import { GROUP_NAMES } from '../../spec/vdpa/constants.js';
import { deviceRuns } from '../../model/device-dma.js';
import type { VdpaInvariant } from './invariant.js';

export const asidRouting: VdpaInvariant = {
  id: 'asid-routing',
  title: 'each running group uses the ASID userspace set for it',
  guards: 'VHOST_VDPA_SET_GROUP_ASID → ops->set_group_asid; resets put every group back on ASID 0 (mlx5, vdpa_sim); ' +
    'mlx5 data VQs pick up a group\'s new ASID only when they are created or modified.',
  applies: (ctx) => ctx.ops.nas > 1,
  property: (ctx) => ({
    kind: 'invariant',
    id: 'asid-routing',
    check: (w) => {
      if (w.bound !== 'vhost' || !w.fdOpen) return undefined;
      for (let g = 0; g < ctx.ops.ngroups; g++) {
        if (!deviceRuns(ctx, w, g)) continue;
        const u = w.uGroupAsid[g]!;
        const dev = w.group2asid[g]!;
        if (u !== dev) {
          return { message: `group ${g} (${GROUP_NAMES[g]}): userspace set asid ${u}, the parent routes it to asid ${dev}` };
        }
        if (ctx.ops.hwQueueAsid !== undefined && g !== 1) {
          const vq = ctx.ops.hwQueueAsid(w, g);
          if (vq >= 0 && vq !== dev) {
            return {
              message: `group ${g} (${GROUP_NAMES[g]}) is on asid ${dev}, but the running hardware VQs still use ` +
                `the MR of asid ${vq}`,
            };
          }
        }
      }
      return undefined;
    },
  }),
};
