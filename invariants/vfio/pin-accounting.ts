// pin-accounting (INV-7, VFIO part): every page a vfio_dma maps is pinned exactly as often as the
// vfio_dma list says; UNMAP will unpin exactly what MAP pinned (vfio_unmap_unpin reads the pfns
// back from the first domain's page table, WARNs and skips an absent one); locked_vm of the
// process equals the pages its vfio_dmas hold.
import { NH, PAGE, hex, iovaHex, iovaRange, pfnName } from '../../spec/vfio/constants.js';
import { firstDomain, lockedOf, ptOf, type VfioWorld } from '../../spec/vfio/world.js';
import type { Violation } from '../../explorer/model.js';
import type { VfioInvariant } from './invariant.js';

/** Reused per check: invariants run on every new world. */
const scratch = new Int32Array(NH);

export const pinAccounting: VfioInvariant = {
  id: 'pin-accounting',
  title: 'pins and locked_vm match the vfio_dma list; UNMAP unpins what MAP pinned',
  guards:
    'vfio_pin_map_dma / vfio_unmap_unpin (v6.12): the first domain\'s page table is the record of what was pinned; ' +
    'vfio_lock_acct / vfio_change_dma_owner keep locked_vm equal to the pinned pages of the mm\'s vfio_dmas',
  applies: () => true,
  property: () => ({
    kind: 'invariant',
    id: 'pin-accounting',
    check: (w: VfioWorld): Violation | undefined => {
      const first = firstDomain(w);
      if (first !== undefined) {
        const fpt = ptOf(w, first);
        for (const d of w.dmas) {
          if (!d.iommuMapped) continue;
          for (let p = d.iova; p < d.iova + d.size; p++) {
            const pinned = w.pinnedPfn[p]!;
            const unpin = fpt[p]!;
            if (unpin === pinned) continue;
            return {
              message: unpin < 0
                ? `vfio type1 vs iommu at IOVA ${iovaHex(p)}: MAP pinned ${pfnName(pinned)} for vfio_dma ${iovaRange(d.iova, d.size)}, ` +
                  `but domain ${first} has no PTE there: UNMAP will WARN, skip it and leak the pin`
                : `vfio type1 vs iommu at IOVA ${iovaHex(p)}: MAP pinned ${pfnName(pinned)} for vfio_dma ${iovaRange(d.iova, d.size)}, ` +
                  `but domain ${first} maps it to ${pfnName(unpin)}: UNMAP will unpin ${pfnName(unpin)} instead`,
              observation: `iommu_iova_to_phys(domain ${first}, ${iovaHex(p)}) = ${unpin < 0 ? '0' : pfnName(unpin)}`,
            };
          }
        }
      }
      const expected = scratch;
      expected.fill(0);
      for (const d of w.dmas) for (let p = d.iova; p < d.iova + d.size; p++) if (w.pinnedPfn[p]! >= 0) expected[w.pinnedPfn[p]!]!++;
      for (let h = 0; h < NH; h++) {
        if (w.pins[h] === expected[h]) continue;
        const at: string[] = [];
        for (let p = 0; p < w.pinnedPfn.length; p++) if (w.pinnedPfn[p] === h) at.push(iovaHex(p));
        return {
          message: `host memory vs vfio type1: ${pfnName(h)} has ${w.pins[h]} VFIO pins, the vfio_dma list accounts for ${expected[h]}` +
            (at.length ? ` (pinned for IOVA ${at.join(', ')})` : '') +
            (w.pins[h]! > expected[h]! ? ': a pin leaked' : ': unpinned more than pinned, a reference VFIO never took was dropped'),
        };
      }
      let locked = 0;
      for (const d of w.dmas) if (d.mmCur) locked += lockedOf(w, d);
      if (w.lockedVm !== locked) {
        return { message: `process vs vfio type1: locked_vm is ${w.lockedVm} pages (${hex(w.lockedVm * PAGE)}), the vfio_dmas charged to this mm hold ${locked}` };
      }
      return undefined;
    },
  }),
};
