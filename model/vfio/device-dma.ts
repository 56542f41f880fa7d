// The device behind group A keeps doing DMA: not a step of the search but an observation of every
// world. What matters across steps is recorded: a fault, during a live update, on an IOVA page
// userspace mapped before the update and has not unmapped (for no-dma-window).
import { deviceReach, type VfioWorld } from '../../spec/vfio/world.js';

/** The live update starts (first UNMAP_DMA|VADDR, exec or kexec): note what is mapped now. */
export function startUpdate(d: VfioWorld): void {
  if (d.inUpdate) return;
  d.inUpdate = true;
  for (const dma of d.dmas) for (let p = dma.iova; p < dma.iova + dma.size; p++) d.keep[p] = true;
}

// The IOMMU's translation of a device access (iommu page-table walk; a missing PTE is a fault),
// observed on the world a step leaves (a working copy, inside the step's producer)
export function observeDevice(d: VfioWorld): void {
  if (!d.inUpdate || !d.devRunning) return;
  for (let p = 0; p < d.keep.length; p++) if (d.keep[p] && !d.faulted[p] && deviceReach(d, p) < 0) d.faulted[p] = true;
}
