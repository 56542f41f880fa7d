// Checks a model's declared independence (Model.independent, the contract sleep sets rely on,
// explorer/sleep.ts) exhaustively on every world reachable within a depth: for every pair (a, b) of
// actions listed in a world s and declared independent, b is listed in s·a and a in s·b, s·a·b and
// s·b·a have the same store key, and every step property judges b at s as at s·a, and a at s as at
// s·b. A test's tool (the sleep-set search trusts the declaration), and a way to see which pairs of
// a model commute at all (`commuting`), to choose a relation from.
import type { Model, StepProperty } from './model.js';
import { Fingerprinter } from './fingerprint.js';
import { VisitedStore } from './store.js';

export interface IndependenceFailure {
  /** Depth of the world s. */
  readonly depth: number;
  readonly a: string;
  readonly b: string;
  /** Which clause of the contract failed. */
  readonly why: string;
}

export interface IndependenceReport {
  /** Worlds looked at, and pairs (a, b) of listed actions declared independent, checked. */
  readonly worlds: number;
  readonly pairsChecked: number;
  readonly failures: readonly IndependenceFailure[];
}

/** Every world reachable within `maxDepth` actions, each once (by store key), with its depth. */
export function reachableWorlds<S, A>(model: Model<S, A>, maxDepth: number): { world: S; depth: number }[] {
  const fp = new Fingerprinter(model.schema, model.canonical);
  const seen = new VisitedStore();
  const all: { world: S; depth: number }[] = [];
  let level: S[] = [];
  for (const w of model.init()) {
    fp.key(w);
    if (seen.addIfNew(fp.h[0]!, fp.h[1]!, 0, 0) >= 0) level.push(w);
  }
  const out: A[] = [];
  for (let d = 0; level.length > 0; d++) {
    for (const w of level) all.push({ world: w, depth: d });
    if (d >= maxDepth) break;
    const next: S[] = [];
    for (const w of level) {
      out.length = 0;
      model.actions(w, out);
      for (const a of out) {
        const w2 = model.next(w, a);
        if (w2 === undefined) continue;
        fp.key(w2);
        if (seen.addIfNew(fp.h[0]!, fp.h[1]!, 0, 0) >= 0) next.push(w2);
      }
    }
    level = next;
  }
  return all;
}

/** What one pair (a, b) at world s breaks of the contract, or undefined when it keeps it. */
export function pairBreaks<S, A>(model: Model<S, A>, fp: Fingerprinter<S>, steps: readonly StepProperty<S, A>[], s: S, a: A, b: A): string | undefined {
  const after = (w: S, x: A): S => model.next(w, x) ?? w;
  const listed = (w: S, x: A): boolean => {
    const out: A[] = [];
    model.actions(w, out);
    const id = model.actionId;
    return out.some((y) => y === x || (id !== undefined && id(y) === id(x)));
  };
  const sa = after(s, a);
  const sb = after(s, b);
  if (!listed(sa, b)) return `${model.label(b)} is not listed after ${model.label(a)}`;
  if (!listed(sb, a)) return `${model.label(a)} is not listed after ${model.label(b)}`;
  fp.key(after(sa, b));
  const k1 = [fp.h[0], fp.h[1]];
  fp.key(after(sb, a));
  if (k1[0] !== fp.h[0] || k1[1] !== fp.h[1]) return 's·a·b and s·b·a differ';
  for (const p of steps) {
    // a property's call part when it declares one (Model.independent's contract), else its verdict
    const judge = p.callPart ?? ((b4: S, x: A, t: S) => p.check(b4, x, t));
    const v = (w: S, x: A): boolean => judge(w, x, after(w, x)) !== undefined;
    if (v(s, b) !== v(sa, b)) return `${p.id} judges b at s and at s·a differently`;
    if (v(s, a) !== v(sb, a)) return `${p.id} judges a at s and at s·b differently`;
  }
  return undefined;
}

/** Checks `independent` (default: the model's) on every pair of listed actions it declares independent. */
export function checkIndependence<S, A>(
  model: Model<S, A>, maxDepth: number, independent: ((a: A, b: A) => boolean) | undefined = model.independent, maxFailures = 20,
): IndependenceReport {
  if (independent === undefined) throw new Error('checkIndependence: the model declares no independence');
  const fp = new Fingerprinter(model.schema, model.canonical);
  const steps = model.properties().filter((p): p is StepProperty<S, A> => p.kind === 'step');
  const failures: IndependenceFailure[] = [];
  let pairsChecked = 0;
  const worlds = reachableWorlds(model, maxDepth);
  const out: A[] = [];
  for (const { world: s, depth } of worlds) {
    out.length = 0;
    model.actions(s, out);
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i]!;
        const b = out[j]!;
        const ab = independent(a, b);
        if (ab !== independent(b, a)) failures.push({ depth, a: model.label(a), b: model.label(b), why: 'independent is not symmetric' });
        if (!ab) continue;
        pairsChecked++;
        const why = pairBreaks(model, fp, steps, s, a, b);
        if (why !== undefined) failures.push({ depth, a: model.label(a), b: model.label(b), why });
        if (failures.length >= maxFailures) return { worlds: worlds.length, pairsChecked, failures };
      }
    }
  }
  return { worlds: worlds.length, pairsChecked, failures };
}

/**
 * Per pair of action ids "x,y" (x < y): in how many reachable worlds both were listed, and in how many of
 * those they broke the contract. A pair co-listed often and never breaking it is a candidate.
 */
export function commuting<S, A>(model: Model<S, A>, maxDepth: number): Map<string, { together: number; broke: number; why?: string }> {
  const id = model.actionId;
  if (id === undefined) throw new Error('commuting: the model declares no action ids');
  const fp = new Fingerprinter(model.schema, model.canonical);
  const steps = model.properties().filter((p): p is StepProperty<S, A> => p.kind === 'step');
  const pairs = new Map<string, { together: number; broke: number; why?: string }>();
  const out: A[] = [];
  for (const { world: s } of reachableWorlds(model, maxDepth)) {
    out.length = 0;
    model.actions(s, out);
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const [a, b] = id(out[i]!) < id(out[j]!) ? [out[i]!, out[j]!] : [out[j]!, out[i]!];
        const key = `${id(a)},${id(b)}`;
        let e = pairs.get(key);
        if (e === undefined) pairs.set(key, (e = { together: 0, broke: 0 }));
        e.together++;
        if (e.broke > 0) continue;
        const why = pairBreaks(model, fp, steps, s, a, b);
        if (why !== undefined) {
          e.broke++;
          e.why = why;
        }
      }
    }
  }
  return pairs;
}
