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
}
