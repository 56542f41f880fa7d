// A rewritten SET_BACKEND_FEATURES check: RFC v2 patch 4/4 "fixed" by adding the IOTLB_PERSIST check
// in front of the posted code, without restoring the missing `return` of the DESC_ASID check.
// `vdpa-mc compare --base rfc-v3 --patched examples/variants/rfc-v2-half-fix.ts --parent vdpa_sim
// --userspace any` shows the one thing left: DESC_ASID is still accepted on a parent without
// descriptor groups.
import { hasPersistentMap } from '../../spec/vdpa/transitions.js';
import { defineVariant, hasFeature, refuse } from '../../systems/vdpa/variant.js';

export default defineVariant({
  base: 'rfc-v2',
  name: 'rfc-v2-half-fix',
  description: 'RFC v2 with the IOTLB_PERSIST check made separate, the DESC_ASID return still missing',
  sbfCheck: (features, ops, shipped) =>
    hasFeature(features, 'IOTLB_PERSIST') && !hasPersistentMap(ops)
      ? refuse('-EOPNOTSUPP', 'IOTLB_PERSIST: parent has no persistent map')
      : shipped(),
});
