// The cause and class of a violation, from the structured call events (model/call-log.ts): replay the
// trace, walk back from the end while the layers still disagree the same way (the invariant's
// message, or its cause probe), and take the step where the disagreement began and the call in it
// that made it. The class says who is to blame:
// - kernel-defect: the kernel did it on a message the contract allows;
// - by-design: the call is one the kernel table lists as intended (6.7+ compat_reset(CLEAN_MAP));
// - environment: an injected fault made a parent op fail, and the kernel reported the failure;
// - userspace-contract: every trace found with this cause breaks a contract clause before it
//   (decided by the caller over all traces: `classify` gives the clause a trace breaks).
import type { Property } from '../../explorer/model.js';
import { recordCalls, type CallEvent } from '../../model/call-log.js';
import { CLAUSES, staleAfter, type ContractClause } from '../../model/contract.js';
import { renderCall } from '../../traces/calls.js';
import type { ViolationCause, ViolationJudge } from '../target.js';
import type { VdpaInvariant } from '../../invariants/vdpa/invariant.js';
import type { Action } from '../../spec/vdpa/actions.js';
import type { VdpaModel } from './model.js';
import { TraceReplay } from './trace-replay.js';
import type { World } from '../../spec/vdpa/world.js';

export type ViolationClass = ViolationCause['class'];

/**
 * step: 1-based step where the disagreement began; action: its label; call: the call that made it,
 * rendered; key: the cause's identity across traces and kernels (action kind → function, flags,
 * errno); clause: for userspace-contract, the first clause broken; breaks: the first clause the
 * trace breaks at or before the cause step (the class is decided over all traces of the cause).
 */
export type Cause = ViolationCause;

/** The call of a step that made the disagreement: a swallowed error, a failure, an unpin, then the first call into the parent. */
function pickCall(events: readonly CallEvent[]): CallEvent | undefined {
  const inner = events;
  return inner.find((e) => e.ret !== undefined && e.ret !== '0' && e.ignored === true) ??
    inner.find((e) => e.ret !== undefined && e.ret !== '0') ??
    inner.find((e) => e.unpinned !== undefined && e.unpinned.length > 0) ??
    inner.find((e) => e.caller !== e.callee) ??
    inner[0];
}

/** The cause's identity: the function with its flags, errno and whether the caller ignored it (no ASIDs, pages). */
function callKey(e: CallEvent): string {
  const flags = e.args?.['flags'];
  return `${e.fn}${flags !== undefined ? `(flags=${flags})` : ''}${e.ret !== undefined && e.ret !== '0' ? ` ${e.ret}` : ''}${e.ignored === true ? ' ignored' : ''}`;
}

/** Every clause of the strict contract the trace breaks, and where (the stale belief replayed on the side). */
export function clausesBroken(model: VdpaModel, actions: readonly Action[], clauses: readonly ContractClause[] = CLAUSES): { clause: string; step: number }[] {
  const ctx = model.ctx;
  const out: { clause: string; step: number }[] = [];
  let w: World = model.init()[0]!;
  let stale = 0;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    const seen: World = { ...w, uStale: stale };
    for (const c of clauses) if (c.breaks(ctx, seen, a)) out.push({ clause: c.id, step: i + 1 });
    const { world, ret } = model.take(w, a);
    stale = staleAfter(w, a, { ret }, stale);
    w = world;
  }
  return out;
}

/**
 * The cause of `property`'s violation at the end of `actions`. `probe`: the disagreement to walk back
 * on (default: the property's own message at each world; a step property is caused by its last step).
 */
export function causeOf(
  model: VdpaModel, property: Property<World, Action>, actions: readonly Action[],
  probe?: (w: World) => string | undefined, replay: TraceReplay = new TraceReplay(model),
): Cause {
  // the worlds first, nothing recorded (`replay` keeps the prefix the last trace shares with this
  // one); then the calls of the one step the walk back stops at
  const worlds = replay.load(actions);
  const n = actions.length;
  let k = n;
  if (property.kind === 'invariant') {
    const disagrees = probe ?? ((w: World): string | undefined => property.check(w)?.message);
    const end = disagrees(worlds[n]!) ?? property.check(worlds[n]!)?.message;
    const same = probe === undefined ? (w: World): boolean => disagrees(w) === end : (w: World): boolean => disagrees(w) !== undefined;
    if (probe !== undefined && disagrees(worlds[n]!) === undefined) {
      // the probe does not see this one: fall back to the invariant's own message
      const msg = property.check(worlds[n]!)?.message;
      while (k > 1 && property.check(worlds[k - 1]!)?.message === msg) k--;
    } else {
      while (k > 1 && same(worlds[k - 1]!)) k--;
    }
  }
  // A step that called nothing (a munmap) is its own cause, named by its action.
  const e = k === 0 ? undefined : pickCall(recordCalls(() => model.next(worlds[k - 1]!, actions[k - 1]!)).calls);
  const stepOf = k;
  const a = actions[stepOf - 1]!;
  const label = model.labelIn(worlds[stepOf - 1]!, a);
  const kernel = model.ctx.kernel;
  let call: string;
  let key: string;
  let cls: ViolationClass = 'kernel-defect';
  if (e === undefined) {
    call = label;
    key = `${a.t}`;
  } else {
    call = renderCall(e);
    key = `${a.t} → ${callKey(e)}`;
    if (kernel.byDesign.some((d) => d.call === callKey(e))) cls = 'by-design';
    else if (e.ret !== undefined && e.ret !== '0' && e.ignored !== true && actions.some((x) => x.t === 'parentFault')) cls = 'environment';
  }
  const broken = replay.firstBroken(stepOf);
  return {
    step: stepOf, action: label, call, key, class: cls,
    ...(broken !== undefined ? { breaks: broken } : {}),
  };
}

/**
 * Steps where userspace was told 0 while a call inside failed and the kernel dropped its return
 * value (vhost_vdpa_unmap's and BATCH_END's ops->set_map, drivers/vhost/vdpa.c:1089 and 1353 in 6.12).
 */
export function swallowedErrors(model: VdpaModel, actions: readonly Action[]): { step: number; call: string }[] {
  const out: { step: number; call: string }[] = [];
  let w: World = model.init()[0]!;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    const { calls } = recordCalls(() => model.next(w, a));
    if (model.outcome(w, a).ret === '0') {
      for (const e of calls) if (e.ignored === true && e.ret !== undefined && e.ret !== '0') out.push({ step: i + 1, call: renderCall(e) });
    }
    w = model.next(w, a) ?? w;
  }
  return out;
}

/**
 * The final classes over every kept violation of one (invariant, cause key): a cause found by some
 * trace that keeps the contract is the kernel's (or by design, or the environment's); a cause only
 * found by traces that break a clause is the contract's, named by the first clause.
 */
export function settleClass(causes: readonly Cause[]): Cause[] {
  const respected = new Set(causes.filter((c) => c.breaks === undefined).map((c) => c.key));
  return causes.map((c) =>
    c.breaks === undefined || respected.has(c.key) ? c : { ...c, class: 'userspace-contract' as const, clause: c.breaks.clause });
}

/**
 * The vDPA judge of a model: causes by replay, clauses broken, classes settled. `clauses`: judge
 * traces against the contract (userspace `any`; a scripted QEMU is what it is, and the extent rule of
 * invalidate-whole-extents is exact only for any's alphabet).
 */
export function vdpaJudge(model: VdpaModel, invariants: readonly VdpaInvariant[], clauses = true): ViolationJudge {
  const props = new Map(model.properties().map((p) => [p.id, p]));
  const probes = new Map<string, (w: World) => string | undefined>();
  for (const i of invariants) if (i.causeProbe !== undefined) probes.set(i.id, i.causeProbe(model.ctx));
  const misuse = new Set<string>(invariants.filter((i) => i.judgesMisuse === true).map((i) => i.id));
  const errorPaths = new Set<string>(invariants.filter((i) => i.judgesErrorPaths === true).map((i) => i.id));
  const replay = new TraceReplay(model);
  return {
    cause: (id, actions) => {
      const p = props.get(id);
      if (p === undefined) throw new Error(`cause: the model has no property '${id}'`);
      const found = causeOf(model, p, actions as readonly Action[], probes.get(id), replay);
      const c: Cause = found.class === 'environment' && errorPaths.has(id) ? { ...found, class: 'kernel-defect' } : found;
      if ((clauses && !misuse.has(id)) || c.breaks === undefined) return c;
      const { breaks: _ignored, ...rest } = c;
      return rest;
    },
    clausesBroken: (actions) => (clauses ? clausesBroken(model, actions as readonly Action[]) : []),
    swallowed: (actions) => swallowedErrors(model, actions as readonly Action[]),
    settle: settleClass,
  };
}
