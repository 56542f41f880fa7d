// Bounded exhaustive breadth-first search, level by level, one core, in TLC's named steps:
// initial worlds -> (per level) expand each world -> take each transition (step properties,
// fingerprint, store, invariants) -> look at the clock -> final report.
// - Identity: 64-bit fingerprint of the canonical encoding (fingerprint.ts), kept in store.ts; of the
//   model's representative when it declares a reduction (Model.canonical), the frontier keeping
//   the concrete world first reached, so that properties and traces stay on real worlds.
// - Frontier: encoded records (frontier.ts) when the model has a schema, decoded when expanded;
//   plain objects otherwise.
// - Properties (properties.ts): invariants on every new distinct world (initial ones included);
//   step properties on EVERY transition, to visited worlds and self-loops too. A violation found
//   while expanding level d has a trace of d+1 actions (0 for an initial world), so the first one
//   found for a property is a shortest one; traces are rebuilt by replay (replay.ts).
// - Bounds: maxDepth (levels deeper are not expanded: the run is complete within the bound),
//   maxStates, timeLimitSeconds and shouldStop (the run is incomplete). Deterministic: no clock
//   decides anything but the time limit, shouldStop and progress reports.
// - Partial-order reduction (options.partialOrder 'sleep', a model with Model.independent): sleep
//   sets (sleep.ts) skip transitions that stand for explored ones; the same worlds are stored.
// chunked.ts runs the same steps over chunks of a level, on worker threads; its results are equal.
import type { Model } from './model.js';
import { ModelStepError, type ExploreOptions, type ExploreResult, type StopReason } from './explore-api.js';
import { VisitedStore } from './store.js';
import { CountedLevel, EncodedLevel, ObjectLevel, type Level } from './frontier.js';
import { SpillArea } from './spill.js';
import { Fingerprinter, shardOf } from './fingerprint.js';
import { PropertyBook } from './properties.js';
import { Step } from './step.js';
import { storeInitialWorlds } from './initial.js';
import { buildResult, newCounters, type Counters } from './result.js';
import { SleepLevel, SleepRules, independenceOf } from './sleep.js';

/**
 * How many transitions between two looks at the clock: adapted so that looks are about 2-10 ms
 * apart, from CLOCK_FIRST up to CLOCK_EVERY. A fixed 2,048 let a search with slow transitions (a
 * judge keying each violation, variant code: ~0.3 ms each) overrun its time limit by 0.7 s; a
 * look costs well under a microsecond, so fast models still read it every 2,048.
 */
const CLOCK_EVERY = 2048;
const CLOCK_FIRST = 16;

/**
 * Explores breadth first. An error thrown by the model (its actions, next or a property) comes out
 * as ModelStepError: the cause, the depth of the step and the label of the action being taken, so
 * that a caller can say where user code (a kernel variant) failed.
 */
export function explore<S, A>(model: Model<S, A>, options: ExploreOptions): ExploreResult<A> {
  const search = new BreadthFirst(model, options);
  try {
    return search.run();
  } catch (e) {
    throw stepError(model, e, search.level, search.action);
  } finally {
    search.dispose();
  }
}

/** The error thrown by the model, with where it happened. */
export function stepError<A>(model: Pick<Model<unknown, A>, 'label'>, e: unknown, level: number, action: A | undefined): ModelStepError {
  let label: string | undefined;
  try {
    label = action === undefined ? undefined : model.label(action);
  } catch {
    label = undefined;
  }
  return new ModelStepError(e, action === undefined ? level : level + 1, label);
}

class BreadthFirst<S, A> {
  /** The level being expanded, and the action being taken (for ModelStepError). */
  level = 0;
  action: A | undefined = undefined;

  private readonly start = performance.now();
  private readonly maxDepth: number;
  private readonly maxStates: number;
  private readonly deadline: number;
  private readonly fp: Fingerprinter<S>;
  private readonly store: VisitedStore;
  private readonly book: PropertyBook<S, A>;
  private readonly c: Counters;
  private stoppedBy: StopReason | undefined;
  private current: Level<S>;
  private next: Level<S>;
  /** Store index of the first world of `current`. */
  private levelBase = 0;
  private initCount = 0;
  private clockEvery = CLOCK_FIRST;
  private nextClock = CLOCK_FIRST;
  private lastLook: number;
  private lastProgress: number;
  private readonly out: A[] = [];
  /** How a transition is taken (Model.next or Model.peek). */
  private readonly step: Step<S, A>;
  /**
   * The record the world being expanded was decoded from (encoded levels): a peeked transient is
   * compared with it, and a successor's key copies from it what the successor shares with its parent.
   */
  private parentWords: Int32Array = new Int32Array(0);
  private parentOff = 0;
  /** Where the frontier spills past its memory budget (options.frontier; encoded levels only). */
  private readonly spill: SpillArea | undefined;
  /** Sleep sets (options.partialOrder): the rules, and the sets of the current and next levels. */
  private readonly sleep: SleepRules<A> | undefined;
  private curSleep: SleepLevel | undefined;
  private nextSleep: SleepLevel | undefined;

  constructor(
    private readonly model: Model<S, A>,
    private readonly options: ExploreOptions,
  ) {
    this.store = new VisitedStore(options.expectedStates ?? 0);
    this.maxDepth = options.maxDepth ?? Infinity;
    this.maxStates = options.maxStates ?? Infinity;
    this.deadline = options.timeLimitSeconds === undefined ? Infinity : this.start + options.timeLimitSeconds * 1000;
    this.lastProgress = this.start;
    this.lastLook = this.start;
    this.book = new PropertyBook(model, this.store, options);
    this.fp = new Fingerprinter(model.schema, model.canonical);
    this.step = new Step(model, this.fp);
    const ind = options.partialOrder === 'sleep' ? independenceOf(model) : undefined;
    this.sleep = ind === undefined ? undefined : new SleepRules(ind);
    this.curSleep = this.sleep === undefined ? undefined : new SleepLevel(this.sleep.words);
    this.c = newCounters(model.actionKinds.length, this.sleep !== undefined);
    if (options.frontier !== undefined && this.fp.codec === undefined) throw new Error('explore: a frontier budget needs a model with a schema (the frontier spills encoded records)');
    this.spill = options.frontier === undefined ? undefined : new SpillArea(options.frontier);
    this.current = this.newLevel();
    this.next = this.current;
  }

  run(): ExploreResult<A> {
    this.initialWorlds();
    while (this.stoppedBy === undefined && this.current.length > 0) {
      if (this.level >= this.maxDepth) {
        this.stoppedBy = 'max-depth';
        break;
      }
      this.expandLevel();
    }
    return this.finish();
  }

  private newLevel(): Level<S> {
    const codec = this.fp.codec;
    return codec === undefined ? new ObjectLevel<S>() : new EncodedLevel<S>(codec.decode, this.fp.scratch, this.spill);
  }

  /** Lets go of the levels and removes the spilled segments, however the search ended. */
  dispose(): void {
    this.current.dispose();
    this.next.dispose();
    this.spill?.close();
  }

  /**
   * False when world `s` of the level being expanded is outside this run's shard: it was stored
   * and queued like any other (store indices follow the queue), and is not expanded.
   */
  private outsideShard(s: S): boolean {
    const sh = this.options.shard;
    if (sh === undefined || this.level !== sh.depth) return false;
    this.fp.of(s);
    return shardOf(this.fp.h[0]!, this.fp.h[1]!, sh.count) !== sh.index;
  }

  /** Step 1: the initial worlds, deduplicated, their invariants checked. */
  private initialWorlds(): void {
    const init = this.model.init();
    this.initCount = init.length;
    const none = new Uint32Array(this.sleep?.words ?? 0);
    this.stoppedBy = storeInitialWorlds(init, this.fp, this.store, this.book, this.maxStates, (w) => {
      this.curSleep?.add(this.fp.h[0]!, this.fp.h[1]!, none);
      this.current.push(w);
    });
  }


  /** Step 2: every world of the current level, in order; the next level becomes current. */
  private expandLevel(): void {
    // the level at the depth bound is not expanded: its worlds are counted, and need no sleep sets
    const last = this.level + 1 >= this.maxDepth;
    this.next = last ? new CountedLevel<S>() : this.newLevel();
    this.nextSleep = this.sleep !== undefined && !last ? new SleepLevel(this.sleep.words) : undefined;
    const levelSize = this.current.length;
    for (let k = 0; k < levelSize; k++) {
      this.expandWorld(this.current.pop(), this.levelBase + k, k);
      if (this.stoppedBy !== undefined) return;
      // The clock is read every clockEvery transitions, and every 256 worlds (worlds without actions).
      if (this.c.transitions >= this.nextClock || (k & 255) === 255) this.lookAtClock();
      if (this.stoppedBy !== undefined) return;
    }
    this.levelBase += levelSize;
    this.level++;
    this.current = this.next;
    this.curSleep = this.nextSleep;
    this.curSleep?.seal();
  }

  /** Step 3: the actions of world `s` (store index `parent`), each transition taken in order. */
  private expandWorld(s: S, parent: number, k: number): void {
    const out = this.out;
    out.length = 0;
    this.action = undefined;
    if (this.outsideShard(s)) return;
    // a level of objects has no records (no schema: neither peek nor keyFrom reads them)
    this.parentWords = this.current.lastWords ?? this.parentWords;
    this.parentOff = this.current.lastOff ?? 0;
    this.model.actions(s, out);
    const sleep = this.sleep;
    if (sleep === undefined) {
      for (let ai = 0; ai < out.length; ai++) {
        if (this.takeTransition(s, out[ai]!, ai, parent, -1)) return;
      }
      return;
    }
    // sleep sets: an action asleep here is listed (coverage counts it enabled) but not taken
    const z = this.curSleep!.masks;
    const off = k * sleep.words;
    sleep.begin(z, off, out);
    for (let ai = 0; ai < out.length; ai++) {
      const a = out[ai]!;
      const id = sleep.ids[ai]!;
      if (sleep.asleep(z, off, id)) {
        this.c.enabled[this.model.kindOf(a)]!++;
        this.c.asleep!++;
        continue;
      }
      if (this.takeTransition(s, a, ai, parent, id)) return;
      sleep.listed(id);
    }
  }

  /** Step 4: one transition; true when the search must stop. */
  private takeTransition(s: S, a: A, ai: number, parent: number, id: number): boolean {
    const { model, book, c, store } = this;
    this.action = a;
    const kind = model.kindOf(a);
    c.enabled[kind]!++;
    c.transitions++;
    // with Model.peek the successor is a transient of the model's, built only if new (step.ts)
    const step = this.step;
    let s2 = step.take(s, a, this.parentWords, this.parentOff);
    const steps = book.steps; // report() may replace the list: finish this transition with the old one
    let reported = false;
    for (let q = 0; q < steps.length; q++) {
      const p = steps[q]!;
      const v = p.check(s, a, s2 ?? s);
      if (v === undefined) continue;
      reported = true;
      if (book.report(p, parent, ai)) return this.stop('violation');
    }
    if (s2 === undefined) return false; // a self-loop: nothing new
    const h = this.fp.h;
    // a report replayed steps through the model: a transient is gone, take the step again
    if (reported && step.peeks) s2 = step.take(s, a, this.parentWords, this.parentOff)!;
    // keyed on the model's representative (Model.canonical); the level queues the concrete world
    step.key(s2, s, this.parentWords, this.parentOff);
    if (store.size >= this.maxStates && !store.has(h[0]!, h[1]!)) return this.stop('max-states');
    const index = store.addIfNew(h[0]!, h[1]!, parent, ai);
    const sleep = this.sleep;
    const nextSleep = this.nextSleep;
    if (sleep !== undefined && nextSleep !== undefined) {
      // new: its sleep set; already in the next level: intersected; in an earlier level: ignored
      const mask = sleep.successor(a, id);
      if (index >= 0) nextSleep.add(h[0]!, h[1]!, mask);
      else nextSleep.meet(h[0]!, h[1]!, mask);
    }
    if (index < 0) return false;
    s2 = step.keep(s2); // new: built, before a report can disturb it
    this.fp.concrete(s2);
    c.newStates[kind]!++;
    const depth = this.level + 1;
    if (depth > c.depth) c.depth = depth;
    this.next.push(s2);
    if (book.checkInvariants(s2, index, s)) return this.stop('violation');
    return false;
  }

  private stop(reason: StopReason): true {
    this.stoppedBy = reason;
    return true;
  }

  /** Step 5: the time limit, the caller's stop hook, and a progress report about once a second. */
  private lookAtClock(): void {
    const now = performance.now();
    const gap = now - this.lastLook;
    this.lastLook = now;
    if (gap < 2 && this.clockEvery < CLOCK_EVERY) this.clockEvery *= 2;
    else if (gap > 10 && this.clockEvery > 1) this.clockEvery >>= 1;
    this.nextClock = this.c.transitions + this.clockEvery;
    if (now >= this.deadline) {
      this.stoppedBy = 'time-limit';
      return;
    }
    const asked = this.options.shouldStop?.();
    if (asked !== undefined) {
      this.stoppedBy = asked;
      return;
    }
    const onProgress = this.options.onProgress;
    if (onProgress !== undefined && now - this.lastProgress >= 1000) {
      this.lastProgress = now;
      const seconds = (now - this.start) / 1000;
      onProgress({
        generated: this.c.transitions,
        distinct: this.store.size,
        queue: this.current.length + (this.next === this.current ? 0 : this.next.length),
        depth: this.c.depth,
        seconds,
        statesPerSecond: seconds > 0 ? this.c.transitions / seconds : 0,
        violations: this.book.countsByProperty(),
      });
    }
  }

  /** Step 6: statistics, coverage, warnings. */
  private finish(): ExploreResult<A> {
    const stoppedBy = this.stoppedBy ?? 'exhausted';
    const seconds = (performance.now() - this.start) / 1000;
    const queueLeft = this.next === this.current ? this.current.length : this.current.length + this.next.length;
    return buildResult(this.model.actionKinds, this.c, this.store, this.initCount, seconds, queueLeft, stoppedBy, this.book.violations);
  }
}
