// The vdpa bus (include/linux/vdpa.h): vdpa_reset's choice between compat_reset and reset.
import type { World } from '../spec/vdpa/world.js';
import { call, LANE_PARENT } from './call-log.js';
import type { VdpaCtx } from './context.js';

// vdpa_reset (include/linux/vdpa.h; v6.7+: compat_reset iff the parent has it and flags != 0, else reset)
export function vdpa_reset(ctx: VdpaCtx, d: World, flags: number): void {
  if (ctx.ops.compat_reset !== undefined && flags !== 0) {
    call(LANE_PARENT, LANE_PARENT, () => `ops->compat_reset(VDPA_RESET_F_CLEAN_MAP)`);
    ctx.ops.compat_reset(d, flags);
  } else {
    call(LANE_PARENT, LANE_PARENT, 'ops->reset');
    ctx.ops.reset(d);
  }
}
