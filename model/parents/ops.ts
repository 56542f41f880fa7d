// The parents' side of `struct vdpa_config_ops`: the interface is the header's
// (spec/vdpa/config-ops.ts, re-exported here for the parents); what the map ops share is here.
import type { World } from '../../spec/vdpa/world.js';

export { DEFAULT_NVQS, VDPA_RESET_F_CLEAN_MAP, type VdpaConfigOps } from '../../spec/vdpa/config-ops.js';

/**
 * One allocation by a map operation (environment action `parentFault`): counts down the armed fault;
 * the allocation it reaches fails. `parentFault after=1` lets one allocation pass first, so that the
 * fault can hit the second chunk of a vhost_vdpa_pa_map, not only the first.
 */
export function takeFault(d: World): boolean {
  if (d.faultIn === 0) return false;
  d.faultIn--;
  return d.faultIn === 0;
}
