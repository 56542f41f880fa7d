// Re-executes a saved trace's actions against a (possibly different) model: the same kernel to
// confirm a counterexample, another kernel, parent or userspace to see what a patch changes.
// Says at which step the outcome first differs and which invariants break along the way.
import type { Violation } from '../explorer/model.js';
import { renderCallSite } from './calls.js';
import { viewChanges } from './diff.js';
import type { Trace, TraceWorld } from './trace.js';
import type { TraceModel } from './trace-model.js';
import { canonical, firstDifference, Tup } from './values.js';

export type DivergenceKind = 'errno' | 'world' | 'not-allowed' | 'unknown-action';

export interface Divergence {
  /** 1-based step; 0 for the initial world. */
  readonly step: number;
  readonly why: DivergenceKind;
  /** What the trace recorded, and what the replaying model did, one line each. */
  readonly base: string;
  readonly other: string;
}

export interface ReplayViolation extends Violation {
  /** 0: the initial world; N: after step N. */
  readonly step: number;
  readonly propertyId: string;
}

/** A step whose calls differ: the part of each call path that differs (common head and tail left out). */
export interface CallPathDifference {
  readonly step: number;
  readonly label: string;
  /** Calls as sites, `ops->compat_reset(flags=CLEAN_MAP)`: what the trace recorded, and what the replay made. */
  readonly trace: readonly string[];
  readonly replay: readonly string[];
}

export interface ReplayResult {
  /** The first step whose outcome differs; absent when the model did exactly what the trace says. */
  readonly divergedAt?: Divergence;
  /** Every property violation met along the replay, in order (at most one per property). */
  readonly violations: readonly ReplayViolation[];
  /** Steps actually executed (replay stops at an action it cannot run). */
  readonly stepsRun: number;
  /** Why the replay stopped early (an action not allowed or not known), when it did; may come after divergedAt. */
  readonly stopped?: Divergence;
  /**
   * Steps whose call path differs, from the structured call events of the trace and of the replaying
   * model; undefined when either side records none (a trace written before events were stored).
   */
  readonly callPaths?: readonly CallPathDifference[];
  /** Set when the replaying model records call events and the trace does not (written before traces stored them). */
  readonly callPathsUnknown?: string;
  /** The actions run, as the replaying model's own (what `--out` rebuilds the replayed trace from). */
  readonly actions: readonly unknown[];
}

export interface ReplayOptions {
  /** Only these property ids are checked (default: all the model declares). */
  readonly propertyIds?: readonly string[];
}

/**
 * ITF stores big integers as bigint and sets/maps/tuples as JS objects; a model's
 * actionFromJson expects the plain JSON its actionToJson gave, so bring safe bigints back to
 * numbers and tuples back to arrays.
 */
export function toPlainJson(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (v instanceof Tup) return v.items.map(toPlainJson);
  if (Array.isArray(v)) return v.map(toPlainJson);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [toPlainJson(k), toPlainJson(x)]));
  if (v instanceof Set) return new Set([...v].map(toPlainJson));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlainJson(x)]));
  return v;
}

/**
 * One line naming the first field that differs: from the views when they differ in a way they
 * did not already differ at the previous step (a view may show a variant's shape, e.g. one more
 * group, without the worlds differing), else from the JSON.
 */
function worldDifference(base: TraceWorld, other: TraceWorld, before?: { base: TraceWorld; other: TraceWorld }): { base: string; other: string } {
  const key = (c: { layer: string; name: string; before?: string; after?: string }): string => JSON.stringify([c.layer, c.name, c.before, c.after]);
  const old = new Set(before !== undefined ? viewChanges(before.base.view, before.other.view).map(key) : []);
  const ch = viewChanges(base.view, other.view).find((c) => !old.has(key(c)));
  if (ch !== undefined) {
    const where = `${ch.layer} ${ch.name}`;
    return { base: `${where}: ${ch.before ?? '(absent)'}`, other: `${where}: ${ch.after ?? '(absent)'}` };
  }
  const d = firstDifference(base.world, other.world);
  return d !== undefined ? { base: `${d.path}: ${d.a}`, other: `${d.path}: ${d.b}` } : { base: '(same)', other: '(same)' };
}

export function replay<S, A>(trace: Trace, model: TraceModel<S, A>, options: ReplayOptions = {}): ReplayResult {
  const wanted = options.propertyIds;
  const properties = model.properties().filter((p) => wanted === undefined || wanted.includes(p.id));
  const violations: ReplayViolation[] = [];
  const violated = new Set<string>();
  let divergedAt: Divergence | undefined;
  let stopped: Divergence | undefined;
  const diverge = (d: Divergence): void => {
    divergedAt ??= d;
  };
  const stop = (d: Divergence): void => {
    diverge(d);
    stopped = d;
  };
  const record = (step: number, id: string, v: Violation | undefined): void => {
    if (v === undefined || violated.has(id)) return;
    violated.add(id);
    violations.push({ step, propertyId: id, message: v.message, ...(v.observation !== undefined ? { observation: v.observation } : {}) });
  };

  const inits = model.init();
  const first = inits[trace.initIndex];
  if (first === undefined) {
    const why = `the model has ${inits.length} initial world${inits.length === 1 ? '' : 's'}`;
    return { divergedAt: { step: 0, why: 'world', base: `initial world #${trace.initIndex}`, other: why }, violations, stepsRun: 0, actions: [] };
  }
  let s: S = first;
  const initWorld: TraceWorld = { world: model.worldToJson(s), view: model.view(s) };
  if (canonical(initWorld.world) !== canonical(trace.init.world)) diverge({ step: 0, why: 'world', ...worldDifference(trace.init, initWorld) });
  for (const p of properties) if (p.kind === 'invariant') record(0, p.id, p.check(s));

  let stepsRun = 0;
  let prev = { base: trace.init, other: initWorld };
  const actions: A[] = [];
  let callPaths: CallPathDifference[] | undefined = [];
  let unknown = '';
  for (const step of trace.steps) {
    const a = model.actionFromJson(toPlainJson(step.action));
    if (a === undefined) {
      stop({ step: step.index, why: 'unknown-action', base: `${step.kind} ${JSON.stringify(toPlainJson(step.action), bigintSafe)}`, other: 'not an action of this model' });
      break;
    }
    const enabled: A[] = [];
    model.actions(s, enabled);
    const key = canonical(model.actionToJson(a));
    if (!enabled.some((e) => canonical(model.actionToJson(e)) === key)) {
      const o = model.outcome(s, a);
      stop({ step: step.index, why: 'not-allowed', base: `${step.label} = ${step.outcome.ret}`, other: `${model.label(a)} is not allowed here (would return ${o.ret})` });
      break;
    }
    const outcome = model.outcome(s, a);
    const after = model.next(s, a) ?? s;
    stepsRun++;
    actions.push(a);
    const recordedEvents = step.outcome.events;
    if (recordedEvents === undefined || outcome.events === undefined) {
      callPaths = undefined;
      if (recordedEvents === undefined && outcome.events !== undefined) unknown = 'the trace records no call events (written by an older vdpa-mc)';
    }
    else if (callPaths !== undefined) {
      const d = pathDifference(recordedEvents.map(renderCallSite), outcome.events.map(renderCallSite));
      if (d !== undefined) callPaths.push({ step: step.index, label: step.label, ...d });
    }
    if (outcome.ret !== step.outcome.ret) {
      diverge({ step: step.index, why: 'errno', base: `${step.label} = ${step.outcome.ret}`, other: `${model.label(a)} = ${outcome.ret}${outcome.reason !== undefined ? ` (${outcome.reason})` : ''}` });
    }
    const afterWorld: TraceWorld = { world: model.worldToJson(after), view: model.view(after) };
    if (canonical(afterWorld.world) !== canonical(step.world)) diverge({ step: step.index, why: 'world', ...worldDifference(step, afterWorld, prev) });
    prev = { base: step, other: afterWorld };
    for (const p of properties) record(step.index, p.id, p.kind === 'invariant' ? p.check(after) : p.check(s, a, after));
    s = after;
  }
  const d = divergedAt as Divergence | undefined;
  const st = stopped as Divergence | undefined;
  const paths = callPaths as CallPathDifference[] | undefined;
  return {
    ...(d !== undefined ? { divergedAt: d } : {}),
    violations,
    stepsRun,
    ...(st !== undefined ? { stopped: st } : {}),
    ...(paths !== undefined && trace.steps.length > 0 ? { callPaths: paths } : {}),
    ...(unknown !== '' ? { callPathsUnknown: unknown } : {}),
    actions,
  };
}

/** The differing middle of two call paths (their common head and tail dropped); undefined when equal. */
function pathDifference(a: readonly string[], b: readonly string[]): { trace: string[]; replay: string[] } | undefined {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  if (head === a.length && head === b.length) return undefined;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { trace: a.slice(head, a.length - tail), replay: b.slice(head, b.length - tail) };
}

function bigintSafe(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** One line per fact, for `vdpa-mc trace replay`. */
export function describeReplay(trace: Trace, r: ReplayResult): string[] {
  const lines: string[] = [];
  const d = r.divergedAt;
  if (d === undefined) lines.push(`replayed ${r.stepsRun} of ${trace.steps.length} steps: same outcome and world at every step`);
  else {
    const what = { errno: 'another return value', world: 'another world', 'not-allowed': 'an action no longer allowed', 'unknown-action': 'an unknown action' }[d.why];
    lines.push(`diverges at step ${d.step} (${d.why}: ${what})`);
    lines.push(`  trace:  ${d.base}`);
    lines.push(`  replay: ${d.other}`);
  }
  const st = r.stopped;
  if (st !== undefined) {
    if (st !== d) lines.push(`stopped at step ${st.step} (${st.why}): ${st.other}`);
    lines.push(`replay stopped after ${r.stepsRun} of ${trace.steps.length} steps`);
  }
  if (r.callPaths === undefined) {
    if (r.callPathsUnknown !== undefined) lines.push(`call paths not compared: ${r.callPathsUnknown}`);
  } else if (r.callPaths.length === 0) lines.push('same call path at every step replayed');
  else {
    for (const c of r.callPaths) {
      lines.push(`call path differs at step ${c.step} (${c.label})`);
      lines.push(`  trace:  ${c.trace.length > 0 ? c.trace.join(' → ') : '(no call)'}`);
      lines.push(`  replay: ${c.replay.length > 0 ? c.replay.join(' → ') : '(no call)'}`);
    }
  }
  if (r.violations.length === 0) lines.push('no invariant violated along the replay');
  for (const v of r.violations) {
    lines.push(`VIOLATED ${v.propertyId} after step ${v.step}: ${v.message}`);
    if (v.observation !== undefined) lines.push(`  observed: ${v.observation}`);
  }
  const recorded = trace.violation.invariant;
  if (!r.violations.some((v) => v.propertyId === recorded)) lines.push(`the recorded violation of ${recorded} does not reproduce`);
  return lines;
}
