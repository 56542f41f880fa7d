// The vDPA model as the explorer and the trace tools see it: init, actions, next, properties, label,
// and the trace hooks. One step = one atomic call (the kernel's locks make it so), then userspace's
// belief update.
import type { Property } from '../../explorer/model.js';
import type { TraceModel } from '../../traces/trace-model.js';
import { callView } from '../../traces/calls.js';
import { LANE_DEVICE, LANE_PARENT, LANE_USER, LANE_VHOST, call, recordCalls } from '../../model/call-log.js';
import type { CallResult, VdpaCtx } from '../../model/context.js';
import { userFree } from '../../model/host-memory.js';
import { commitCopy, peekOnCopy, produceOnCopy } from '../../model/working-copy.js';
import type { Userspace } from '../../model/userspace.js';
import {
  vhost_dev_set_owner, vhost_set_backend_features, vhost_vdpa_open, vhost_vdpa_process_iotlb_msg,
  vhost_vdpa_release, vhost_vdpa_resume, vhost_vdpa_set_group_asid, vhost_vdpa_set_status, vhost_vdpa_set_vring,
  vhost_vdpa_set_vring_enable, vhost_vdpa_suspend,
} from '../../model/vhost-vdpa.js';
import { virtio_vdpa_probe, virtio_vdpa_remove } from '../../model/virtio-vdpa.js';
import type { VdpaInvariant } from '../../invariants/vdpa/invariant.js';
import { ACTION_KINDS, actionFromJson, labelAction, labelActionIn, type Action } from '../../spec/vdpa/actions.js';
import { effectiveAsid, guard, guardTable } from '../../spec/vdpa/transitions.js';
import { viewWorld } from './view.js';
import { vdpaIndependence } from './independence.js';
import { blankWorld, worldSchema, type World } from '../../spec/vdpa/world.js';

/** Runs the reducer of one allowed action on a draft (the switch is the hot path's dispatch). */
function dispatch(ctx: VdpaCtx, d: World, a: Action): CallResult {
  switch (a.t) {
    case 'open': return vhost_vdpa_open(ctx, d);
    case 'close': return vhost_vdpa_release(ctx, d);
    case 'setOwner': return vhost_dev_set_owner(d);
    case 'setBackendFeatures': return vhost_set_backend_features(d, a.features);
    case 'setStatus': return vhost_vdpa_set_status(ctx, d, a.status);
    case 'suspend': return vhost_vdpa_suspend(ctx, d);
    case 'resume': return vhost_vdpa_resume(ctx, d);
    case 'setGroupAsid': return vhost_vdpa_set_group_asid(ctx, d, a.group, a.asid);
    case 'setVringAddr': return vhost_vdpa_set_vring(ctx, d, 'addr', a.vq);
    case 'setVringBase': return vhost_vdpa_set_vring(ctx, d, 'base', a.vq);
    case 'setVringEnable': return vhost_vdpa_set_vring_enable(ctx, d, a.vq, a.ready);
    case 'iotlbUpdate':
      return vhost_vdpa_process_iotlb_msg(ctx, d, 'update', effectiveAsid(d, a.asid), a.page, a.npages, a.host);
    case 'iotlbInvalidate':
      return vhost_vdpa_process_iotlb_msg(ctx, d, 'invalidate', effectiveAsid(d, a.asid), a.page, a.npages, -1);
    case 'iotlbBatchBegin': return vhost_vdpa_process_iotlb_msg(ctx, d, 'batchBegin', effectiveAsid(d, a.asid), 0, 0, -1);
    case 'iotlbBatchEnd': return vhost_vdpa_process_iotlb_msg(ctx, d, 'batchEnd', effectiveAsid(d, a.asid), 0, 0, -1);
    case 'bindVirtio': return virtio_vdpa_probe(ctx, d);
    case 'bindVhost': return virtio_vdpa_remove(ctx, d);
    case 'userFree': userFree(d, a.host); return { ret: '0' };
    case 'parentFault': d.faultIn = 1 + (a.after ?? 0); return { ret: '0' };
  }
}

/**
 * The step being taken, for `stepRecipe`: one recipe function for every step instead of a closure
 * per transition (the explorer takes millions), and one args object reused by every outermost step
 * (no allocation per transition). A step inside a step (none today) gets its own and restores the outer one.
 */
interface StepArgs { ctx: VdpaCtx; us: Userspace; w: World; a: Action; result: CallResult }
let current: StepArgs | undefined;
/** Before the call returns (never read: dispatch always sets the result). */
const PENDING: CallResult = { ret: '0' };
const reused: StepArgs = { ctx: undefined as unknown as VdpaCtx, us: undefined as unknown as Userspace, w: undefined as unknown as World, a: undefined as unknown as Action, result: PENDING };

/** How a step runs its recipe on the working copy: the world built, or left in the copy (model/working-copy.ts). */
type OnCopy = (w: World, recipe: (m: World) => void) => World;

/** The call and userspace's belief update, on the working copy `m` of `current.w`. */
function stepRecipe(m: World): void {
  const s = current!;
  if (m.unpinWindow !== 0) m.unpinWindow = 0; // an observation of one call only
  s.result = dispatch(s.ctx, m, s.a);
  s.us.believe(s.ctx, m, s.a, s.result, s.w);
}

/** The args for a step: the reused object for an outermost step, a fresh one inside a step. */
const argsFor = (): StepArgs => (current === undefined ? reused : { ...reused });

/**
 * Runs one step with `args` (the call's result is left in args.result) and returns the world: built
 * (produceOnCopy), or left in the working copy for Model.peek (peekOnCopy).
 */
function runStep(ctx: VdpaCtx, us: Userspace, w: World, a: Action, args: StepArgs, run: OnCopy = produceOnCopy): World {
  args.ctx = ctx; args.us = us; args.w = w; args.a = a; args.result = PENDING;
  const outer = current;
  current = args;
  try {
    return run(w, stepRecipe);
  } finally {
    current = outer;
  }
}

/** One step: the call (the reducers, Immer recipes run on the working copy: model/working-copy.ts) and userspace's belief update. */
export function step(ctx: VdpaCtx, us: Userspace, w: World, a: Action): { world: World; result: CallResult } {
  const args = argsFor();
  const world = runStep(ctx, us, w, a, args);
  return { world, result: args.result };
}

/** A refused call: no reducer runs, but a scripted userspace still moves on (and believes nothing). */
function refused(ctx: VdpaCtx, us: Userspace, w: World, a: Action, r: CallResult, run: OnCopy = produceOnCopy): World {
  return run(w, (m) => {
    if (m.unpinWindow !== 0) m.unpinWindow = 0;
    us.believe(ctx, m, a, r, w);
  });
}

export interface VdpaModel extends TraceModel<World, Action> {
  readonly ctx: VdpaCtx;
  readonly userspace: Userspace;
  labelIn(before: World, a: Action): string;
  /** One step and what the caller saw, nothing recorded: `next`'s world (or `before`) and the return value (the judge's replays). */
  take(before: World, a: Action): { readonly world: World; readonly ret: string };
}

/**
 * `canonical`: the reduction the search keys its store on (systems/vdpa/reduce.ts), if any.
 * `independence`: declare which actions commute (systems/vdpa/independence.ts), for sleep sets: only
 * `any` can have it, and not a kernel variant (user code whose reducers the footprints do not know).
 */
export function buildVdpaModel(ctx: VdpaCtx, us: Userspace, invariants: readonly VdpaInvariant[], canonical?: (w: World) => World, independence = true): VdpaModel {
  const props: Property<World, Action>[] = invariants.map((inv) => inv.property(ctx));
  // Coverage counts the kinds this userspace can take at all: a scripted QEMU never munmaps, and a
  // warning that it never did would be noise, not vacuity.
  const alphabetKinds = ACTION_KINDS.filter((k) => us.alphabet(ctx).some((a) => a.t === k));
  const kindIndex = new Map<string, number>(alphabetKinds.map((k, i) => [k, i]));
  const bits = ctx.kernel.featureBits;
  const init = blankWorld(ctx.ops.initialDevMap(), ctx.ops.initialCvq());
  ctx.ops.initDevice?.(init);
  // the same memoised guard the userspace lists its actions with (ts-pattern once per projection)
  const guards = guardTable(ctx, us.alphabet(ctx));
  const alphabet = us.alphabet(ctx);
  // an action's id: its place in the alphabet (`any` lists the alphabet's own objects)
  const ids = new Map<Action, number>(alphabet.map((a, i) => [a, i]));
  const independent = vdpaIndependence(ctx, alphabet, us.clauseIds ?? []);
  const actionId = (a: Action): number => {
    const i = ids.get(a);
    if (i === undefined) throw new Error(`vdpa model: ${labelAction(a, bits)} is not in the alphabet`);
    return i;
  };
  /** The step of `a` from `s` as the guard allows it: the call, or its refusal (run on the working copy by `run`). */
  const guarded = (s: World, a: Action, run: OnCopy): World => {
    const v = guards.verdict(s, a);
    return v.ok ? runStep(ctx, us, s, a, argsFor(), run) : refused(ctx, us, s, a, { ret: v.ret, reason: v.reason }, run);
  };
  return {
    ctx,
    userspace: us,
    init: () => [init],
    actions: (s, out) => us.enabled(ctx, s, out),
    next: (s, a) => {
      const next = guarded(s, a, produceOnCopy);
      return next === s ? undefined : next;
    },
    // next in halves for the explorer: the same step, its world left in the working copy until commit
    peek: (s, a) => guarded(s, a, peekOnCopy),
    commit: () => commitCopy(),
    take: (s, a) => {
      const v = guards.verdict(s, a);
      if (!v.ok) return { world: refused(ctx, us, s, a, { ret: v.ret, reason: v.reason }), ret: v.ret };
      const { world, result } = step(ctx, us, s, a);
      return { world, ret: result.ret };
    },
    properties: () => props,
    label: (a) => labelAction(a, bits),
    labelIn: (before, a) => labelActionIn(a, bits, (asid) => effectiveAsid(before, asid)),
    actionKinds: alphabetKinds,
    kindOf: (a) => kindIndex.get(a.t) ?? 0,
    schema: worldSchema,
    ...(canonical !== undefined ? { canonical } : {}),
    // sleep sets for `any` (a scripted userspace moves its program counter at every step: nothing commutes)
    ...(us.name === 'any' && independence ? { actionId, actionIdCount: alphabet.length, independent: (a: Action, b: Action) => independent(actionId(a), actionId(b)) } : {}),
    lanes: [LANE_USER, LANE_VHOST, LANE_PARENT, LANE_DEVICE],
    view: (s) => viewWorld(ctx, s),
    outcome: (before, a) => {
      const { result, calls: events } = recordCalls(() => {
        call(LANE_USER, a.t === 'bindVirtio' || a.t === 'bindVhost' ? LANE_PARENT : LANE_VHOST,
          labelActionIn(a, bits, (asid) => effectiveAsid(before, asid)));
        const v = guard(ctx, before, a);
        return v.ok ? step(ctx, us, before, a).result : { ret: v.ret, reason: v.reason };
      });
      const calls = events.map(callView);
      return result.reason === undefined ? { ret: result.ret, calls, events } : { ret: result.ret, reason: result.reason, calls, events };
    },
    actionToJson: (a) => ({ ...a }),
    actionFromJson: (j) => actionFromJson(j),
    worldToJson: (s) => ({ ...s }),
  };
}
