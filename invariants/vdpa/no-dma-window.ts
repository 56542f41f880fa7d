// INV-4 (K4): during a map change of userspace's (a batch, or a QEMU memory transaction), a
// page mapped both before and after must never fault nor fall on the 1:1 map for a running device.
// Pages that did are noted in the world as the change runs (model/userspace-belief.ts: noteWindow);
// this step property judges them when the change ends, against the map userspace ends up with.
import { NAS, NP, PAGE, hex } from '../../spec/vdpa/constants.js';
import type { VdpaInvariant } from './invariant.js';

export const noDmaWindow: VdpaInvariant = {
  id: 'no-dma-window',
  title: 'no DMA window while a map changes',
  guards: 'vhost_vdpa_map/unmap: dma_map and platform-IOMMU parents apply every INVALIDATE and UPDATE at once, so ' +
    '"flush [4G,16G), add [4G,8G)" opens a window; set_map parents apply the batch once at BATCH_END.',
  applies: () => true,
  property: () => ({
    kind: 'step',
    id: 'no-dma-window',
    check: (before, _a, after) => {
      if (!before.uTxn || after.uTxn) return undefined;
      for (let i = 0; i < NAS * NP; i++) {
        if ((before.uWindow & (1 << i)) === 0) continue;
        // mapped before and after, in userspace's view and vhost-vdpa's (a page lost for good is
        // user-kernel-agreement's business, not a window)
        if (before.uTxnBefore[i]! < 0 || after.uMap[i]! < 0 || after.vHost[i] !== after.uMap[i]) continue;
        const a = Math.floor(i / NP);
        const p = i % NP;
        return {
          message: `asid ${a} IOVA ${hex(p * PAGE)} is mapped before (h${before.uTxnBefore[i]}) and after ` +
            `(h${after.uMap[i]}) the change, but a running device found it unmapped in between`,
          observation: `DMA to asid ${a} IOVA ${hex(p * PAGE)} during the change → fault or 1:1`,
        };
      }
      return undefined;
    },
  }),
};
