// The vdpa bus (include/linux/vdpa.h): vdpa_reset's choice between compat_reset and reset.
import type { World } from '../spec/vdpa/world.js';
import { call, LANE_PARENT } from './call-log.js';
import type { VdpaCtx } from './context.js';

// vdpa_reset (include/linux/vdpa.h; v6.7+: compat_reset iff the parent has it and flags != 0, else reset).
// `from`: the lane of the bus driver that resets (vhost-vdpa, or virtio-vdpa on the parent's side).
// Returns the op's result (include/linux/vdpa.h v6.12 l.524-537: `ret = ops->reset(vdev)`).
export function vdpa_reset(ctx: VdpaCtx, d: World, flags: number, from: string = LANE_PARENT): string | 0 {
  if (ctx.ops.compat_reset !== undefined && flags !== 0) {
    call(from, LANE_PARENT, 'ops->compat_reset', { args: { flags: 'VDPA_RESET_F_CLEAN_MAP' }, note: 'from vdpa_reset' });
    return ctx.ops.compat_reset(d, flags) ?? 0;
  }
  call(from, LANE_PARENT, 'ops->reset', { note: flags !== 0 ? 'from vdpa_reset (no compat_reset: CLEAN_MAP unused)' : 'from vdpa_reset' });
  return ctx.ops.reset(d) ?? 0;
}
