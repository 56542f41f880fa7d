// The BFS of bfs.ts with each level cut into chunks of worlds that worker threads expand
// (expand.ts) while this thread merges the results IN ORDER: store lookups, parent links, the
// next level, coverage and reporting happen exactly as the one-core search does them, so the
// distinct-state count, the statistics and every shortest trace are those of explore(), whatever
// the number of workers or the schedule. Between two merged chunks the search is in a consistent
// state; that is where it reads the clock, asks shouldStop, reports progress and writes checkpoints
// (checkpoint.ts), and where a resumed search starts again. With sleep sets (options.partialOrder,
// sleep.ts) each chunk goes out with its worlds' sleep masks, and the merger keeps the next level's.
import { createHash } from 'node:crypto';
import type { Model } from './model.js';
import { ModelStepError, type ExploreOptions, type ExploreResult, type StopReason } from './explore-api.js';
import { VisitedStore } from './store.js';
import { RecordQueue } from './frontier.js';
import { SpillArea } from './spill.js';
import { Fingerprinter } from './fingerprint.js';
import { PropertyBook } from './properties.js';
import { storeInitialWorlds } from './initial.js';
import { buildResult, newCounters, type Counters } from './result.js';
import { ARRIVED, ASLEEP, KIND_MASK, SENT, VIOLATED, type Known } from './expand.js';
import { SleepLevel, independenceOf } from './sleep.js';
import { localPool, sharedPool, type ChunkOutcome, type ChunkPool, type ModelSource } from './pool.js';
import { readCheckpoint, writeCheckpoint, type CheckpointHeader } from './checkpoint.js';

export type { ModelSource } from './pool.js';

export interface ChunkedOptions extends ExploreOptions {
  /** Threads expanding chunks: this one and `workers - 1` worker threads (they need `source`; default 1). */
  readonly workers?: number;
  readonly source?: ModelSource;
  /** Start the worker threads before the search and wait for them (default: when a level first needs them). */
  readonly eagerWorkers?: boolean;
  /** Told who expanded each chunk: 0 this thread, 1.. a worker thread (what the workers did, for tests and benchmarks). */
  readonly onChunk?: (thread: number, worlds: number) => void;
  /** Worlds per chunk (default 512). Results do not depend on it. */
  readonly chunkSize?: number;
  /** Save the search to `file` every `everySeconds` and when it stops early at a chunk boundary. */
  readonly checkpoint?: { readonly file: string; readonly everySeconds: number };
  /** Continue the search a checkpoint saved (same model, depth, properties and shard). */
  readonly resume?: string;
  /** The caller's description of what is searched (a configuration): saved, and checked on resume. */
  readonly identity?: string;
}

export interface ChunkedResult<A> extends ExploreResult<A> {
  /** Where the last checkpoint was written, if one was. */
  readonly checkpointWritten?: string;
}

/** Chunks merged between two looks at the clock are few; the clock is cheap at this rate. */
const DEFAULT_CHUNK = 512;

export async function exploreChunked<S, A>(model: Model<S, A>, options: ChunkedOptions): Promise<ChunkedResult<A>> {
  const search = new ChunkedSearch(model, options);
  const threads = options.workers ?? 1;
  const known = search.known();
  const pool = options.source !== undefined && threads > 1
    ? await sharedPool(model, threads, { source: options.source, propertyIds: options.propertyIds, distinct: search.distinct }, options.eagerWorkers === true, known)
    : localPool(model, options.propertyIds, search.distinct, known);
  try {
    return await search.run(pool);
  } finally {
    search.dispose();
    await pool.close();
  }
}

class ChunkedSearch<S, A> {
  private readonly start = performance.now();
  private secondsBefore = 0;
  private readonly maxDepth: number;
  private readonly maxStates: number;
  private readonly deadline: number;
  private readonly fp: Fingerprinter<S>;
  private readonly words: number;
  private store = new VisitedStore();
  private book: PropertyBook<S, A>;
  private c: Counters;
  private stoppedBy: StopReason | undefined;
  private level = 0;
  private levelBase = 0;
  /** Worlds of the current level merged so far. */
  private done = 0;
  private current: RecordQueue;
  private next: RecordQueue;
  private initCount = 0;
  /** Worlds of the current level handed out but not expanded when the search stopped in a chunk. */
  private leftInLevel = 0;
  private lastProgress: number;
  private lastCheckpoint: number;
  private checkpointWritten: string | undefined;
  /** Where the levels spill past their memory budget (options.frontier). */
  private readonly spill: SpillArea | undefined;
  readonly distinct: boolean;
  /** Sleep sets: words per mask (0: not used), and the masks of the current and next levels. */
  private readonly sleepWords: number;
  private curSleep: SleepLevel;
  private nextSleep: SleepLevel;

  constructor(
    private readonly model: Model<S, A>,
    private readonly options: ChunkedOptions,
  ) {
    if (model.schema === undefined) throw new Error('explore: worker threads and checkpoints need a model with a schema');
    this.maxDepth = options.maxDepth ?? Infinity;
    this.maxStates = options.maxStates ?? Infinity;
    this.deadline = options.timeLimitSeconds === undefined ? Infinity : this.start + options.timeLimitSeconds * 1000;
    this.lastProgress = this.start;
    this.lastCheckpoint = this.start;
    this.fp = new Fingerprinter(model.schema, model.canonical);
    this.words = this.fp.scratch.length;
    this.book = new PropertyBook(model, this.store, options);
    this.distinct = this.book.distinctBy !== undefined;
    const ind = options.partialOrder === 'sleep' ? independenceOf(model) : undefined;
    this.sleepWords = ind === undefined ? 0 : Math.max(1, (ind.actionIdCount + 31) >>> 5);
    this.curSleep = new SleepLevel(this.sleepWords);
    this.nextSleep = new SleepLevel(this.sleepWords);
    this.c = newCounters(model.actionKinds.length, ind !== undefined);
    this.spill = options.frontier === undefined ? undefined : new SpillArea(options.frontier);
    this.current = new RecordQueue(this.words, this.spill);
    this.next = this.nextQueue();
  }

  /**
   * The queue of the level after the current one. The level at the depth bound is not expanded: its
   * worlds are counted, not kept (nor their sleep sets), unless a checkpoint may have to save them.
   */
  private nextQueue(): RecordQueue {
    const last = this.level + 1 >= this.maxDepth && this.options.checkpoint === undefined;
    return new RecordQueue(this.words, this.spill, last);
  }

  /** The store as this thread's expander reads it (a resumed search replaces the store). */
  known(): Known {
    return { has: (lo, hi) => this.store.has(lo, hi) };
  }

  /** Lets go of the levels and removes the spilled segments, however the search ended. */
  dispose(): void {
    this.current.dispose();
    this.next.dispose();
    this.spill?.close();
  }

  /** What a checkpoint must match to be resumed by this search. */
  private identity(): string {
    const o = this.options;
    const what = {
      caller: o.identity ?? '',
      maxDepth: o.maxDepth ?? null,
      properties: this.book.all.map((p) => p.id),
      stopAtFirst: this.book.stopAtFirst,
      distinct: this.distinct ? (o.distinct?.perProperty ?? null) : false,
      shard: o.shard ?? null,
      words: this.words,
      reduced: this.model.canonical !== undefined,
      sleepWords: this.sleepWords,
      kinds: this.model.actionKinds,
      schema: createHash('sha256').update(JSON.stringify(this.model.schema)).digest('hex'),
    };
    return JSON.stringify(what);
  }

  async run(pool: ChunkPool): Promise<ChunkedResult<A>> {
    if (this.options.resume !== undefined) this.resume(this.options.resume);
    else this.initialWorlds();
    while (this.stoppedBy === undefined && this.current.length > 0) {
      if (this.level >= this.maxDepth) {
        this.stoppedBy = 'max-depth';
        break;
      }
      await this.expandLevel(pool);
    }
    return this.finish();
  }

  /** Step 1, as in bfs.ts. */
  private initialWorlds(): void {
    const init = this.model.init();
    this.initCount = init.length;
    // a world the schema cannot encode is the model's error; the level keeps the encoded words
    const none = new Uint32Array(this.sleepWords);
    const keep = (): void => {
      if (this.sleepWords > 0) this.curSleep.add(this.fp.h[0]!, this.fp.h[1]!, none);
      this.current.push(this.fp.scratch);
    };
    this.stoppedBy = storeInitialWorlds(init, this.fp, this.store, this.book, this.maxStates, keep, (w) => {
      try {
        this.fp.key(w);
      } catch (e) {
        throw new ModelStepError(e, 0, undefined);
      }
    });
  }


  /** Step 2: hands the level out in chunks, merging the results in order. */
  private async expandLevel(pool: ChunkPool): Promise<void> {
    const size = this.options.chunkSize ?? DEFAULT_CHUNK;
    const active = new Uint8Array(this.book.all.length);
    /** Chunks handed out and not merged: their first world's position in the level, and a copy (for a checkpoint). */
    const inFlight: { id: number; first: number; records: Int32Array; count: number }[] = [];
    let nextId = 0;
    let handed = this.done;
    const sh = this.options.shard;
    const shard = sh !== undefined && sh.depth === this.level ? { index: sh.index, count: sh.count } : undefined;
    const handOut = (): void => {
      while (inFlight.length < pool.width && this.current.length > 0) {
        for (let p = 0; p < active.length; p++) active[p] = this.book.isActive(p) ? 1 : 0;
        const { records, count } = this.current.take(size);
        const id = nextId++;
        inFlight.push({ id, first: handed, records: this.options.checkpoint !== undefined ? records.slice() : records, count });
        const sw = this.sleepWords;
        const masks = sw > 0 ? this.curSleep.masks.slice(handed * sw, (handed + count) * sw) : undefined;
        pool.submit(id, records, count, active.slice(), shard, pool.readsStore ? this.store.share() : undefined, masks);
        handed += count;
      }
    };
    handOut();
    while (inFlight.length > 0) {
      const chunk = inFlight[0]!;
      const outcome = await pool.result(chunk.id);
      if (outcome.ok) this.options.onChunk?.(outcome.by ?? 0, chunk.count);
      const stoppedAt = this.merge(chunk.first, chunk.count, outcome);
      inFlight.shift();
      if (this.stoppedBy !== undefined) {
        // as bfs.ts counts them: the worlds of this level after the one being expanded
        this.leftInLevel = chunk.count - stoppedAt - 1 + inFlight.reduce((n, f) => n + f.count, 0);
        for (const f of inFlight) await pool.result(f.id); // drain: the workers stay in step
        return;
      }
      this.done = chunk.first + chunk.count;
      this.lookAtClock(inFlight);
      if (this.stoppedBy !== undefined) {
        this.leftInLevel = inFlight.reduce((n, f) => n + f.count, 0);
        for (const f of inFlight) await pool.result(f.id); // drain: the workers stay in step
        return;
      }
      handOut();
    }
    this.nextLevel();
  }

  /** Steps 3-4 of bfs.ts for one chunk, from what the expander computed; returns the world it stopped at (or count). */
  private merge(first: number, count: number, outcome: ChunkOutcome): number {
    if (!outcome.ok) {
      const depth = outcome.action === undefined && outcome.around !== true ? this.level : this.level + 1;
      // the model's error as it was thrown (by name: a UsageError of user code stays one across threads)
      const cause = Object.assign(new Error(outcome.message), outcome.name !== undefined ? { name: outcome.name } : {});
      throw new ModelStepError(cause, depth, outcome.action);
    }
    const { stream } = outcome;
    const { book, c, store } = this;
    const words = this.words;
    const sw = this.sleepWords;
    const sleep = sw > 0 && !this.next.countOnly;
    const depth = this.level + 1;
    let pos = 0;
    for (let k = 0; k < count; k++) {
      const parent = this.levelBase + first + k;
      const n = stream[pos++]!;
      for (let ai = 0; ai < n; ai++) {
        const tag = stream[pos++]!;
        const kind = tag & KIND_MASK;
        c.enabled[kind]!++;
        if ((tag & ASLEEP) !== 0) {
          c.asleep!++;
          continue;
        }
        c.transitions++;
        // the successor's words, then the numbers of the properties that failed (expand.ts)
        const moved = (tag & (SENT | ARRIVED)) === 0 ? 0 : 2 + ((tag & SENT) !== 0 ? words : 0) + sw;
        const failedAt = pos + moved + 1;
        const failed = (tag & VIOLATED) === 0 ? 0 : stream[pos + moved]!;
        const after = failed === 0 ? pos + moved : failedAt + failed;
        if (failed > 0) {
          const steps = book.steps; // report() may replace the list: finish this transition with the old one
          for (let i = 0; i < failed; i++) {
            const p = book.all[stream[failedAt + i]!]!;
            if (p.kind === 'step' && steps.includes(p) && book.report(p, parent, ai)) return this.stop('violation', k);
          }
        }
        if ((tag & SENT) === 0) {
          // a self-loop, or a world this expander sent before; ARRIVED: that world, stored already,
          // whose sleep set meets this arrival's
          if ((tag & ARRIVED) !== 0 && sleep) this.nextSleep.meet(stream[pos]!, stream[pos + 1]!, stream, pos + 2);
          pos = after;
          continue;
        }
        const lo = stream[pos]!;
        const hi = stream[pos + 1]!;
        const rec = pos + 2;
        const mask = rec + words;
        pos = after;
        if (store.size >= this.maxStates && !store.has(lo, hi)) return this.stop('max-states', k);
        const index = store.addIfNew(lo, hi, parent, ai);
        if (sleep) {
          if (index >= 0) this.nextSleep.add(lo, hi, stream, mask);
          else this.nextSleep.meet(lo, hi, stream, mask);
        }
        if (index < 0) continue;
        c.newStates[kind]!++;
        if (depth > c.depth) c.depth = depth;
        this.next.pushFrom(stream, rec);
        const invs = book.invariants;
        for (let i = 0; i < failed; i++) {
          const p = book.all[stream[failedAt + i]!]!;
          if (p.kind === 'invariant' && invs.includes(p) && book.report(p, index)) return this.stop('violation', k);
        }
      }
    }
    return count;
  }

  private stop(reason: StopReason, k: number): number {
    this.stoppedBy = reason;
    return k;
  }

  /** Step 5 at a chunk boundary: time limit, shouldStop, progress, checkpoint. */
  private lookAtClock(inFlight: readonly { records: Int32Array }[]): void {
    const now = performance.now();
    if (now >= this.deadline) this.stoppedBy = 'time-limit';
    else {
      const asked = this.options.shouldStop?.();
      if (asked !== undefined) this.stoppedBy = asked;
    }
    const cp = this.options.checkpoint;
    if (cp !== undefined && (this.stoppedBy !== undefined || now - this.lastCheckpoint >= cp.everySeconds * 1000)) {
      this.lastCheckpoint = now;
      this.saveCheckpoint(cp.file, inFlight);
    }
    const onProgress = this.options.onProgress;
    if (onProgress !== undefined && now - this.lastProgress >= 1000) {
      this.lastProgress = now;
      const seconds = this.secondsBefore + (now - this.start) / 1000;
      onProgress({
        generated: this.c.transitions,
        distinct: this.store.size,
        queue: this.current.length + this.next.length,
        depth: this.c.depth,
        seconds,
        statesPerSecond: seconds > 0 ? this.c.transitions / seconds : 0,
        violations: this.book.countsByProperty(),
      });
    }
  }

  private saveCheckpoint(file: string, inFlight: readonly { records: Int32Array }[]): void {
    const d = this.store.dump();
    const rest = this.current.unread();
    const pending = inFlight.reduce((n, f) => n + f.records.length, 0);
    const current = new Int32Array(pending + rest.length);
    let o = 0;
    for (const f of inFlight) {
      current.set(f.records, o);
      o += f.records.length;
    }
    current.set(rest, o);
    const header: CheckpointHeader = {
      format: 'VDPAMCK2',
      identity: this.identity(),
      level: this.level,
      levelBase: this.levelBase,
      done: this.done,
      initCount: this.initCount,
      transitions: this.c.transitions,
      depth: this.c.depth,
      enabled: [...this.c.enabled],
      newStates: [...this.c.newStates],
      ...(this.c.asleep !== undefined ? { asleep: this.c.asleep } : {}),
      found: this.book.byIndex,
      store: { slots: d.slots, count: d.count, actionMax: d.actionMax },
      secondsBefore: this.secondsBefore + (performance.now() - this.start) / 1000,
    };
    // the in-flight and unread worlds are the level's from position `done` on, in order
    const currentSleep = this.sleepWords > 0 ? this.curSleep.from(this.done) : new Uint32Array(0);
    const nextSleep = this.sleepWords > 0 ? this.nextSleep.from(0) : new Uint32Array(0);
    writeCheckpoint(file, { header, table: d.table, parents: d.parents, actions: d.actions, current, next: this.next.unread(), currentSleep, nextSleep });
    this.checkpointWritten = file;
  }

  private resume(file: string): void {
    const d = readCheckpoint(file);
    const h = d.header;
    if (h.identity !== this.identity()) throw new Error(`checkpoint ${file} was saved by another search (configuration, depth, properties or shard differ)`);
    this.store = VisitedStore.load({ ...h.store, table: d.table, parents: d.parents, actions: d.actions });
    this.book = new PropertyBook(this.model, this.store, this.options);
    this.book.restore(h.found);
    this.c = { transitions: h.transitions, depth: h.depth, enabled: Float64Array.from(h.enabled), newStates: Float64Array.from(h.newStates), ...(h.asleep !== undefined ? { asleep: h.asleep } : {}) };
    this.level = h.level;
    this.levelBase = h.levelBase;
    this.done = h.done;
    this.initCount = h.initCount;
    this.secondsBefore = h.secondsBefore;
    this.next = this.nextQueue(); // at this checkpoint's level
    const w = this.words;
    for (let i = 0; w > 0 && i * w < d.current.length; i++) this.current.push(d.current.subarray(i * w, (i + 1) * w));
    for (let i = 0; w > 0 && i * w < d.next.length; i++) this.next.push(d.next.subarray(i * w, (i + 1) * w));
    this.resumeSleep(d.currentSleep, d.nextSleep, d.next);
    if (this.current.length === 0) this.nextLevel(); // saved after the last chunk of a level
  }

  /**
   * The sleep masks of a checkpoint: the current level's from position `done` on; the next level's
   * with each world's store key again (re-fingerprinted from its record), for the arrivals to come.
   */
  private resumeSleep(current: Uint32Array, next: Uint32Array, records: Int32Array): void {
    const sw = this.sleepWords;
    if (sw === 0) return;
    const masks = new Uint32Array(this.done * sw + current.length);
    masks.set(current, this.done * sw);
    this.curSleep.load(masks);
    const w = this.words;
    const codec = this.fp.codec!;
    for (let i = 0; !this.next.countOnly && i * sw < next.length; i++) {
      this.fp.key(codec.decode(records, i * w));
      this.nextSleep.add(this.fp.h[0]!, this.fp.h[1]!, next, i * sw);
    }
  }

  private nextLevel(): void {
    this.levelBase += this.done;
    this.done = 0;
    this.level++;
    this.current.dispose();
    this.current = this.next;
    this.next = this.nextQueue();
    this.curSleep = this.nextSleep;
    this.curSleep.seal();
    this.nextSleep = new SleepLevel(this.sleepWords);
  }

  /** Step 6. */
  private finish(): ChunkedResult<A> {
    const stoppedBy = this.stoppedBy ?? 'exhausted';
    const seconds = this.secondsBefore + (performance.now() - this.start) / 1000;
    const r = buildResult(this.model.actionKinds, this.c, this.store, this.initCount, seconds, this.leftInLevel + this.current.length + this.next.length, stoppedBy, this.book.violations);
    return this.checkpointWritten !== undefined ? { ...r, checkpointWritten: this.checkpointWritten } : r;
  }
}
