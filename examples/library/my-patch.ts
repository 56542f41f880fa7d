// A proposed patch as a variant module outside the vdpa-mc clone: 6.7 whose parents lose both
// .reset_map and .compat_reset (K3 of docs/known-behaviours.md comes back).
//   npx vdpa-mc check --kernel ./my-patch.ts --parent vdpa_sim --userspace any --invariants identity-after-detach
import { defineVariant, withoutOps } from 'vdpa-mc/variant';

export default defineVariant({
  base: '6.7',
  name: 'my-patch',
  description: '6.7 without .reset_map and .compat_reset in the parents',
  parent: (ops) => withoutOps(ops, 'reset_map', 'compat_reset'),
});
