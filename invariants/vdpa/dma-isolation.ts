// INV-6: DMA the driver asks for reaches only pages of the current owner: for vhost-vdpa, the pages
// userspace mapped (never the 1:1 map, never a page that went back to the allocator); for
// virtio-vdpa, bus addresses 1:1 (never the previous VM's pages).
import { FAULT, GROUP_NAMES, IDENTITY, NP, PAGE, hex, hostName } from '../../spec/vdpa/constants.js';
import { deviceRuns, dmaTarget, describeDma } from '../../model/device-dma.js';
import { ownedByOthers } from '../../model/host-memory.js';
import type { VdpaInvariant } from './invariant.js';

export const dmaIsolation: VdpaInvariant = {
  id: 'dma-isolation',
  title: 'device DMA reaches only the current owner\'s memory',
  guards: 'the 1:1 map is for virtio-vdpa only; vhost-vdpa\'s user reaches what it pinned (semantics.md §4).',
  applies: () => true,
  // The disagreement starts when a running device's translation keeps a page vhost-vdpa unpinned
  // (vhost_vdpa_pa_unmap unpins before the deferred set_map at BATCH_END, drivers/vhost/vdpa.c),
  // long before userspace frees the page and the invariant sees it.
  judgesErrorPaths: true,
  // A group that does not run yet is judged on the map it will run with (ops->groupMap), at the IOVAs
  // userspace believes mapped in the ASID it believes the group on: a map made wrong before DRIVER_OK
  // (a CVQ moved to an ASID whose iotlb was not refreshed) is blamed on the call that made it.
  causeProbe: (ctx) => (w) => {
    if (w.bound !== 'vhost') return undefined;
    for (let g = 0; g < ctx.ops.ngroups; g++) {
      const runs = deviceRuns(ctx, w, g);
      const a = w.uGroupAsid[g]!;
      for (let p = 0; p < NP; p++) {
        const t = runs ? dmaTarget(ctx, w, g, p) : ctx.ops.groupMap(w, g, p);
        if (t >= 0 && w.pinned[t] === 0) return `group ${g} reaches ${hostName(t)}, which nobody pins`;
        if (t === IDENTITY && w.uMap[a * NP + p]! >= 0) return `group ${g} IOVA ${hex(p * PAGE)} of asid ${a}, mapped by userspace, goes through the 1:1 map`;
      }
    }
    return undefined;
  },
  property: (ctx) => ({
    kind: 'invariant',
    id: 'dma-isolation',
    check: (w) => {
      if (w.unpinWindow !== 0) {
        const h = 31 - Math.clz32(w.unpinWindow);
        return {
          message: `during the last call vhost-vdpa unpinned h${h} (munmapped: back to the allocator) while the running ` +
            'device still translated an IOVA the driver uses to it; the parent\'s unmap came after (vhost_vdpa_pa_unmap)',
          observation: `DMA between unpin_user_page and the parent's unmap → h${h}, freed and unpinned`,
        };
      }
      for (let g = 0; g < ctx.ops.ngroups; g++) {
        if (!deviceRuns(ctx, w, g)) continue;
        for (let p = 0; p < NP; p++) {
          const t = dmaTarget(ctx, w, g, p);
          if (w.bound === 'virtio') {
            if (t >= 0 && t !== ctx.ops.detachedTarget) {
              return {
                message: `virtio-vdpa's DMA by group ${g} (${GROUP_NAMES[g]}) to bus address ${hex(p * PAGE)} reaches ` +
                  `the previous vhost-vdpa user's page ${hostName(t)}`,
                observation: describeDma(g, p, t),
              };
            }
            continue;
          }
          // vhost-vdpa: the driver uses only IOVAs it believes mapped in the ASID it believes the group is
          // on; during a map change, only those mapped before it and still mapped (new ones wait for its end)
          const a = w.uGroupAsid[g]!;
          if (w.uMap[a * NP + p]! < 0 || (w.uTxn && w.uTxnBefore[a * NP + p]! < 0)) continue;
          if (t === IDENTITY || (t !== FAULT && ownedByOthers(w, t))) {
            return {
              message: `group ${g} (${GROUP_NAMES[g]}) DMA to IOVA ${hex(p * PAGE)} of asid ${a} reaches ` +
                `${t === IDENTITY ? 'host physical address ' + hex(p * PAGE) + ' through the 1:1 map' : `h${t}, freed and unpinned`}`,
              observation: describeDma(g, p, t),
            };
          }
        }
      }
      return undefined;
    },
  }),
};
