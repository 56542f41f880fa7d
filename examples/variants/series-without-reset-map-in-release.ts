// The series without 1d0f874bfe78 "vhost-vdpa: reset vendor specific mapping to initial state in
// .release": the parents implement .reset_map (so IOTLB_PERSIST is offered) but vhost-vdpa never
// calls it. A userspace that acks IOTLB_PERSIST keeps its maps across the reset at close, and nothing
// restores the 1:1 map: K3 again, reached through SET_BACKEND_FEATURES(IOTLB_PERSIST).
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.7',
  name: 'series-without-reset-map-in-release',
  description: 'the series without 1d0f874bfe78: .reset_map exists in the parents but release never calls it',
  kernel: { resetMapInRemoveAs: false },
});
