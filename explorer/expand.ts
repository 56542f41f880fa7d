// The expensive half of a BFS step, for chunks of a level (chunked.ts): decode each world, list its
// actions, take each transition (model.next), check the step properties, fingerprint and encode
// the successor, check the invariants on it. What is cheap and must happen in order (the visited
// store, parent links, the frontier, reporting) is left to the thread that merges the chunks.
//
// A chunk's result is a stream of Int32 words, per parent world in order:
//   [number of actions], then per action: [tag], and when tag has SENT: [lo, hi, record words...],
//   and when it has VIOLATED: [n, then the numbers of the n properties that failed, in order]
// tag = action kind | SENT (the successor is new to this expander: the merger must look it up) |
// VIOLATED (a property failed on this transition or on its successor). Only the property's number
// crosses to the merger, not the Violation: the merger rebuilds the trace of each violation it
// reports and checks the property again at its end (properties.ts), which gives the Violation (at
// depth 9 of the vDPA model, 238k messages were structured-cloned across threads to be dropped).
// A successor this expander produced before is not sent: the merger has stored it already, since
// chunks are merged in the order they are handed out and each expander gets them in that order.
// Nor is one the merger's store holds already (read in the merger's thread, through a shared table
// in a worker's: store.ts): with several expanders, each sees only its own chunks, and most of what
// it would send is known. Which successors are sent thus depends on the schedule; what the merger
// makes of them does not, since it stores only successors it does not hold, and a known one is
// neither new nor checked again.
// With sleep sets (a chunk handed out with its worlds' sleep masks, sleep.ts): an action asleep is
// tagged ASLEEP and not taken; a taken one's successor carries its sleep mask after the record, and a
// successor not sent (sent before, or known) is still reported (ARRIVED: [lo, hi, mask]) for the
// merger to intersect: every arrival reaches the merger, whatever the schedule.
import type { Model, Property } from './model.js';
import { Fingerprinter, shardOf } from './fingerprint.js';
import { compileHashWords, newHashOut, type Hash64Out } from './hash.js';
import { FingerprintSet } from './store.js';
import { SleepRules, independenceOf } from './sleep.js';
import { Step } from './step.js';

export const SENT = 1 << 16;
export const VIOLATED = 1 << 17;
export const ASLEEP = 1 << 18;
export const ARRIVED = 1 << 19;
export const KIND_MASK = 0xffff;

/** Expand only the worlds whose fingerprint falls in shard `index` of `count`. */
export interface ShardPick {
  readonly index: number;
  readonly count: number;
}

export interface ChunkResult {
  readonly stream: Int32Array;
}

/** Thrown by `expandChunk` with where the model failed (the merger turns it into ModelStepError). */
export interface ExpandFailure {
  readonly message: string;
  readonly k: number;
  /** The label of the action being taken, if one was. */
  readonly action: string | undefined;
  /** The thrown error's name (a model's UsageError stays one across threads). */
  readonly name?: string;
  /** Thrown around the chunk (by Model.contain), not at a world of it: the step is the level's next. */
  readonly around?: true;
}

/** What a thrown error says about where the model failed (k 0 and no action when it was not expandChunk's own). */
export function failureOf(e: unknown): ExpandFailure {
  const f = (e as { failure?: ExpandFailure } | null)?.failure;
  if (f !== undefined) return f;
  return { message: e instanceof Error ? e.message : String(e), k: 0, action: undefined, around: true, ...(e instanceof Error ? { name: e.name } : {}) };
}

class Words {
  buf = new Int32Array(1 << 12);
  n = 0;
  ensure(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const b = new Int32Array(size);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
}

/**
 * What the merger's store holds, as far as an expander sees it: the store itself in the merger's
 * thread, a KnownFingerprints (store.ts) reading its shared table in a worker's. `has` may miss a
 * fingerprint the store holds (the expander then sends it), never claim one it does not.
 */
export interface Known {
  has(lo: number, hi: number): boolean;
}

/**
 * Fingerprints an expander that reads the merger's table keeps before it forgets them (a table of
 * ~0.6 MiB, which stays in a core's cache: every successor not in the store is looked up in it).
 * Forgetting only makes it send again a successor of a chunk not merged yet: the merger finds it
 * stored. Many chunks' worth (a chunk sends ~5k), so that it happens rarely: at depth 9 of the
 * vDPA model on 2 threads, 237k-246k successors were sent twice against 234k-235k with 2^18 (2 runs
 * each), and 2.26M with no such memory at all (the store alone).
 */
const SEEN_LIMIT = 1 << 16;

export class Expander<S, A> {
  private readonly fp: Fingerprinter<S>;
  private readonly step: Step<S, A>;
  private readonly words: number;
  /**
   * Fingerprints this expander has sent or found in `known` (a subset of the merger's store, once
   * the chunks in flight are merged). With the merger's table to read, only the recent ones matter
   * (those sent in chunks not merged yet, and successors met again soon: a hit here saves a probe of
   * the store): the set is emptied past SEEN_LIMIT (its table sized for that once), else each
   * expander would hold a copy of its share of the store.
   */
  private readonly seen: FingerprintSet;
  private readonly out: A[] = [];
  /** The numbers of the properties failed by the transition being taken. */
  private readonly failed: number[] = [];
  /** The stream being written (expand), kept from chunk to chunk. */
  private readonly stream = new Words();
  private readonly hashRecord: (words: Int32Array, out: Hash64Out) => void;
  private readonly h2: Hash64Out = newHashOut();
  /** Sleep sets, when the model declares independence (used for chunks handed out with masks). */
  private readonly sleep: SleepRules<A> | undefined;

  constructor(
    private readonly model: Model<S, A>,
    /** The selected properties, in the merger's PropertyBook order. */
    private readonly props: readonly Property<S, A>[],
    /** Collect mode with distinct keys: an invariant failing in the parent with the same message is not reported again. */
    private readonly distinct: boolean,
    /** How many sent fingerprints to keep when the merger's table is read (tests make it small). */
    private readonly seenLimit = SEEN_LIMIT,
  ) {
    if (model.schema === undefined) throw new Error('explore: worker threads and checkpoints need a model with a schema');
    this.fp = new Fingerprinter(model.schema, model.canonical);
    this.step = new Step(model, this.fp);
    this.seen = new FingerprintSet(seenLimit);
    this.words = this.fp.scratch.length;
    this.hashRecord = compileHashWords(this.words);
    const ind = independenceOf(model);
    this.sleep = ind === undefined ? undefined : new SleepRules(ind);
  }

  /**
   * Expands `count` encoded worlds from `records`. `active[p]` is 1 while property number p is still
   * checked. `known`: what the merger's store holds, which need not be sent. Throws an
   * ExpandFailure-carrying Error when the model throws.
   */
  expandChunk(records: Int32Array, count: number, active: Uint8Array, shard?: ShardPick, known?: Known, masks?: Uint32Array): ChunkResult {
    if (known !== undefined && this.seen.size >= this.seenLimit) this.seen.clear();
    const guard = this.model.contain;
    return guard === undefined ? this.expand(records, count, active, shard, known, masks) : guard(() => this.expand(records, count, active, shard, known, masks));
  }

  private expand(records: Int32Array, count: number, active: Uint8Array, shard: ShardPick | undefined, known: Known | undefined, masks: Uint32Array | undefined): ChunkResult {
    const { model, props, fp, words, seen, out, step } = this;
    // sleep sets: the chunk's masks, `mw` words per world (0: none)
    const sleep = masks === undefined ? undefined : this.sleep;
    if (masks !== undefined && sleep === undefined) throw new Error('explore: sleep masks for a model that declares no independence');
    const mw = sleep?.words ?? 0;
    const codec = fp.codec!;
    const h = fp.h;
    // the buffer is kept from chunk to chunk (grown once, not from 16 KiB each time: ArrayBuffers count
    // as external memory, which drives V8's full collections); the stream sent is a copy of its words
    const w = this.stream;
    w.n = 0;
    const failed = this.failed;
    let k = 0;
    let action: A | undefined;
    try {
      for (; k < count; k++) {
        if (shard !== undefined) {
          // the fingerprint is the hash of the encoding: the record itself
          this.hashRecord(records.subarray(k * words, (k + 1) * words), this.h2);
          if (shardOf(this.h2[0]!, this.h2[1]!, shard.count) !== shard.index) {
            w.ensure(1);
            w.buf[w.n++] = 0;
            continue;
          }
        }
        const s = codec.decode(records, k * words);
        out.length = 0;
        action = undefined;
        model.actions(s, out);
        const n = out.length;
        w.ensure(1 + n);
        w.buf[w.n++] = n;
        if (sleep !== undefined) sleep.begin(masks!, k * mw, out);
        for (let ai = 0; ai < n; ai++) {
          const a = out[ai]!;
          action = a;
          let tag = model.kindOf(a);
          const id = sleep === undefined ? -1 : sleep.ids[ai]!;
          if (sleep !== undefined && sleep.asleep(masks!, k * mw, id)) {
            w.ensure(1);
            w.buf[w.n++] = tag | ASLEEP;
            continue;
          }
          // with Model.peek a transient of the model's, never built here (step.ts): no report runs
          // here to disturb it (the merger reports), and the record sent is its encoding
          const s2 = step.take(s, a, records, k * words);
          failed.length = 0;
          for (let p = 0; p < props.length; p++) {
            const q = props[p]!;
            if (q.kind !== 'step' || active[p] === 0) continue;
            if (q.check(s, a, s2 ?? s) !== undefined) failed.push(p);
          }
          if (s2 !== undefined) {
            // keyed on the model's representative (Model.canonical); the record is the concrete world
            step.key(s2, s, records, k * words);
            // this expander's own memory first (a table in its core's cache), then the merger's store
            // (a probe of tens of MiB); one found there is remembered too, so as not to probe it again
            const lo = h[0]!;
            const hi = h[1]!;
            if (seen.addIfNew(lo, hi) && (known === undefined || !known.has(lo, hi))) {
              tag |= SENT;
              fp.concrete(s2);
              for (let p = 0; p < props.length; p++) {
                const q = props[p]!;
                if (q.kind !== 'invariant' || active[p] === 0) continue;
                const v = q.check(s2);
                if (v === undefined) continue;
                if (this.distinct && q.check(s)?.message === v.message) continue;
                failed.push(p);
              }
            }
          }
          if (failed.length > 0) tag |= VIOLATED;
          if (sleep !== undefined && s2 !== undefined && (tag & SENT) === 0) tag |= ARRIVED;
          if ((tag & (SENT | ARRIVED)) !== 0) {
            w.ensure(3 + words + mw);
            w.buf[w.n++] = tag;
            w.buf[w.n++] = h[0]!;
            w.buf[w.n++] = h[1]!;
            if ((tag & SENT) !== 0) {
              w.buf.set(fp.scratch, w.n);
              w.n += words;
            }
            if (sleep !== undefined) {
              w.buf.set(sleep.successor(a, id), w.n);
              w.n += mw;
            }
          } else {
            w.ensure(1);
            w.buf[w.n++] = tag;
          }
          if (failed.length > 0) {
            w.ensure(1 + failed.length);
            w.buf[w.n++] = failed.length;
            for (const p of failed) w.buf[w.n++] = p;
          }
          if (sleep !== undefined) sleep.listed(id);
        }
      }
    } catch (e) {
      let label: string | undefined;
      try {
        label = action === undefined ? undefined : model.label(action);
      } catch {
        label = undefined;
      }
      const failure: ExpandFailure = { message: e instanceof Error ? e.message : String(e), k, action: label, ...(e instanceof Error ? { name: e.name } : {}) };
      throw Object.assign(new Error(failure.message), { failure });
    }
    return { stream: w.buf.slice(0, w.n) };
  }
}
