// INV-7: every host page is pinned once per iotlb page that maps it (PA mode; none in VA mode, none
// after close), and a page a running device's translation holds is pinned, in every world (batches included).
import { NAS, NH, NP, hostName, PAGE, hex } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';
import type { VdpaCtx } from '../../model/context.js';
import type { Violation } from '../../explorer/model.js';
import { deviceRuns } from '../../model/device-dma.js';
import type { VdpaInvariant } from './invariant.js';

/**
 * The device side: a running group translating an IOVA to a page nobody pins. Inside an IOTLB batch
 * too (issue 13): a set_map parent keeps the old map until BATCH_END while vhost_vdpa_pa_unmap has
 * already unpinned its pages (drivers/vhost/vdpa.c 6.12 l.970-991; 6.1 l.742-763).
 */
function unpinnedReach(ctx: VdpaCtx, w: World): Violation | undefined {
  // vdpa_sim use_va reaches user VAs through the owner's mm: nothing is pinned for the device
  if (ctx.ops.throughMm === true) return undefined;
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
}

export const pinAccounting: VdpaInvariant = {
  id: 'pin-accounting',
  title: 'pins match the iotlb, and the device only reaches pinned pages',
  guards: 'vhost_vdpa_pa_map pins, vhost_vdpa_pa_unmap unpins whole entries, cleanup unpins everything at release; ' +
    'a device translation left behind (no reset_map, a CVQ iotlb not reset) references pages nobody pins.',
  applies: () => true,
  judgesErrorPaths: true,
  // Walk back to where pins first parted from the entries (later updates re-pin the page: the same
  // leak, not a new cause), or where the device first reached an unpinned page, whichever page the
  // last world shows first (a later UPDATE may re-pin one of them).
  causeProbe: (ctx) => {
    const p = pinAccounting.property(ctx);
    return (w) => {
      const reach = unpinnedReach(ctx, w);
      if (reach !== undefined) return reach.message;
      return p.kind === 'invariant' && p.check(w) !== undefined ? 'pins and entries disagree' : undefined;
    };
  },
  property: (ctx) => {
    // the count per host page, reused by every check (it runs on every new world: no allocation)
    const want: number[] = Array.from({ length: NH }, () => 0);
    return {
      kind: 'invariant',
      id: 'pin-accounting',
      check: (w) => {
        want.fill(0);
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
        return unpinnedReach(ctx, w);
      },
    };
  },
};
