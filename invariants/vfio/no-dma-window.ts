// no-dma-window (INV-4, VFIO part): a running device never faults on an IOVA that userspace keeps
// mapped across the live update. "Kept" = mapped when the update started (UNMAP_DMA|VADDR, exec or
// kexec), not unmapped by userspace since, and mapped again now; the faults are recorded as the
// device's observations of the worlds in between (model/vfio/device-dma.ts).
import { iovaHex } from '../../spec/vfio/constants.js';
import { dmaAt, type VfioWorld } from '../../spec/vfio/world.js';
import type { Violation } from '../../explorer/model.js';
import type { VfioInvariant } from './invariant.js';

export const noDmaWindow: VfioInvariant = {
  id: 'no-dma-window',
  title: 'no fault on an IOVA kept mapped across the live update',
  guards:
    'seed 004\'s motivation: re-mapping persisted IOVAs with a plain MAP_DMA forces unmap-then-map (a fresh domain) ' +
    'while the device keeps doing DMA across kexec; VFIO_UPDATE_VADDR keeps the IOMMU entries across exec',
  applies: () => true,
  property: () => ({
    kind: 'invariant',
    id: 'no-dma-window',
    check: (w: VfioWorld): Violation | undefined => {
      if (!w.inUpdate) return undefined;
      for (let p = 0; p < w.keep.length; p++) {
        if (!w.keep[p] || !w.faulted[p] || dmaAt(w, p) < 0) continue;
        return {
          message: `device vs userspace at IOVA ${iovaHex(p)}: mapped before the live update and mapped again now, ` +
            'but the running device faulted on it in between (group A\'s page table had no entry)',
          observation: `device DMA to IOVA ${iovaHex(p)} → IOMMU fault during the update`,
        };
      }
      return undefined;
    },
  }),
};
