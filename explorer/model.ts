// The only thing the explorer knows about a model, after Stateright's `Model` trait:
// initial worlds, the actions a world allows, the next world, the properties, a label.
// Nothing vDPA-specific may appear in explorer/.
import type { Schema } from './schema.js';

/** What a property check returns when the property does not hold. */
export interface Violation {
  /** One line saying which layer disagrees with which, where (hex), and how. */
  readonly message: string;
  /**
   * A read-only observation that shows the violation (e.g. a device DMA access and what it
   * reached). It is not a step of the search; a trace renders it after the last step.
   */
  readonly observation?: string;
}

/** Invariant: must hold in every reachable world. */
export interface Invariant<S> {
  readonly kind: 'invariant';
  readonly id: string;
  check(s: S): Violation | undefined;
}

/** Step property: must hold on every transition (before, action, after), including ones to already-visited worlds. */
export interface StepProperty<S, A> {
  readonly kind: 'step';
  readonly id: string;
  check(before: S, action: A, after: S): Violation | undefined;
  /**
   * Optional: the part of `check` that judges the transition itself, when the rest judges the world
   * it leads to alone: check(b, a, t) = callPart(b, a, t) ?? (t === b ? undefined : targetPart(t)),
   * with targetPart holding on every initial world. Only Model.independent's contract reads it: the
   * target part is judged anyway on every world's first arrival, which sleep sets keep.
   */
  readonly callPart?: (before: S, action: A, after: S) => Violation | undefined;
}

export type Property<S, A> = Invariant<S> | StepProperty<S, A>;

export interface Model<S, A> {
  /** The initial worlds, in a fixed order. */
  init(): readonly S[];
  /**
   * Appends to `out` the actions worth exploring in `s`, in a deterministic order.
   * An action the model knows to be a self-loop (a refused ioctl that changes nothing) should
   * not be listed at all: it never reaches a reducer.
   */
  actions(s: S, out: A[]): void;
  /** The world after `a`; `undefined` when `a` leaves `s` unchanged. Must not mutate `s`. */
  next(s: S, a: A): S | undefined;
  /**
   * Optional, with a schema: `next` in two halves, for the explorer's hot path, where most successors
   * turn out to be known. `peek(s, a)` takes `a` and returns the world after it as a transient: valid
   * only until the model's next peek, next or commit (a property report replays steps: take it again
   * after one), and never to be kept nor changed. It may be `s` itself or a world equal to `s`: the
   * explorer tells a self-loop by the encoding (equal words, equal worlds). `commit()` returns the
   * world `next(s, a)` returns for the last peek, to keep. Both must agree with `next` exactly.
   */
  readonly peek?: (s: S, a: A) => S;
  readonly commit?: () => S;
  /** Invariants and step properties to check. */
  properties(): readonly Property<S, A>[];
  /** A one-line, human label of an action (for traces). */
  label(a: A): string;
  /** Names of the action kinds, for coverage statistics. */
  readonly actionKinds: readonly string[];
  /** Index into `actionKinds` of an action. */
  kindOf(a: A): number;
  /**
   * Optional: the shape of S. With it the engine encodes worlds into Int32Arrays at the fast
   * rate (fingerprints and the BFS frontier); without it, a generic slower encoder is used.
   */
  readonly schema?: Schema<S>;
  /**
   * Optional: runs a batch of this model's steps (a chunk of the chunked search, on whatever
   * thread) under the model's own guard: a model with user code inside (a kernel variant) puts
   * its deadline and its error reporting there.
   */
  readonly contain?: <T>(run: () => T) => T;
  /**
   * Optional: the representative of `s`'s class under a reduction the model declares sound for its
   * properties (a symmetry of interchangeable values, fields that nothing reads any more): two worlds
   * with equal representatives must satisfy the same properties, allow the same actions up to that
   * reduction, and lead to worlds with equal representatives. The visited store keys on it; the
   * frontier keeps the concrete world reached first (the one its stored path leads to), so
   * properties are checked and traces replayed on real worlds. BFS keeps shortest traces when the
   * properties are invariant under the reduction. Return `s` itself when nothing is reduced.
   */
  readonly canonical?: (s: S) => S;
  /**
   * Optional, for partial-order reduction by sleep sets (explorer/sleep.ts; used when the search is
   * asked for it, ExploreOptions.partialOrder): a stable id of an action, in [0, actionIdCount).
   */
  readonly actionId?: (a: A) => number;
  readonly actionIdCount?: number;
  /**
   * Optional, with actionId: true only when `a` and `b` are independent in EVERY reachable world s
   * where both are listed. Static, symmetric, conservative (false is always sound). Independent means:
   * - b is listed in s·a and a in s·b (taking one neither disables nor refuses the other);
   * - s·a·b and s·b·a are the same world (the same store key: Model.canonical's representative);
   * - every step property judges b at s as it judges b at s·a (holds or is violated), and a at s as
   *   a at s·b: a skipped transition is judged by the one it stands for. For a property with a
   *   `callPart`, the call parts must agree (its target part is judged on each world's first
   *   arrival, at its shortest depth, which sleep sets keep: explorer/sleep.ts).
   * A self-loop (next returns undefined) counts as a step to s itself.
   * explorer/independence-check.ts checks all this on every world within a depth (a test's tool).
   */
  readonly independent?: (a: A, b: A) => boolean;
}
