// Swarm search for depths beyond exhaustive reach: seeded random walks of at most maxDepth steps
// (fast-check generates each walk as a list of choices, `choice % number of actions` at each
// step), a violating walk shrunk by fast-check (shorter lists, smaller choices), then re-checked
// by BFS from the worlds along the shrunk trace: from the world after p steps, a bounded BFS looks
// for a shorter way to the same property, and keeps it. The reported trace is as short as this
// can make it, not proven shortest (only a complete BFS proves that). Deterministic for a seed.
import fc from 'fast-check';
import type { Model, Property, Violation } from './model.js';
import type { ExternalStop, FoundViolation } from './explore-api.js';
import { explore, stepError } from './bfs.js';
import { selectProperties } from './properties.js';

export interface SwarmOptions {
  readonly seed: number;
  /** Walks per property round. */
  readonly walks: number;
  readonly maxDepth: number;
  readonly propertyIds?: readonly string[];
  /** Distinct worlds each re-checking BFS may store (default 200000). */
  readonly recheckStates?: number;
  /** The whole swarm (walks, shrinking, re-checks) stops after this long. */
  readonly timeLimitSeconds?: number;
  /** A reason to stop now from outside (a signal, a memory bound), as ExploreOptions.shouldStop. */
  readonly shouldStop?: () => ExternalStop | undefined;
}

/** Why a swarm ended before its walks did. */
export type SwarmStop = 'time-limit' | ExternalStop;

export interface SwarmViolation<A> extends FoundViolation<A> {
  /** Length of the walk fast-check first found, and after shrinking (before the BFS re-check). */
  readonly walkLength: number;
  readonly shrunkLength: number;
}

export interface SwarmResult<A> {
  /** The shortest violation found of each violated property, in order of discovery. */
  readonly violations: readonly SwarmViolation<A>[];
  /** Per action kind (model.actionKinds), how often the walks found it enabled (the coverage of the walks). */
  readonly enabled: readonly number[];
  /** Walks run and steps taken (shrinking and re-checks not counted). */
  readonly walks: number;
  readonly steps: number;
  readonly seconds: number;
  /** The time limit or the stop hook cut the swarm short. */
  readonly interrupted: boolean;
  /** Which one did, when one did. */
  readonly stoppedBy?: SwarmStop;
}

/** How many steps between two looks at the clock and the stop hook (as the BFS's CLOCK_EVERY). */
const CLOCK_EVERY = 2048;

/**
 * The deadline and the stop hook, read every CLOCK_EVERY steps and at the start of every walk
 * (a walk may be shorter than CLOCK_EVERY steps; reading the clock per walk is cheap, the hook is
 * asked only every CLOCK_EVERY steps or 256 walks). Once it says stop, it stays stopped.
 */
export class Clock {
  stoppedBy: SwarmStop | undefined;
  private steps = 0;
  private looks = 0;
  constructor(private readonly deadline: number, private readonly shouldStop: (() => ExternalStop | undefined) | undefined) {}
  /** Counts one step; true when the swarm must stop. */
  step(): boolean {
    return (++this.steps & (CLOCK_EVERY - 1)) === 0 ? this.look(true) : this.stoppedBy !== undefined;
  }
  /** At a walk's start; true when the swarm must stop. */
  walk(): boolean {
    return this.look((++this.looks & 255) === 0);
  }
  private look(ask: boolean): boolean {
    if (this.stoppedBy !== undefined) return true;
    if (performance.now() >= this.deadline) this.stoppedBy = 'time-limit';
    else if (ask) this.stoppedBy = this.shouldStop?.();
    return this.stoppedBy !== undefined;
  }
  /** Seconds left before the deadline (Infinity without one). */
  left(): number {
    return (this.deadline - performance.now()) / 1000;
  }
}

/** What a walk cut short by the clock returns. */
const STOPPED = Symbol('stopped');

interface Walked<A> {
  readonly property: Property<unknown, A>;
  readonly violation: Violation;
  readonly actions: A[];
}

/** What the counted walks add up: steps taken, and per action kind how often it was enabled. */
interface Count {
  steps: number;
  readonly enabled?: Float64Array;
}

/** Follows `choices` from the initial world; the first violation of a property in `props`, if any. */
function walk<S, A>(model: Model<S, A>, init: S, props: readonly Property<S, A>[], choices: readonly number[], count: Count, clock?: Clock): Walked<A> | typeof STOPPED | undefined {
  const actions: A[] = [];
  const at: { action: A | undefined } = { action: undefined };
  try {
    return walkOn(model, init, props, choices, count, clock, actions, at);
  } catch (e) {
    // as the BFS: the model's error with the step it happened at (a variant's op, cli/scale.ts)
    throw stepError(model as Model<unknown, A>, e, at.action === undefined ? actions.length : actions.length - 1, at.action);
  }
}

function walkOn<S, A>(model: Model<S, A>, init: S, props: readonly Property<S, A>[], choices: readonly number[], count: Count, clock: Clock | undefined, actions: A[], at: { action: A | undefined }): Walked<A> | typeof STOPPED | undefined {
  const out: A[] = [];
  let s = init;
  for (const p of props) {
    if (p.kind !== 'invariant') continue;
    const v = p.check(s);
    if (v !== undefined) return { property: p as Property<unknown, A>, violation: v, actions };
  }
  for (const c of choices) {
    out.length = 0;
    at.action = undefined;
    model.actions(s, out);
    // coverage, as the BFS counts it: without it every kind would read "never enabled"
    if (count.enabled !== undefined) for (const x of out) count.enabled[model.kindOf(x)]!++;
    if (out.length === 0) break;
    if (clock?.step() === true) return STOPPED;
    const a = out[c % out.length]!;
    actions.push(a);
    at.action = a;
    count.steps++;
    const s2 = model.next(s, a);
    for (const p of props) {
      if (p.kind !== 'step') continue;
      const v = p.check(s, a, s2 ?? s);
      if (v !== undefined) return { property: p as Property<unknown, A>, violation: v, actions };
    }
    if (s2 === undefined) continue;
    s = s2;
    at.action = undefined;
    for (const p of props) {
      if (p.kind !== 'invariant') continue;
      const v = p.check(s);
      if (v !== undefined) return { property: p as Property<unknown, A>, violation: v, actions };
    }
  }
  return undefined;
}

/**
 * Shortens a trace to `propertyId` by BFS from the worlds along it, last world first: from world p,
 * a BFS of depth (length - p - 1) finds any shorter suffix. Stops at the first BFS its budget cannot finish.
 */
export function recheck<S, A>(model: Model<S, A>, propertyId: string, actions: readonly A[], budget: number, clock: Clock = new Clock(Infinity, undefined), shouldStop?: SwarmOptions['shouldStop']): { actions: A[]; violation: FoundViolation<A>['violation'] } | undefined {
  let best: { actions: A[]; violation: FoundViolation<A>['violation'] } | undefined;
  let trace = [...actions];
  const worlds: S[] = [model.init()[0]!];
  for (const a of trace) worlds.push(model.next(worlds[worlds.length - 1]!, a) ?? worlds[worlds.length - 1]!);
  for (let p = trace.length - 1; p >= 0; p--) {
    const from = worlds[p]!;
    // the re-checks share the swarm's deadline and stop hook: a stop keeps the shortest trace so far
    const left = clock.left();
    if (clock.walk()) break;
    const r = explore({ ...model, init: () => [from] }, {
      maxDepth: trace.length - p - 1, propertyIds: [propertyId], maxStates: budget,
      ...(left !== Infinity ? { timeLimitSeconds: Math.max(0.001, left) } : {}),
      ...(shouldStop !== undefined ? { shouldStop } : {}),
    });
    const v = r.violations[0];
    if (v !== undefined && p + v.actions.length < trace.length) {
      trace = [...trace.slice(0, p), ...v.actions];
      best = { actions: trace, violation: v.violation };
      worlds.length = p + 1;
      for (const a of v.actions) worlds.push(model.next(worlds[worlds.length - 1]!, a) ?? worlds[worlds.length - 1]!);
    }
    if (r.stoppedBy === 'time-limit' || r.stoppedBy === 'signal' || r.stoppedBy === 'memory') clock.stoppedBy ??= r.stoppedBy;
    // a BFS that found a shorter suffix stopped at it (stoppedBy 'violation'): that one finished, go on
    // to the earlier worlds, which may shorten the trace again; only a BFS cut short by a bound ends it
    if (!r.complete && r.stoppedBy !== 'violation') break;
  }
  return best;
}

export function swarm<S, A>(model: Model<S, A>, options: SwarmOptions): SwarmResult<A> {
  const start = performance.now();
  const init = model.init();
  if (init.length !== 1) throw new Error('swarm: the model must have exactly one initial world');
  let props = selectProperties(model, options.propertyIds);
  const count = { steps: 0, enabled: new Float64Array(model.actionKinds.length) };
  let walks = 0;
  const violations: SwarmViolation<A>[] = [];
  const choices = fc.array(fc.nat({ max: 0xffff }), { maxLength: options.maxDepth, size: 'max' });
  const deadline = options.timeLimitSeconds === undefined ? Infinity : start + options.timeLimitSeconds * 1000;
  const clock = new Clock(deadline, options.shouldStop);
  // One round per property found: the walks go on for the properties not violated yet.
  for (let round = 0; props.length > 0; round++) {
    const active = props;
    let first: number | undefined;
    const out = fc.check(
      fc.property(choices, (cs) => {
        // a stop interrupts fast-check (during the walks or the shrinking: the smallest failure so far is kept)
        if (clock.walk()) throw new fc.PreconditionFailure(true);
        if (first === undefined) walks++;
        const w = walk(model, init[0]!, active, cs, first === undefined ? count : { steps: 0 }, clock);
        if (w === STOPPED) throw new fc.PreconditionFailure(true);
        if (w !== undefined && first === undefined) first = w.actions.length;
        return w === undefined;
      }),
      { seed: (options.seed + round * 0x9e3779b1) | 0, numRuns: options.walks, endOnFailure: false },
    );
    if (!out.failed || out.counterexample === null) break;
    const [cs] = out.counterexample;
    const shrunk = walk(model, init[0]!, active, cs, { steps: 0 });
    if (shrunk === undefined || shrunk === STOPPED) throw new Error('swarm: a failing walk did not fail when walked again (the model is not deterministic)');
    const better = recheck(model, shrunk.property.id, shrunk.actions, options.recheckStates ?? 200_000, clock, options.shouldStop);
    const actions = better?.actions ?? shrunk.actions;
    violations.push({
      propertyId: shrunk.property.id,
      violation: better?.violation ?? shrunk.violation,
      initIndex: 0,
      actions,
      walkLength: first ?? shrunk.actions.length,
      shrunkLength: shrunk.actions.length,
    });
    props = props.filter((p) => p.id !== shrunk.property.id);
    if (clock.stoppedBy !== undefined) break;
  }
  const stoppedBy = clock.stoppedBy;
  return { violations, enabled: [...count.enabled], walks, steps: count.steps, seconds: (performance.now() - start) / 1000, interrupted: stoppedBy !== undefined, ...(stoppedBy !== undefined ? { stoppedBy } : {}) };
}
