// semantics.md §2: .reset_map is not mandatory; a parent may declare persistent maps through
// get_backend_features() instead, and vhost_vdpa_has_persistent_map then offers IOTLB_PERSIST.
// Here mlx5 does so without implementing .reset_map: a userspace that acks IOTLB_PERSIST closes
// with a reset that keeps its maps, and no one restores the DMA MR (K3, through the ack).
import { bit, defineVariant, forParents } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: '6.7',
  name: 'mlx5-persist-without-reset-map',
  description: '6.7 with mlx5 reporting IOTLB_PERSIST in get_backend_features but lacking .reset_map',
  parent: forParents(['mlx5'], ({ reset_map: _dropped, get_backend_features, ...ops }) => ({
    ...ops,
    get_backend_features: () => (get_backend_features?.() ?? 0) | bit('IOTLB_PERSIST'),
  })),
});
