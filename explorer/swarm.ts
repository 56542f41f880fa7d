// Swarm search for depths beyond exhaustive reach: seeded random walks of at most maxDepth steps
// (fast-check generates each walk as a list of choices, `choice % number of actions` at each
// step), a violating walk shrunk by fast-check (shorter lists, smaller choices), then re-checked
// by BFS from the worlds along the shrunk trace: from the world after p steps, a bounded BFS looks
// for a shorter way to the same property, and keeps it. The reported trace is as short as this
// can make it, not proven shortest (only a complete BFS proves that). Deterministic for a seed.
import fc from 'fast-check';
import type { Model, Property, Violation } from './model.js';
import type { FoundViolation } from './explore-api.js';
import { explore } from './bfs.js';
import { selectProperties } from './properties.js';

export interface SwarmOptions {
  readonly seed: number;
  /** Walks per property round. */
  readonly walks: number;
  readonly maxDepth: number;
  readonly propertyIds?: readonly string[];
  /** Distinct worlds each re-checking BFS may store (default 200000). */
  readonly recheckStates?: number;
  /** The walks of every round together stop after this long (fast-check's interruptAfterTimeLimit). */
  readonly timeLimitSeconds?: number;
}

export interface SwarmViolation<A> extends FoundViolation<A> {
  /** Length of the walk fast-check first found, and after shrinking (before the BFS re-check). */
  readonly walkLength: number;
  readonly shrunkLength: number;
}

export interface SwarmResult<A> {
  /** The shortest violation found of each violated property, in order of discovery. */
  readonly violations: readonly SwarmViolation<A>[];
  /** Walks run and steps taken (shrinking and re-checks not counted). */
  readonly walks: number;
  readonly steps: number;
  readonly seconds: number;
  /** The time limit cut the walks short. */
  readonly interrupted: boolean;
}

interface Walked<A> {
  readonly property: Property<unknown, A>;
  readonly violation: Violation;
  readonly actions: A[];
}

/** Follows `choices` from the initial world; the first violation of a property in `props`, if any. */
function walk<S, A>(model: Model<S, A>, init: S, props: readonly Property<S, A>[], choices: readonly number[], count: { steps: number }): Walked<A> | undefined {
  const out: A[] = [];
  const actions: A[] = [];
  let s = init;
  for (const p of props) {
    if (p.kind !== 'invariant') continue;
    const v = p.check(s);
    if (v !== undefined) return { property: p as Property<unknown, A>, violation: v, actions };
  }
  for (const c of choices) {
    out.length = 0;
    model.actions(s, out);
    if (out.length === 0) break;
    const a = out[c % out.length]!;
    actions.push(a);
    count.steps++;
    const s2 = model.next(s, a);
    for (const p of props) {
      if (p.kind !== 'step') continue;
      const v = p.check(s, a, s2 ?? s);
      if (v !== undefined) return { property: p as Property<unknown, A>, violation: v, actions };
    }
    if (s2 === undefined) continue;
    s = s2;
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
function recheck<S, A>(model: Model<S, A>, propertyId: string, actions: readonly A[], budget: number): { actions: A[]; violation: FoundViolation<A>['violation'] } | undefined {
  let best: { actions: A[]; violation: FoundViolation<A>['violation'] } | undefined;
  let trace = [...actions];
  const worlds: S[] = [model.init()[0]!];
  for (const a of trace) worlds.push(model.next(worlds[worlds.length - 1]!, a) ?? worlds[worlds.length - 1]!);
  for (let p = trace.length - 1; p >= 0; p--) {
    const from = worlds[p]!;
    const r = explore({ ...model, init: () => [from] }, { maxDepth: trace.length - p - 1, propertyIds: [propertyId], maxStates: budget });
    const v = r.violations[0];
    if (v !== undefined && p + v.actions.length < trace.length) {
      trace = [...trace.slice(0, p), ...v.actions];
      best = { actions: trace, violation: v.violation };
      worlds.length = p + 1;
      for (const a of v.actions) worlds.push(model.next(worlds[worlds.length - 1]!, a) ?? worlds[worlds.length - 1]!);
    }
    if (!r.complete) break;
  }
  return best;
}

export function swarm<S, A>(model: Model<S, A>, options: SwarmOptions): SwarmResult<A> {
  const start = performance.now();
  const init = model.init();
  if (init.length !== 1) throw new Error('swarm: the model must have exactly one initial world');
  let props = selectProperties(model, options.propertyIds);
  const count = { steps: 0 };
  let walks = 0;
  const violations: SwarmViolation<A>[] = [];
  const choices = fc.array(fc.nat({ max: 0xffff }), { maxLength: options.maxDepth, size: 'max' });
  const deadline = options.timeLimitSeconds === undefined ? Infinity : start + options.timeLimitSeconds * 1000;
  let interrupted = false;
  // One round per property found: the walks go on for the properties not violated yet.
  for (let round = 0; props.length > 0; round++) {
    const active = props;
    let first: number | undefined;
    const out = fc.check(
      fc.property(choices, (cs) => {
        if (first === undefined) walks++;
        const w = walk(model, init[0]!, active, cs, first === undefined ? count : { steps: 0 });
        if (w !== undefined && first === undefined) first = w.actions.length;
        return w === undefined;
      }),
      {
        seed: (options.seed + round * 0x9e3779b1) | 0, numRuns: options.walks, endOnFailure: false,
        ...(deadline !== Infinity ? { interruptAfterTimeLimit: Math.max(1, Math.floor(deadline - performance.now())) } : {}),
      },
    );
    if (out.interrupted) interrupted = true;
    if (!out.failed || out.counterexample === null) break;
    const [cs] = out.counterexample;
    const shrunk = walk(model, init[0]!, active, cs, { steps: 0 })!;
    const better = recheck(model, shrunk.property.id, shrunk.actions, options.recheckStates ?? 200_000);
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
  }
  return { violations, walks, steps: count.steps, seconds: (performance.now() - start) / 1000, interrupted };
}
