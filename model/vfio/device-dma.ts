// The device behind group A keeps doing DMA: not a step of the search but an observation of every
// world. What matters across steps is recorded: a fault, during a live update, on an IOVA page
// userspace mapped before the update and has not unmapped (for no-dma-window).
import { produce } from '../../explorer/immer.js';
import { deviceReach, type VfioWorld } from '../../spec/vfio/world.js';

function hasNewFault(w: VfioWorld): boolean {
  if (!w.inUpdate || !w.devRunning) return false;
  for (let p = 0; p < w.keep.length; p++) if (w.keep[p] && !w.faulted[p] && deviceReach(w, p) < 0) return true;
  return false;
}

// The IOMMU's translation of a device access (iommu page-table walk; a missing PTE is a fault)
export function observeDevice(w: VfioWorld): VfioWorld {
  if (!hasNewFault(w)) return w;
  return produce(w, (x) => {
    for (let p = 0; p < x.keep.length; p++) if (x.keep[p] && deviceReach(x, p) < 0) x.faulted[p] = true;
  });
}
