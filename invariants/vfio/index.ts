// The VFIO invariants, in the order `list invariants --system vfio` and the results give them.
import { dmaIsolation } from './dma-isolation.js';
import type { VfioInvariant } from './invariant.js';
import { noDmaWindow } from './no-dma-window.js';
import { pinAccounting } from './pin-accounting.js';
import { vfioLiveUpdate } from './vfio-live-update.js';

export const VFIO_INVARIANTS: readonly VfioInvariant[] = [vfioLiveUpdate, pinAccounting, noDmaWindow, dmaIsolation];
