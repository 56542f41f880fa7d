// What a correct userspace concludes from the calls it made: updated only on success, and only as the
// uapi documents (an UPDATE adds exactly its range, an INVALIDATE removes exactly its range, a reset
// puts every group back on ASID 0, the ASID field counts only once IOTLB_ASID is acked).
import type { Action } from '../spec/vdpa/actions.js';
import { GROUP_NAMES, NAS, NP, IDENTITY, FAULT } from '../spec/vdpa/constants.js';
import { effectiveAsid } from '../spec/vdpa/transitions.js';
import type { World } from '../spec/vdpa/world.js';
import type { CallResult, VdpaCtx } from './context.js';
import { deviceRuns, dmaTarget } from './device-dma.js';

function forgetAll(d: World): void {
  d.uMap.fill(-1);
  d.uGroupAsid.fill(0);
  d.uTxn = false;
  d.uTxnBefore.fill(-1);
  d.uWindow = 0;
}

/**
 * Starts a map change: remembers the pages userspace believes mapped AND vhost-vdpa has as believed
 * (a page already lost before the change, e.g. by a whole-entry invalidation, is
 * user-kernel-agreement's business, not a window of this change).
 */
export function beginTxn(d: World): void {
  d.uTxn = true;
  for (let i = 0; i < NAS * NP; i++) {
    const u = d.uMap[i]!;
    d.uTxnBefore[i] = u >= 0 && d.vHost[i] === u ? u : -1;
  }
  d.uWindow = 0;
}

export function endTxn(d: World): void {
  d.uTxn = false;
  d.uTxnBefore.fill(-1);
  d.uWindow = 0;
}

/**
 * While a map change is in progress, note every page mapped at its start that a running device now
 * finds faulting or on the 1:1 map (the window of seed 003). Judged when the change ends.
 */
export function noteWindow(ctx: VdpaCtx, d: World): void {
  if (!d.uTxn) return;
  for (let g = 0; g < ctx.ops.ngroups && g < GROUP_NAMES.length; g++) {
    if (!deviceRuns(ctx, d, g)) continue;
    const a = d.uGroupAsid[g]!;
    for (let p = 0; p < NP; p++) {
      if (d.uTxnBefore[a * NP + p]! < 0) continue;
      const t = dmaTarget(ctx, d, g, p);
      if (t === FAULT || t === IDENTITY) d.uWindow |= 1 << (a * NP + p);
    }
  }
}

export function believeAfter(ctx: VdpaCtx, d: World, a: Action, r: CallResult): void {
  if (r.ret !== '0') return;
  switch (a.t) {
    case 'open': case 'close': forgetAll(d); return;
    case 'setStatus': if (a.status === 0) d.uGroupAsid.fill(0); return;
    case 'setGroupAsid': d.uGroupAsid[a.group] = a.asid; return;
    case 'iotlbUpdate': {
      const as = effectiveAsid(d, a.asid);
      for (let i = 0; i < a.npages; i++) d.uMap[as * NP + a.page + i] = a.host + i;
      return;
    }
    case 'iotlbInvalidate': {
      const as = effectiveAsid(d, a.asid);
      for (let i = 0; i < a.npages && a.page + i < NP; i++) d.uMap[as * NP + a.page + i] = -1;
      return;
    }
    case 'iotlbBatchBegin': if (!d.uTxn) beginTxn(d); return;
    case 'iotlbBatchEnd': endTxn(d); return;
    default: return;
  }
}
