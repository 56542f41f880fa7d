// The proposed fix "vdpa: reject F_ENABLE_AFTER_DRIVER_OK if backend does not support it" (Eugenio
// Pérez, 2023-07-03, Message-Id <20230703142218.362549-1-eperezma@redhat.com>, not merged as of 6.12)
// on top of Linux 6.12: VHOST_SET_BACKEND_FEATURES asks the parent's .get_backend_features() and
// refuses ENABLE_AFTER_DRIVER_OK with -EOPNOTSUPP when the parent does not report it. In 6.12
// (drivers/vhost/vdpa.c vhost_vdpa_unlocked_ioctl:836-862) the bit is accepted from any parent.
//
// vdpa-mc compare --base 6.12 --patched examples/variants/reject-eado-unsupported.ts \
//   --parent platform --userspace any
// says feature-negotiation fixed, nothing regressed, and one observable difference: the
// SET_BACKEND_FEATURES with ENABLE_AFTER_DRIVER_OK that 6.12 accepts and the fix refuses.
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.12',
  name: '6.12-reject-eado-unsupported',
  description: '6.12 with SET_BACKEND_FEATURES refusing ENABLE_AFTER_DRIVER_OK unless the parent reports it',
  kernel: { sbfEnableAfterDriverOkNeedsParent: true },
});
