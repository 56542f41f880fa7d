// INV-6 without blind spots (issue 13): dma-isolation judges only the IOVAs userspace believes mapped
// and spares the pages a map change takes out until it ends. Here every running group and every IOVA
// page is judged in every world, batches included: the device reaches a fault, or a page pinned for
// the current owner. Never the 1:1 map under vhost-vdpa (host physical memory nobody gave it), never a
// page nobody pins (unpinned, the page may be migrated, compacted or freed while the device writes it:
// mm/gup.c, FOLL_LONGTERM is what keeps it in place). Under virtio-vdpa, as dma-isolation: 1:1 only.
import { FAULT, GROUP_NAMES, IDENTITY, NP, PAGE, hex, hostName } from '../../spec/vdpa/constants.js';
import { deviceRuns, dmaTarget, describeDma } from '../../model/device-dma.js';
import { isFreed } from '../../model/host-memory.js';
import type { VdpaInvariant } from './invariant.js';

export const dmaIsolationStrict: VdpaInvariant = {
  id: 'dma-isolation-strict',
  title: 'every IOVA a running device can reach is a fault or a page pinned for its owner, in every world',
  guards: 'vhost-vdpa pins what it maps (vhost_vdpa_pa_map) and unpins only what the device can no longer reach; ' +
    'vhost_vdpa_pa_unmap unpins before the parent\'s unmap (and inside a batch before BATCH_END\'s set_map), ' +
    'and an on-chip 1:1 map left in place lets a vhost-vdpa user reach host physical memory.',
  applies: () => true,
  // The cause: walk back while the device reaches anything it must not (the first page the message names
  // may change as later UPDATEs re-pin some of them).
  causeProbe: (ctx) => {
    const p = dmaIsolationStrict.property(ctx);
    return (w) => (p.kind === 'invariant' ? p.check(w)?.message : undefined);
  },
  property: (ctx) => ({
    kind: 'invariant',
    id: 'dma-isolation-strict',
    check: (w) => {
      // inside a call: vhost_vdpa_pa_unmap unpinned a munmapped page the running device still reached
      // before the parent's unmap (noted by model/vhost-vdpa.ts, as dma-isolation reads it)
      if (w.unpinWindow !== 0) {
        const h = 31 - Math.clz32(w.unpinWindow);
        return {
          message: `during the last call vhost-vdpa unpinned h${h} while the running device still reached it (before the parent's unmap)`,
          observation: `DMA between unpin_user_page and the parent's unmap → h${h}, freed and unpinned`,
        };
      }
      for (let g = 0; g < ctx.ops.ngroups; g++) {
        if (!deviceRuns(ctx, w, g)) continue;
        for (let p = 0; p < NP; p++) {
          const t = dmaTarget(ctx, w, g, p);
          if (t === FAULT) continue;
          if (w.bound === 'virtio') {
            if (t !== ctx.ops.detachedTarget) {
              return {
                message: `virtio-vdpa's DMA by group ${g} (${GROUP_NAMES[g]}) to bus address ${hex(p * PAGE)} reaches ` +
                  `the previous vhost-vdpa user's page ${hostName(t)}`,
                observation: describeDma(g, p, t),
              };
            }
            continue;
          }
          // vhost-vdpa bound (fd open: deviceRuns)
          const bad = t === IDENTITY ? 'host physical memory through the 1:1 map'
            // vdpa_sim use_va reaches user VAs through the owner's mm: nothing is pinned, a munmapped VA faults
            : ctx.ops.throughMm === true ? (isFreed(w, t) ? `h${t}, munmapped` : undefined)
              : w.pinned[t] === 0 ? `h${t}, which nobody pins${isFreed(w, t) ? ' (munmapped: back to the allocator)' : ''}` : undefined;
          if (bad !== undefined) {
            return {
              message: `group ${g} (${GROUP_NAMES[g]}) of the running device, IOVA ${hex(p * PAGE)} of asid ${w.group2asid[g]}, ` +
                `reaches ${bad}`,
              observation: describeDma(g, p, t),
            };
          }
        }
      }
      return undefined;
    },
  }),
};
