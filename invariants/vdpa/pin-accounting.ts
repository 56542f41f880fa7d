// INV-7: every host page is pinned once per iotlb page that maps it (PA mode; none in VA mode, none
// after close), and a page a running device's translation holds at a quiescent point is pinned.
import { NAS, NH, NP, hostName, PAGE, hex } from '../../spec/vdpa/constants.js';
import { deviceRuns } from '../../model/device-dma.js';
import type { VdpaInvariant } from './invariant.js';

export const pinAccounting: VdpaInvariant = {
  id: 'pin-accounting',
  title: 'pins match the iotlb, and the device only reaches pinned pages',
  guards: 'vhost_vdpa_pa_map pins, vhost_vdpa_pa_unmap unpins whole entries, cleanup unpins everything at release; ' +
    'a device translation left behind (no reset_map, a CVQ iotlb not reset) references pages nobody pins.',
  applies: () => true,
  judgesErrorPaths: true,
  // walk back to where a page's pins first parted from its entries (the counts change as later
  // updates pin it again, which is the same leak, not a new cause)
  causeProbe: (ctx) => {
    const p = pinAccounting.property(ctx);
    return (w) => (p.kind === 'invariant' && p.check(w) !== undefined ? 'pins and entries disagree' : undefined);
  },
  property: (ctx) => ({
    kind: 'invariant',
    id: 'pin-accounting',
    check: (w) => {
      const want = new Array<number>(NH).fill(0);
      // PA mode counts page pins; VA mode (VDUSE) counts the file references that keep the pages alive
      for (let i = 0; i < NAS * NP; i++) { const h = w.vHost[i]!; if (h >= 0) want[h]!++; }
      // and the references the parent holds itself (VDUSE's domain: one get_file per entry)
      const own = ctx.ops.parentRefs;
      for (let h = 0; h < NH; h++) {
        const held = own === undefined ? 0 : own(w, h);
        if (w.pinned[h] !== want[h]! + held) {
          return {
            message: `h${h} is pinned ${w.pinned[h]} times, vhost-vdpa's iotlb maps it ${want[h]} times` +
              (held > 0 ? ` and the parent's domain ${held} times` : ''),
          };
        }
      }
      // vdpa_sim use_va reaches user VAs through the owner's mm: nothing is pinned for the device
      if (w.inBatch || ctx.ops.throughMm === true) return undefined;
      for (let g = 0; g < ctx.ops.ngroups; g++) {
        if (!deviceRuns(ctx, w, g)) continue;
        for (let p = 0; p < NP; p++) {
          const t = ctx.ops.translate(w, g, p);
          if (t >= 0 && w.pinned[t] === 0) {
            return {
              message: `group ${g} of the running device translates IOVA ${hex(p * PAGE)} to ${hostName(t)}, ` +
                `which nobody pins any more`,
              observation: `DMA by group ${g} to IOVA ${hex(p * PAGE)} → ${hostName(t)} (unpinned)`,
            };
          }
        }
      }
      return undefined;
    },
  }),
};
