// Linux 6.7 without the parents' .reset_map (2eacf4b5e3eb "vdpa/mlx5: implement .reset_map driver op"
// and 86f6c224c979 "vdpa_sim: implement .reset_map support" not applied); everything else of the
// series is in: .reset keeps maps, compat_reset and the CLEAN_MAP reset of bc91df5c70ac.
//
// What the model says (vdpa-mc check --kernel examples/variants/6.7-no-reset-map.ts --userspace any):
// identity-after-detach still HOLDS (complete to the default depth 7: 17,971 states with mlx5,
// 11,720 with vdpa_sim). Without reset_map, vhost-vdpa offers no IOTLB_PERSIST and refuses
// it, so no userspace can ack it; release therefore resets with VDPA_RESET_F_CLEAN_MAP, and
// mlx5_vdpa_compat_reset drops the user MRs and re-creates the DMA MR at every close. Removing
// reset_map alone does not bring K3 back; see k3-no-reset-map-no-compat-reset.ts.
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.7',
  name: '6.7-no-reset-map',
  description: '6.7 whose parents (mlx5, vdpa_sim) lack .reset_map',
  // The destructured op is dropped: the parent's table no longer has it, so vhost-vdpa never calls it.
  parent: ({ reset_map: _dropped, ...ops }) => ops,
});
