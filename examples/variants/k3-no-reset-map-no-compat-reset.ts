// K3 of docs/known-behaviours.md, the reason .reset_map exists: once .reset keeps the maps, a parent with an
// on-chip IOMMU must get its 1:1 map back when vhost-vdpa lets go, or virtio-vdpa's DMA addresses
// land in the previous owner's memory.
//
// The smallest patch combination that shows it with the trace `open; SET_OWNER; U(0,p0→h0); close;
// bind virtio-vdpa` is 6.7 whose parents lack BOTH .reset_map and .compat_reset: then nothing at
// release puts the DMA MR back (no reset_map from vhost_vdpa_remove_as, and vdpa_reset falls back
// to the map-keeping .reset although vhost-vdpa asks for CLEAN_MAP). Without reset_map alone
// (6.7-no-reset-map.ts) compat_reset's CLEAN_MAP hides the bug.
import { defineVariant } from '../../systems/vdpa/variant.js';
import noResetMap from './6.7-no-reset-map.js';

export default defineVariant({
  base: noResetMap,
  name: '6.7-no-reset-map-no-compat-reset',
  description: '6.7 whose parents lack .reset_map and .compat_reset: .reset keeps maps, nothing restores 1:1 at close',
  parent: ({ compat_reset: _dropped, ...ops }) => ops,
});
