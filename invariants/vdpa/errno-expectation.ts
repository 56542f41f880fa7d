// A message that is valid under the contract must not fail (issue 13). A userspace that keeps the
// strict contract (model/contract.ts) and sends only what it knows to be well-formed — its fd open,
// owner set, an UPDATE of a range it has not mapped with pages it has not munmapped, an INVALIDATE or
// BATCH_END in an address space it created, features it was offered — is owed 0. Regressions of the
// kind c82729e06644 "vhost_vdpa: fix unmap process in no-batch mode" fixed (an address space removed
// when its iotlb emptied, so that the next INVALIDATE got -EINVAL) break it.
//
// Judged as a step: the step's own call (a well-formed message the guard let through must leave the
// belief it promises: an UPDATE's range mapped, open's fd open), and the world it leads to (every
// well-formed message of `any`'s alphabet is allowed by the kernel's guard there, or refused with 0).
// Not judged, because the environment or a limit explains the error: a step in which an armed
// allocation fault fired, an UPDATE that could pass max_iotlb_entries. A SET_GROUP_ASID to the ASID
// the group is already on, and a reset, cannot be told from their failure by the worlds alone; both
// fail only through the environment in the model (mlx5's CVQ refresh, VDUSE's daemon).
import type { Action } from '../../spec/vdpa/actions.js';
import { NP, S_DRIVER_OK, bit, type FeatureName } from '../../spec/vdpa/constants.js';
import { effectiveAsid, guardTable, offeredFeatures, projection } from '../../spec/vdpa/transitions.js';
import type { World } from '../../spec/vdpa/world.js';
import type { VdpaCtx } from '../../model/context.js';
import { limitsOf } from '../../model/context.js';
import { CLAUSES, brokenClause, clausesByKind } from '../../model/contract.js';
import { anyAlphabet } from '../../model/userspace-any.js';
import { isFreed } from '../../model/host-memory.js';
import { entryCount } from '../../model/vhost-iotlb.js';
import { wellFormedKey } from './well-formed-key.js';
import type { VdpaInvariant } from './invariant.js';
import type { Violation } from '../../explorer/model.js';

const acked = (w: World, f: FeatureName): boolean => (w.acked & bit(f)) !== 0;

/** A message of the alphabet the guard refuses with an errno in some control projection. */
interface Refusal {
  readonly m: Action; readonly ret: string; readonly reason: string;
  /** What the target part reports when this is the first owed refusal: built once (a Violation is read-only). */
  readonly violation: Violation;
}

/** The target part's violation: `m` is well-formed, and the kernel would refuse it. */
const owedViolation = (m: Action, ret: string, reason: string): Violation => ({
  message: `${m.t}${'asid' in m ? ` asid=${m.asid}` : ''} is well-formed here, but the kernel would answer ${ret} (${reason})`,
  observation: `the next message would fail: ${ret}`,
});

/**
 * Whether userspace, from what it knows (its belief fields, what it set, what GET_* ioctls tell it:
 * the status, the offered features, GET_AS_NUM, GET_GROUP_NUM, GET_IOVA_RANGE), may expect 0 for `a`.
 */
export function wellFormed(ctx: VdpaCtx, w: World, a: Action): boolean {
  // the clauses last: the shape refuses most messages more cheaply (this runs at every transition),
  // and only the clauses of the message's kind
  return shapeOk(ctx, w, a) && brokenClause(ctx, STRICT_BY_KIND[a.t], w, a) === undefined;
}

/** Slots of errnoTargetPart's direct-mapped cache (a power of two). */
const SLOTS = 4096;

/** The strict contract's clauses by the kind they can break on (model/contract.ts clausesByKind). */
const STRICT_BY_KIND = clausesByKind(CLAUSES);

/** Well-formed as far as the uapi and what userspace knows go, before the contract's clauses. */
function shapeOk(ctx: VdpaCtx, w: World, a: Action): boolean {
  const fd = w.fdOpen;
  const own = fd && w.owner;
  switch (a.t) {
    case 'open': return !fd && w.bound === 'vhost';
    case 'close': return fd;
    case 'setOwner': return fd && !w.owner;
    case 'setBackendFeatures':
      return fd && (a.features & ~offeredFeatures(ctx.kernel, ctx.ops)) === 0 &&
        ((a.features & bit('DESC_ASID')) === 0 || (a.features & bit('IOTLB_ASID')) !== 0);
    // QEMU's vhost_vdpa_add_status reads the status first: bits are only added, or all cleared by 0
    case 'setStatus': return fd && (a.status === 0 || (w.status & ~a.status) === 0);
    case 'suspend': return fd && acked(w, 'SUSPEND');
    case 'resume': return fd && acked(w, 'RESUME');
    case 'setGroupAsid': return own && ctx.ops.nas > 1 && a.group < ctx.ops.ngroups && a.asid < ctx.ops.nas;
    // vhost.h: ring addresses and base are set while the device is stopped (before DRIVER_OK, or suspended);
    // mlx5 refuses a new base for a running queue (set_vq_state: "can't modify available index")
    case 'setVringAddr': case 'setVringBase': return own && ((w.status & S_DRIVER_OK) === 0 || w.suspended);
    case 'setVringEnable': return own;
    case 'iotlbUpdate': {
      const as = effectiveAsid(w, a.asid);
      if (!own || as >= ctx.ops.nas || a.npages <= 0 || a.page < 0 || a.page + a.npages > NP) return false;
      if (w.inBatch && w.batchAsid !== as) return false;
      for (let i = 0; i < a.npages; i++) {
        if (w.uMap[as * NP + a.page + i]! >= 0 || isFreed(w, a.host + i)) return false;
      }
      return true;
    }
    case 'iotlbInvalidate': {
      const as = effectiveAsid(w, a.asid);
      return own && as < ctx.ops.nas && a.npages > 0 && (w.uAs & (1 << as)) !== 0 && !(w.inBatch && w.batchAsid !== as);
    }
    case 'iotlbBatchBegin': return own && effectiveAsid(w, a.asid) < ctx.ops.nas && !w.inBatch;
    case 'iotlbBatchEnd': {
      const as = effectiveAsid(w, a.asid);
      return own && w.inBatch && w.batchAsid === as && (w.uAs & (1 << as)) !== 0;
    }
    // the environment, not messages
    case 'bindVirtio': case 'bindVhost': case 'userFree': case 'parentFault': return false;
  }
}

/**
 * The target part of errno-expectation (a function of the world a step leads to alone): the first of
 * the alphabet's messages the guard refuses there with an errno that is well-formed there.
 * `memo`: judged once per control projection and wellFormedKey (the two hold every bit wellFormed and
 * `refused` read: test/vdpa/well-formed-key.test.ts) instead of at every transition (~10 % of a
 * search's time before); false gives the plain judgement the test compares it with. `slots`: the
 * size of the direct-mapped cache in front of the memo (a power of two; 1 in a test makes every
 * judgement collide).
 */
export function errnoTargetPart(ctx: VdpaCtx, memo = true, slots = SLOTS): (after: World) => Violation | undefined {
  const alphabet = anyAlphabet(ctx);
  const table = guardTable(ctx, alphabet);
  // per control projection: the alphabet's messages the guard refuses with an errno, with the verdict,
  // and (memo) per wellFormedKey the first of them that is well-formed (null: none)
  const at = new Map<number, { readonly refusals: readonly Refusal[]; readonly owed: Map<number, Refusal | null> }>();
  // the entry looked up last (half the successors of a world share the projection of the one before)
  let lastKey = -1;
  let last: { readonly refusals: readonly Refusal[]; readonly owed: Map<number, Refusal | null> } | undefined;
  const atProjection = (key: number, w: World): { readonly refusals: readonly Refusal[]; readonly owed: Map<number, Refusal | null> } => {
    if (key === lastKey) return last!;
    let r = at.get(key);
    if (r === undefined) {
      const refusals: Refusal[] = [];
      for (let i = 0; i < alphabet.length; i++) {
        const v = table.verdictAt(w, i);
        if (!v.ok && v.ret !== '0') refusals.push({ m: alphabet[i]!, ret: v.ret, reason: v.reason, violation: owedViolation(alphabet[i]!, v.ret, v.reason) });
      }
      at.set(key, (r = { refusals, owed: new Map() }));
    }
    lastKey = key;
    last = r;
    return r;
  };
  const firstOwed = (after: World, refusals: readonly Refusal[]): Refusal | undefined => {
    for (const r of refusals) if (wellFormed(ctx, after, r.m)) return r;
    return undefined;
  };
  // (memo) a direct-mapped cache in front of the maps: a slot per hash of both keys, holding the last pair
  // that hashed there (a typed-array compare instead of two map lookups for most judgements)
  const slotP = new Int32Array(slots).fill(-1);
  const slotK = new Int32Array(slots);
  const slotR: (Refusal | null)[] = Array.from({ length: slots }, () => null);
  const owed = (after: World): Refusal | undefined => {
    const pk = projection(after);
    if (!memo) return firstOwed(after, atProjection(pk, after).refusals);
    const k = wellFormedKey(after);
    const slot = (Math.imul(pk, 0x9e3779b1) ^ k) & (slots - 1);
    if (slotP[slot] === pk && slotK[slot] === k) return slotR[slot] ?? undefined;
    const p = atProjection(pk, after);
    let r: Refusal | null | undefined = null;
    if (p.refusals.length > 0) {
      r = p.owed.get(k);
      if (r === undefined) p.owed.set(k, (r = firstOwed(after, p.refusals) ?? null));
    }
    slotP[slot] = pk;
    slotK[slot] = k;
    slotR[slot] = r;
    return r ?? undefined;
  };
  return (after) => {
    if (!after.fdOpen) return undefined;
    const r = owed(after);
    if (r === undefined) return undefined;
    return memo ? r.violation : owedViolation(r.m, r.ret, r.reason);
  };
}

export const errnoExpectation: VdpaInvariant = {
  id: 'errno-expectation',
  title: 'a message valid under the contract does not fail',
  guards: 'vhost_vdpa_process_iotlb_msg and the vhost-vdpa ioctls answer 0 to what the uapi allows; ' +
    'c82729e06644 fixed an address space removed once its iotlb was empty (the next INVALIDATE: -EINVAL).',
  applies: () => true,
  property: (ctx) => {
    const limit = limitsOf(ctx).iotlbLimit;
    /** The step's own call (only an UPDATE and open are judged by their own result: no other kind pays for wellFormed). */
    const callPart = (before: World, a: Action, after: World): Violation | undefined => {
      if ((a.t !== 'iotlbUpdate' && a.t !== 'open') || (before.faultIn > 0 && after.faultIn === 0) || !wellFormed(ctx, before, a)) return undefined;
      if (a.t === 'iotlbUpdate') {
        const as = effectiveAsid(before, a.asid);
        const roomy = entryCount(before, as) + a.npages <= limit;
        let mapped = true;
        for (let i = 0; i < a.npages; i++) if (after.uMap[as * NP + a.page + i] !== a.host + i) mapped = false;
        if (roomy && !mapped) {
          return { message: `a well-formed UPDATE of asid ${as} failed (the range was unmapped, its pages mapped, no fault armed)` };
        }
      } else if (!after.fdOpen) {
        return { message: 'open of /dev/vhost-vdpa failed while it was closed and bound' };
      }
      return undefined;
    };
    const targetPart = errnoTargetPart(ctx);
    return {
      kind: 'step',
      id: 'errno-expectation',
      // the target part holds in the initial world (its fd is closed): sleep sets may skip it (explorer/model.ts)
      callPart,
      check: (before, a, after) => callPart(before, a, after) ?? (after === before ? undefined : targetPart(after)),
    };
  },
};
