// VFIO_UPDATE_VADDR as type1 had it from v5.12 to v6.2, before Steve Sistare's fixes merged for
// v6.3-rc1 ("VFIO updates for v6.3-rc1"): 046eca5018f8 "vfio/type1: prevent underflow of locked_vm
// via exec()", 90fdd158a695 "vfio/type1: restore locked_vm", ef3a3f6a294b "vfio/type1: exclude mdevs
// from VFIO_UPDATE_VADDR" and da4f1c2e1c9c (revert "block on invalid vaddr"). (Debian's 6.1.192
// carries the first three as stable backports: vfio_change_dma_owner and the attach -EBUSY are there.)
//
// What the model says (vdpa-mc check --system vfio --kernel examples/variants/vfio/vaddr-update-before-6.3.ts):
// QEMU's honest cpr-exec (UNMAP_DMA ALL|VADDR; exec; MAP_DMA|VADDR) violates pin-accounting at the
// exec: the new mm's locked_vm is 0 while the vfio_dmas, charged to the task, hold 2 pages; the next
// UNMAP_DMA takes them off the new mm (underflow). On 6.12 the same program holds.
import { defineVfioVariant } from '../../../systems/vfio/variant.js';

export default defineVfioVariant({
  base: '6.12',
  name: 'vaddr-update-before-6.3',
  description: 'VFIO_UPDATE_VADDR before the v6.3 fixes: locked_vm follows the task across exec; attach waits for valid vaddrs',
  kernel: { lockedVmFollowsTask: true, attachBlocksOnInvalidVaddr: true },
});
