// Bounded exhaustive breadth-first search, level by level, one core.
// - Identity: 64-bit fingerprint of the canonical encoding (codec.ts), kept in store.ts.
// - Frontier: encoded records (frontier.ts) when the model has a schema, decoded when expanded;
//   plain objects otherwise.
// - Properties: invariants on every new distinct world (initial ones included); step properties on
//   EVERY transition, to visited worlds and self-loops too. A violation found while expanding level
//   d has a trace of d+1 actions (0 for an initial world), so the first one found for a property is
//   a shortest one; traces are rebuilt by replay (replay.ts).
// - Bounds: maxDepth (levels deeper are not expanded: the run is complete within the bound),
//   maxStates and timeLimitSeconds (the run is incomplete). Deterministic: no clock decides
//   anything but the time limit and progress reports.
import type { Model, Invariant, StepProperty, Violation } from './model.js';
import { ModelStepError, type ExploreOptions, type ExploreResult, type FoundViolation, type Stats, type StopReason, type ActionCoverage } from './explore-api.js';
import { compileCodec, hashValue, newHashOut, type Codec } from './codec.js';
import { compileHashWords } from './hash.js';
import { VisitedStore } from './store.js';
import { RecordQueue } from './frontier.js';
import { pathTo, replayIndices } from './replay.js';

/** Successors checked with the validating encoder before switching to the fast one. */
const CHECKED_SUCCESSORS = 1000;
/** How many transitions between two looks at the clock. */
const CLOCK_EVERY = 2048;

/** One BFS level: pushes take the world just fingerprinted (its encoding is still in the scratch). */
interface Level<S> {
  readonly length: number;
  push(w: S): void;
  pop(): S;
}

class EncodedLevel<S> implements Level<S> {
  private readonly q: RecordQueue;
  constructor(
    private readonly codec: Codec<S>,
    private readonly scratch: Int32Array,
  ) {
    this.q = new RecordQueue(codec.words);
  }
  get length(): number {
    return this.q.length;
  }
  push(): void {
    this.q.push(this.scratch);
  }
  pop(): S {
    const off = this.q.shift();
    return this.codec.decode(this.q.chunk, off);
  }
}

class ObjectLevel<S> implements Level<S> {
  private items: S[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(w: S): void {
    this.items.push(w);
  }
  pop(): S {
    const w = this.items[this.head]!;
    this.items[this.head++] = undefined as S; // let the world be collected
    return w;
  }
}

/**
 * Explores breadth first. An error thrown by the model (its actions, next or a property) comes out
 * as ModelStepError: the cause, the depth of the step and the label of the action being taken, so
 * that a caller can say where user code (a kernel variant) failed.
 */
export function explore<S, A>(model: Model<S, A>, options: ExploreOptions): ExploreResult<A> {
  const at: At<A> = { level: 0, action: undefined };
  try {
    return search(model, options, at);
  } catch (e) {
    let label: string | undefined;
    try {
      label = at.action === undefined ? undefined : model.label(at.action);
    } catch {
      label = undefined;
    }
    throw new ModelStepError(e, at.action === undefined ? at.level : at.level + 1, label);
  }
}

/** Where the search is: the level being expanded and the action being taken (one write per transition). */
interface At<A> { level: number; action: A | undefined }

function search<S, A>(model: Model<S, A>, options: ExploreOptions, at: At<A>): ExploreResult<A> {
  const start = performance.now();
  const stopAtFirst = options.stopAtFirstViolation ?? true;
  const maxDepth = options.maxDepth ?? Infinity;
  const maxStates = options.maxStates ?? Infinity;
  const deadline = options.timeLimitSeconds === undefined ? Infinity : start + options.timeLimitSeconds * 1000;
  const onProgress = options.onProgress;
  const shouldStop = options.shouldStop;

  // Properties to check.
  let props = model.properties();
  if (options.propertyIds !== undefined) {
    const known = new Set(props.map((p) => p.id));
    for (const id of options.propertyIds) if (!known.has(id)) throw new Error(`explore: the model has no property '${id}'`);
    const wanted = new Set(options.propertyIds);
    props = props.filter((p) => wanted.has(p.id));
  }
  let invariants = props.filter((p): p is Invariant<S> => p.kind === 'invariant');
  let steps = props.filter((p): p is StepProperty<S, A> => p.kind === 'step');

  // Fingerprinting and the frontier's representation.
  const h = newHashOut();
  const schema = model.schema;
  const codec = schema === undefined ? undefined : compileCodec(schema);
  const checkedCodec = schema === undefined ? undefined : compileCodec(schema, { checked: true });
  const scratch = new Int32Array(codec === undefined ? 0 : codec.words);
  const hashFixed = compileHashWords(scratch.length);
  let checkedLeft = CHECKED_SUCCESSORS;
  const encodeHash = codec?.encodeHash;
  const fingerprint =
    codec === undefined
      ? (w: S): void => hashValue(w, h)
      : (w: S): void => {
          if (checkedLeft > 0) {
            checkedLeft--;
            checkedCodec!.encode(w, scratch, 0);
            hashFixed(scratch, h);
          } else if (encodeHash !== undefined) encodeHash(w, scratch, h);
          else {
            codec.encode(w, scratch, 0);
            hashFixed(scratch, h);
          }
        };
  const newLevel = (): Level<S> => (codec === undefined ? new ObjectLevel<S>() : new EncodedLevel<S>(codec, scratch));

  const store = new VisitedStore();
  const kinds = model.actionKinds;
  const enabled = new Float64Array(kinds.length);
  const newStates = new Float64Array(kinds.length);
  const violations: FoundViolation<A>[] = [];
  let transitions = 0;
  let depth = 0; // deepest level holding a stored world
  let level = 0; // level being expanded
  let stoppedBy: StopReason | undefined;

  /**
   * Rebuilds the trace to world `index` (then `last`, for a step property) by replay, and checks
   * that the replayed trace violates the property too: a model whose actions() or next() is not
   * deterministic would otherwise yield a trace that shows nothing.
   */
  const traceTo = (p: Invariant<S> | StepProperty<S, A>, index: number, last?: A): { initIndex: number; actions: A[] } => {
    const { initIndex, actionIndices } = pathTo(store, index);
    const { actions, worlds } = replayIndices(model, initIndex, actionIndices);
    const end = worlds[worlds.length - 1]!;
    const again = p.kind === 'invariant' ? p.check(end) : p.check(end, last!, model.next(end, last!) ?? end);
    if (again === undefined)
      throw new Error(`explore: replaying the trace of '${p.id}' does not reproduce the violation: the model is not deterministic`);
    if (last !== undefined) actions.push(last);
    return { initIndex, actions };
  };
  const distinctBy = stopAtFirst ? undefined : options.distinct;
  const perProperty = distinctBy?.perProperty ?? Infinity;
  const keysOf = new Map<string, Set<string>>();
  /** Records a violation; returns true when the search must stop. */
  const report = (p: Invariant<S> | StepProperty<S, A>, violation: Violation, index: number, last?: A): boolean => {
    const propertyId = p.id;
    if (distinctBy !== undefined) {
      const trace = traceTo(p, index, last);
      const key = distinctBy.key(propertyId, trace.initIndex, trace.actions);
      let keys = keysOf.get(propertyId);
      if (keys === undefined) keysOf.set(propertyId, (keys = new Set()));
      if (keys.has(key)) return false;
      keys.add(key);
      violations.push({ propertyId, violation, ...trace, key });
      if (keys.size < perProperty) return false;
    } else {
      violations.push({ propertyId, violation, ...traceTo(p, index, last) });
    }
    if (stopAtFirst) return true;
    // Collect mode: the first violation of a property is its shortest; stop checking it.
    invariants = invariants.filter((p) => p.id !== propertyId);
    steps = steps.filter((p) => p.id !== propertyId);
    return invariants.length === 0 && steps.length === 0;
  };
  const checkInvariants = (w: S, index: number, parent?: S): boolean => {
    const invs = invariants; // report() may replace the list: finish this world with the old one
    for (let k = 0; k < invs.length; k++) {
      const p = invs[k]!;
      const v = p.check(w);
      if (v === undefined) continue;
      // distinct mode: the parent's violation with the same message was keyed already
      if (distinctBy !== undefined && parent !== undefined && p.check(parent)?.message === v.message) continue;
      if (report(p, v, index)) return true;
    }
    return false;
  };

  // Initial worlds, deduplicated.
  let current = newLevel();
  const init = model.init();
  for (let i = 0; i < init.length && stoppedBy === undefined; i++) {
    const w = init[i]!;
    fingerprint(w);
    if (store.size >= maxStates && !store.has(h[0]!, h[1]!)) {
      stoppedBy = 'max-states';
      break;
    }
    const index = store.addIfNew(h[0]!, h[1]!, -(i + 1), 0);
    if (index < 0) continue;
    current.push(w);
    if (checkInvariants(w, index)) stoppedBy = 'violation';
  }

  // Level by level.
  let levelBase = 0; // store index of the first world of `current`
  let next = newLevel();
  let nextClock = CLOCK_EVERY;
  let lastProgress = start;
  const out: A[] = [];
  const progress = (now: number): void => {
    const seconds = (now - start) / 1000;
    onProgress!({
      generated: transitions,
      distinct: store.size,
      queue: current.length + next.length,
      depth,
      seconds,
      statesPerSecond: seconds > 0 ? transitions / seconds : 0,
    });
  };

  search: while (stoppedBy === undefined && current.length > 0) {
    if (level >= maxDepth) {
      stoppedBy = 'max-depth';
      break;
    }
    next = newLevel();
    at.level = level;
    const levelSize = current.length;
    for (let k = 0; k < levelSize; k++) {
      const parent = levelBase + k;
      const s = current.pop();
      out.length = 0;
      at.action = undefined;
      model.actions(s, out);
      for (let ai = 0; ai < out.length; ai++) {
        const a = out[ai]!;
        at.action = a;
        const kind = model.kindOf(a);
        enabled[kind]!++;
        transitions++;
        const s2 = model.next(s, a);
        const stepProps = steps; // report() may replace the list: finish this transition with the old one
        for (let q = 0; q < stepProps.length; q++) {
          const p = stepProps[q]!;
          const v = p.check(s, a, s2 ?? s);
          if (v !== undefined && report(p, v, parent, a)) {
            stoppedBy = 'violation';
            break search;
          }
        }
        if (s2 === undefined) continue; // a self-loop: nothing new
        fingerprint(s2);
        if (store.size >= maxStates && !store.has(h[0]!, h[1]!)) {
          stoppedBy = 'max-states';
          break search;
        }
        const index = store.addIfNew(h[0]!, h[1]!, parent, ai);
        if (index < 0) continue;
        newStates[kind]!++;
        if (level + 1 > depth) depth = level + 1;
        next.push(s2);
        if (checkInvariants(s2, index, s)) {
          stoppedBy = 'violation';
          break search;
        }
      }
      // The clock is read every CLOCK_EVERY transitions, and every 256 worlds (worlds without actions).
      if (transitions >= nextClock || (k & 255) === 255) {
        nextClock = transitions + CLOCK_EVERY;
        const now = performance.now();
        if (now >= deadline) {
          stoppedBy = 'time-limit';
          break search;
        }
        const external = shouldStop?.();
        if (external !== undefined) {
          stoppedBy = external;
          break search;
        }
        if (onProgress !== undefined && now - lastProgress >= 1000) {
          lastProgress = now;
          progress(now);
        }
      }
    }
    levelBase += levelSize;
    level++;
    current = next;
  }
  if (stoppedBy === undefined) stoppedBy = 'exhausted';

  const seconds = (performance.now() - start) / 1000;
  const distinct = store.size;
  const generated = transitions + init.length;
  const queueLeft = next === current ? current.length : current.length + next.length;
  const stats: Stats = {
    distinctStates: distinct,
    transitions,
    depth,
    seconds,
    statesPerSecond: seconds > 0 ? transitions / seconds : 0,
    distinctPerSecond: seconds > 0 ? distinct / seconds : 0,
    queueLeft,
    collisionProbability: (distinct * Math.max(0, generated - distinct)) / 2 ** 64,
    storeBytes: store.bytes,
    bytesPerState: distinct > 0 ? store.bytes / distinct : 0,
  };
  const coverage: ActionCoverage[] = kinds.map((kind, i) => ({ kind, enabled: enabled[i]!, newStates: newStates[i]! }));
  const warnings = coverage
    .filter((c) => c.enabled === 0)
    .map((c) => `action kind ${c.kind} was never enabled: the run may be vacuous for it`);
  // Within maxDepth every reachable world was explored (design.md); the other bounds, and a
  // stop at a violation, leave worlds unexplored.
  const complete = stoppedBy === 'exhausted' || stoppedBy === 'max-depth';
  return { complete, stoppedBy, stats, violations, coverage, warnings };
}
