// The decoupling series with only some of its patches applied: without a26f2e4e68ee "vdpa: introduce
// .compat_reset operation callback" and bc91df5c70ac "vhost-vdpa: clean iotlb map during reset for
// older userspace" (v4/v5 of the series). Every reset keeps the parent's maps, whatever userspace
// acked; .reset_map still restores the 1:1 map when vhost-vdpa closes.
//
// Against 6.7, `vdpa-mc compare --base 6.7 --patched examples/variants/series-without-compat-reset.ts
// --userspace any` shows what the two patches are for: a userspace that does not ack IOTLB_PERSIST
// finds its maps still in force after SET_STATUS(0) (older userspace that relied on the "bogus"
// map-cleaning reset would see it).
//
// With mlx5 the model also finds identity-after-detach broken (6 steps: SET_GROUP_ASID(cvq, 1),
// UPDATE in ASID 1, close): the reset at release puts the CVQ group back on ASID 0 before
// remove_as calls reset_map(1), so mlx5_vdpa_reset_map leaves the CVQ's iotlb with the user map.
// Plain 6.7 shows the same once userspace acks IOTLB_PERSIST (then its release reset keeps maps too).
import { defineVariant } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.7',
  name: 'series-without-compat-reset',
  description: 'the series without a26f2e4e68ee and bc91df5c70ac: reset keeps maps always, no compat_reset',
  kernel: { compatReset: false },
  parent: ({ compat_reset: _dropped, ...ops }) => ops,
});
