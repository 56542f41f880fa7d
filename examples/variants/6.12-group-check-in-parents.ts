// SET_GROUP_ASID's group bound as it was before "vhost: move vdpa group bound check to vhost_vdpa"
// (cd025c1e876b): vhost-vdpa checked only the ASID, and each parent its own group bound; vdpa_sim's
// `group > ngroups` let group == ngroups through, returning 0 and re-pointing no vring. On 6.12 the
// check is vhost-vdpa's (vhost_vdpa_vring_ioctl, -EINVAL for idx >= ngroups) and vdpa_sim has none.
// The reverted knob is what 6.6 has (spec/vdpa/kernels.ts `sgaGroupCheck: false`).
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.12',
  name: '6.12-group-check-in-parents',
  description: '6.12 with cd025c1e876b reverted: vdpa_sim checks group > ngroups itself (off by one)',
  kernel: { sgaGroupCheck: false },
});
