// dma-isolation (INV-6, VFIO part): the device never reaches a page that is not the current
// owner's (freed to the allocator, or reused by another user such as the kernel after kexec).
import { NP, iovaHex, pfnName } from '../../spec/vfio/constants.js';
import { deviceReach, type VfioWorld } from '../../spec/vfio/world.js';
import type { Violation } from '../../explorer/model.js';
import type { VfioInvariant } from './invariant.js';

export const dmaIsolation: VfioInvariant = {
  id: 'dma-isolation',
  title: 'the device reaches only pages of the current owner',
  guards:
    'type1 pins every page it maps (vfio_pin_pages_remote) and unmaps before it unpins; persisted page tables ' +
    '(pkernfs) and LIVE_UPDATE maps bypass both',
  applies: () => true,
  property: () => ({
    kind: 'invariant',
    id: 'dma-isolation',
    check: (w: VfioWorld): Violation | undefined => {
      if (!w.devRunning) return undefined;
      for (let p = 0; p < NP; p++) {
        const h = deviceReach(w, p);
        if (h < 0 || w.owner[h] === 'proc') continue;
        return {
          message: `device vs host memory at IOVA ${iovaHex(p)}: group A's page table${w.aPersisted ? ' (persisted)' : ''} maps it to ` +
            `${pfnName(h)}, which is ${w.owner[h] === 'freed' ? 'freed (back in the page allocator)' : 'another user\'s'}`,
          observation: `device DMA write to IOVA ${iovaHex(p)} → ${pfnName(h)} (owner: ${w.owner[h]})`,
        };
      }
      return undefined;
    },
  }),
};
