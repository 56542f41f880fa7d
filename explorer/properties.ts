// The properties of one search and the violations found so far (TLC's "invariant checking" step):
// which properties are still checked, how a violation is recorded (its trace rebuilt by replay and
// re-checked), and, in collect mode, which distinct keys were kept. Shared by the one-core search
// (bfs.ts) and the chunked one (chunked.ts); both call `report` in the same order, which is what
// makes their results equal.
import type { Model, Invariant, StepProperty, Property, Violation } from './model.js';
import type { ExploreOptions, FoundViolation } from './explore-api.js';
import type { VisitedStore } from './store.js';
import { PrefixReplay, pathTo } from './replay.js';

/** A violation as indices (what a checkpoint keeps): the actions are rebuilt by replay. */
export interface FoundByIndex {
  readonly propertyId: string;
  readonly violation: Violation;
  readonly initIndex: number;
  readonly actionIndices: readonly number[];
  /** For a step property: the index of the violating action in the last world's actions. */
  readonly lastIndex?: number;
  readonly key?: string;
}

/** The properties `options.propertyIds` selects (all by default), in the model's order. */
export function selectProperties<S, A>(model: Model<S, A>, ids: readonly string[] | undefined): Property<S, A>[] {
  const props = model.properties();
  if (ids === undefined) return [...props];
  const known = new Set(props.map((p) => p.id));
  for (const id of ids) if (!known.has(id)) throw new Error(`explore: the model has no property '${id}'`);
  const wanted = new Set(ids);
  return props.filter((p) => wanted.has(p.id));
}

/** A found violation's trace, replayed, and the property's verdict at its end. */
interface FoundTrace<A> {
  readonly initIndex: number;
  readonly actions: A[];
  readonly actionIndices: number[];
  readonly violation: Violation;
}

export class PropertyBook<S, A> {
  /** Every selected property; a property's position here is its number in worker messages. */
  readonly all: readonly Property<S, A>[];
  /** Still checked (collect mode drops a property once reported, unless keyed by `distinct`). */
  invariants: Invariant<S>[];
  steps: StepProperty<S, A>[];
  readonly violations: FoundViolation<A>[] = [];
  readonly byIndex: FoundByIndex[] = [];
  readonly stopAtFirst: boolean;
  readonly distinctBy: ExploreOptions['distinct'];
  private readonly perProperty: number;
  private readonly keysOf = new Map<string, Set<string>>();
  private readonly replayer: PrefixReplay<S, A>;

  constructor(
    private readonly model: Model<S, A>,
    private readonly store: VisitedStore,
    options: ExploreOptions,
  ) {
    this.replayer = new PrefixReplay(model);
    this.all = selectProperties(model, options.propertyIds);
    this.invariants = this.all.filter((p): p is Invariant<S> => p.kind === 'invariant');
    this.steps = this.all.filter((p): p is StepProperty<S, A> => p.kind === 'step');
    this.stopAtFirst = options.stopAtFirstViolation ?? true;
    this.distinctBy = this.stopAtFirst ? undefined : options.distinct;
    this.perProperty = this.distinctBy?.perProperty ?? Infinity;
  }

  /** Violations found so far per property id (progress reports). */
  countsByProperty(): Record<string, number> {
    const n: Record<string, number> = {};
    for (const v of this.violations) n[v.propertyId] = (n[v.propertyId] ?? 0) + 1;
    return n;
  }

  /** True while property number `n` of `all` is still checked. */
  isActive(n: number): boolean {
    const p = this.all[n]!;
    return p.kind === 'invariant' ? this.invariants.includes(p) : this.steps.includes(p);
  }

  /**
   * Rebuilds the trace to world `index` (then the action at `lastIndex`, for a step property) by
   * replay, and checks that the replayed trace violates the property too: a model whose actions()
   * or next() is not deterministic would otherwise yield a trace that shows nothing.
   */
  private traceTo(p: Property<S, A>, index: number, lastIndex?: number): FoundTrace<A> {
    const { initIndex, actionIndices } = pathTo(this.store, index);
    return this.replayFound(p, initIndex, actionIndices, lastIndex);
  }

  private replayFound(p: Property<S, A>, initIndex: number, actionIndices: number[], lastIndex?: number): FoundTrace<A> {
    const { actions, worlds } = this.replayer.replay(initIndex, actionIndices);
    const end = worlds[worlds.length - 1]!;
    let last: A | undefined;
    if (lastIndex !== undefined) {
      const out: A[] = [];
      this.model.actions(end, out);
      last = out[lastIndex];
      if (last === undefined) throw new Error(`explore: replaying the trace of '${p.id}' lists no action ${lastIndex}: the model is not deterministic`);
    }
    const again = p.kind === 'invariant' ? p.check(end) : p.check(end, last!, this.model.next(end, last!) ?? end);
    if (again === undefined)
      throw new Error(`explore: replaying the trace of '${p.id}' does not reproduce the violation: the model is not deterministic`);
    if (last !== undefined) actions.push(last);
    return { initIndex, actions, actionIndices, violation: again };
  }

  /**
   * Records a violation of `p` at world `index` (then action `lastIndex` of it); true when the
   * search must stop. The Violation kept is the property's verdict at the end of the replayed
   * trace, so the searches need not carry it to here (chunked.ts: from another thread).
   */
  report(p: Property<S, A>, index: number, lastIndex?: number): boolean {
    const propertyId = p.id;
    const trace = this.traceTo(p, index, lastIndex);
    const violation = trace.violation;
    const last = lastIndex !== undefined ? { lastIndex } : {};
    if (this.distinctBy !== undefined) {
      const key = this.distinctBy.key(propertyId, trace.initIndex, trace.actions);
      let keys = this.keysOf.get(propertyId);
      if (keys === undefined) this.keysOf.set(propertyId, (keys = new Set()));
      if (keys.has(key)) return false;
      keys.add(key);
      this.violations.push({ propertyId, violation, initIndex: trace.initIndex, actions: trace.actions, key });
      this.byIndex.push({ propertyId, violation, initIndex: trace.initIndex, actionIndices: trace.actionIndices, ...last, key });
      if (keys.size < this.perProperty) return false;
    } else {
      this.violations.push({ propertyId, violation, initIndex: trace.initIndex, actions: trace.actions });
      this.byIndex.push({ propertyId, violation, initIndex: trace.initIndex, actionIndices: trace.actionIndices, ...last });
    }
    if (this.stopAtFirst) return true;
    return this.retire(propertyId);
  }

  /** Collect mode: the first violation of a property is its shortest; stop checking it. */
  private retire(propertyId: string): boolean {
    this.invariants = this.invariants.filter((q) => q.id !== propertyId);
    this.steps = this.steps.filter((q) => q.id !== propertyId);
    return this.invariants.length === 0 && this.steps.length === 0;
  }

  /** Checks the invariants still checked on a new world; true when the search must stop. */
  checkInvariants(w: S, index: number, parent?: S): boolean {
    const invs = this.invariants; // report() may replace the list: finish this world with the old one
    for (let k = 0; k < invs.length; k++) {
      const p = invs[k]!;
      const v = p.check(w);
      if (v === undefined) continue;
      // distinct mode: the parent's violation with the same message was keyed already
      if (this.distinctBy !== undefined && parent !== undefined && p.check(parent)?.message === v.message) continue;
      if (this.report(p, index)) return true;
    }
    return false;
  }

  /**
   * Puts back the violations of a checkpoint: replays each (the caller's `distinct.key` is called
   * again, in the original order, so whatever it remembers is as it was), and retires properties.
   */
  restore(found: readonly FoundByIndex[]): void {
    for (const f of found) {
      const p = this.all.find((q) => q.id === f.propertyId);
      if (p === undefined) throw new Error(`checkpoint: a violation of '${f.propertyId}', which this search does not check`);
      const trace = this.replayFound(p, f.initIndex, [...f.actionIndices], f.lastIndex);
      if (this.distinctBy !== undefined) {
        const key = this.distinctBy.key(f.propertyId, trace.initIndex, trace.actions);
        if (key !== f.key) throw new Error(`checkpoint: the cause of a '${f.propertyId}' violation is not the one saved: the model changed`);
        let keys = this.keysOf.get(f.propertyId);
        if (keys === undefined) this.keysOf.set(f.propertyId, (keys = new Set()));
        keys.add(key);
        this.violations.push({ propertyId: f.propertyId, violation: f.violation, initIndex: f.initIndex, actions: trace.actions, key });
        this.byIndex.push(f);
        if (keys.size >= this.perProperty) this.retire(f.propertyId);
      } else {
        this.violations.push({ propertyId: f.propertyId, violation: f.violation, initIndex: f.initIndex, actions: trace.actions });
        this.byIndex.push(f);
        if (!this.stopAtFirst) this.retire(f.propertyId);
      }
    }
  }
}
