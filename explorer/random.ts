// Random exploration for configurations too large to exhaust: N walks of at most L steps from
// random initial worlds, choosing uniformly among the listed actions with a seeded PRNG
// (mulberry32), checking the same properties as the BFS. The first violation found is returned
// with its actions; unlike BFS it is not a shortest trace. Deterministic for a given seed.
import type { Model, Invariant, StepProperty } from './model.js';
import type { FoundViolation } from './explore-api.js';

export interface RandomOptions {
  readonly walks: number;
  readonly length: number;
  readonly seed?: number;
  readonly propertyIds?: readonly string[];
  readonly timeLimitSeconds?: number;
}

export interface RandomResult<A> {
  readonly violation: FoundViolation<A> | undefined;
  /** Walks started and steps taken. */
  readonly walks: number;
  readonly steps: number;
  readonly seconds: number;
}

/** A small seeded PRNG (mulberry32): returns uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export function randomWalks<S, A>(model: Model<S, A>, options: RandomOptions): RandomResult<A> {
  const start = performance.now();
  const deadline = options.timeLimitSeconds === undefined ? Infinity : start + options.timeLimitSeconds * 1000;
  let props = model.properties();
  if (options.propertyIds !== undefined) {
    const wanted = new Set(options.propertyIds);
    for (const id of wanted) if (!props.some((p) => p.id === id)) throw new Error(`randomWalks: the model has no property '${id}'`);
    props = props.filter((p) => wanted.has(p.id));
  }
  const invariants = props.filter((p): p is Invariant<S> => p.kind === 'invariant');
  const steps = props.filter((p): p is StepProperty<S, A> => p.kind === 'step');
  const rand = mulberry32(options.seed ?? 1);
  const init = model.init();
  const out: A[] = [];
  let walks = 0;
  let stepCount = 0;
  const done = (violation: FoundViolation<A> | undefined): RandomResult<A> => ({
    violation,
    walks,
    steps: stepCount,
    seconds: (performance.now() - start) / 1000,
  });
  if (init.length === 0) return done(undefined);
  for (let w = 0; w < options.walks; w++) {
    if (performance.now() >= deadline) break;
    walks++;
    const initIndex = rand() % init.length;
    let s: S = init[initIndex]!;
    const actions: A[] = [];
    for (const p of invariants) {
      const v = p.check(s);
      if (v !== undefined) return done({ propertyId: p.id, violation: v, initIndex, actions });
    }
    for (let k = 0; k < options.length; k++) {
      out.length = 0;
      model.actions(s, out);
      if (out.length === 0) break;
      const a = out[rand() % out.length]!;
      actions.push(a);
      stepCount++;
      const s2 = model.next(s, a);
      for (const p of steps) {
        const v = p.check(s, a, s2 ?? s);
        if (v !== undefined) return done({ propertyId: p.id, violation: v, initIndex, actions });
      }
      if (s2 === undefined) continue;
      s = s2;
      for (const p of invariants) {
        const v = p.check(s);
        if (v !== undefined) return done({ propertyId: p.id, violation: v, initIndex, actions });
      }
    }
  }
  return done(undefined);
}
