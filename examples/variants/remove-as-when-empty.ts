// vhost-vdpa before c82729e06644 "vhost_vdpa: fix unmap process in no-batch mode" (v6.3; in 6.1.y):
// vhost_vdpa_unmap outside a batch, and BATCH_END, removed the address space as soon as its iotlb was
// empty (`if (!iotlb->nmaps) vhost_vdpa_remove_as(v, asid)`), so that the next INVALIDATE of that
// ASID failed with -EINVAL ("can't find and alloc asid"): QEMU's unmap of all memory after a batched
// unmap failed. The model finds it with errno-expectation (a message valid under the contract fails).
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.12',
  name: 'remove-as-when-empty',
  description: 'vhost-vdpa before c82729e06644: an address space is removed once its iotlb is empty',
  kernel: { removeAsWhenEmpty: true },
});
