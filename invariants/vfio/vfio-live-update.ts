// vfio-live-update (INV-9): the vfio_dma list, the IOMMU page tables and the process's memory agree
// wherever a device can reach. The kernel checks none of it: the uapi says a VADDR update "must
// address the same memory object as originally mapped", and seed 004's LIVE_UPDATE map trusts that
// the persisted table maps each IOVA to the page behind the new vaddr. A LIVE_UPDATE map whose IOVA
// is absent from the table or points at another page is caught in the world the kernel accepts it.
import { iovaHex, iovaRange, pfnName, vaddrHex } from '../../spec/vfio/constants.js';
import { domainList, ptOf, type VfioWorld } from '../../spec/vfio/world.js';
import type { Violation } from '../../explorer/model.js';
import type { VfioInvariant } from './invariant.js';

export const vfioLiveUpdate: VfioInvariant = {
  id: 'vfio-live-update',
  title: 'vfio_dma list, IOMMU page tables and process memory agree',
  guards:
    'VFIO_DMA_MAP_FLAG_VADDR (uapi: same memory object) and seed 004 VFIO_DMA_MAP_FLAG_LIVE_UPDATE (persisted PTEs trusted): ' +
    'every IOVA of a vfio_dma with a valid vaddr translates, in every domain of the container, to the page the process has at that vaddr',
  applies: () => true,
  property: () => ({
    kind: 'invariant',
    id: 'vfio-live-update',
    check: (w: VfioWorld): Violation | undefined => {
      const doms = domainList(w);
      if (doms.length === 0) return undefined;
      for (const d of w.dmas) {
        if (d.vaddrInvalid || !d.iommuMapped) continue;
        for (let i = 0; i < d.size; i++) {
          const p = d.iova + i;
          const want = w.vmap[d.vaddr + i]!;
          if (want < 0) continue; // the process unmapped it: VFIO's pin keeps the page, nothing to agree with
          for (const dom of doms) {
            const got = ptOf(w, dom)[p]!;
            if (got === want) continue;
            const table = dom === 'A' && w.aPersisted ? `domain ${dom} (persisted page table)` : `domain ${dom}`;
            const reach = got < 0 ? 'faults' : `reaches ${pfnName(got)}`;
            return {
              message:
                `iommu vs process at IOVA ${iovaHex(p)}: ${table} maps it to ${got < 0 ? 'nothing' : pfnName(got)}, ` +
                `but vfio_dma ${iovaRange(d.iova, d.size)} says vaddr ${vaddrHex(d.vaddr + i)}, which the process maps to ${pfnName(want)}`,
              observation: `device DMA (group ${dom}) to IOVA ${iovaHex(p)} ${reach}; the process's ${vaddrHex(d.vaddr + i)} is ${pfnName(want)}`,
            };
          }
        }
      }
      return undefined;
    },
  }),
};
