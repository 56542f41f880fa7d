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
  d.uAs = 0;
}

/**
 * Starts a map change as of world `from` (the world before the step that opens it, or `d` itself):
 * remembers the pages userspace believes mapped that vhost-vdpa holds as believed and that a running
 * device translates as believed. A page already lost or mistranslated before the change (a whole-entry
 * invalidation, a reset that dropped the device's map) is another invariant's business, not a window
 * of this change.
 */
export function beginTxn(ctx: VdpaCtx, d: World, from: World = d): void {
  d.uTxn = true;
  for (let i = 0; i < NAS * NP; i++) {
    const u = from.uMap[i]!;
    d.uTxnBefore[i] = u >= 0 && from.vHost[i] === u ? u : -1;
  }
  for (let g = 0; g < ctx.ops.ngroups && g < GROUP_NAMES.length; g++) {
    if (!deviceRuns(ctx, from, g)) continue;
    const a = from.uGroupAsid[g]!;
    for (let p = 0; p < NP; p++) {
      const i = a * NP + p;
      if (d.uTxnBefore[i]! >= 0 && dmaTarget(ctx, from, g, p) !== d.uTxnBefore[i]) d.uTxnBefore[i] = -1;
    }
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
 * finds faulting or on the 1:1 map (the window of K4). Judged when the change ends.
 */
export function noteWindow(ctx: VdpaCtx, d: World): void {
  if (!d.uTxn) return;
  for (let g = 0; g < ctx.ops.ngroups && g < GROUP_NAMES.length; g++) {
    if (!deviceRuns(ctx, d, g)) continue;
    const a = d.uGroupAsid[g]!;
    for (let p = 0; p < NP; p++) {
      if (d.uTxnBefore[a * NP + p]! < 0) continue;
      // A window of this change: the device lost the page because the change took it out of vhost's
      // iotlb (flush before add). A device mistranslating a page vhost still holds is not the change's
      // doing (kernel-device-agreement).
      const i = a * NP + p;
      const t = dmaTarget(ctx, d, g, p);
      if ((t === FAULT || t === IDENTITY) && d.vHost[i] !== d.uTxnBefore[i]) d.uWindow |= 1 << i;
    }
  }
}

export function believeAfter(ctx: VdpaCtx, d: World, a: Action, r: CallResult, before: World): void {
  if (r.ret !== '0') return;
  switch (a.t) {
    case 'open': case 'close': forgetAll(d); return;
    case 'setStatus': if (a.status === 0) d.uGroupAsid.fill(0); return;
    case 'setGroupAsid': if (a.group < d.uGroupAsid.length) d.uGroupAsid[a.group] = a.asid; return;
    case 'iotlbUpdate': {
      const as = effectiveAsid(d, a.asid);
      for (let i = 0; i < a.npages; i++) d.uMap[as * NP + a.page + i] = a.host + i;
      d.uAs |= 1 << as;
      return;
    }
    case 'iotlbInvalidate': {
      const as = effectiveAsid(d, a.asid);
      for (let i = 0; i < a.npages && a.page + i < NP; i++) d.uMap[as * NP + a.page + i] = -1;
      return;
    }
    case 'iotlbBatchBegin':
      d.uAs |= 1 << effectiveAsid(d, a.asid);
      if (!d.uTxn) beginTxn(ctx, d, before);
      return;
    case 'iotlbBatchEnd': endTxn(d); return;
    default: return;
  }
}
