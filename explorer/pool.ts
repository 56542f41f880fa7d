// Who expands the chunks of a chunked search (chunked.ts): this thread, and worker threads each
// with its own copy of the model built from a ModelSource. Chunks are handed out in submission
// order (FIFO), so each expander sees them in increasing order, which its "already sent" filter
// relies on (expand.ts).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Model } from './model.js';
import { Expander, failureOf, type ExpandFailure, type Known, type ShardPick } from './expand.js';
import type { SharedTable } from './store.js';
import { selectProperties } from './properties.js';

/** Where a worker thread gets the model: `(await import(module))[export](arg)`, a Model or a promise of one. */
export interface ModelSource {
  readonly module: string;
  readonly export: string;
  readonly arg?: unknown;
}

export interface WorkerInit {
  readonly source: ModelSource;
  readonly propertyIds: readonly string[] | undefined;
  readonly distinct: boolean;
}
export interface ChunkRequest {
  readonly shard: ShardPick | undefined;
  readonly id: number;
  readonly records: ArrayBuffer;
  readonly count: number;
  readonly active: Uint8Array;
  /** The merger's visited table when it was handed out (shared, not copied). */
  readonly store: SharedTable | undefined;
  /** Sleep sets: the chunk's worlds' masks (explorer/sleep.ts), when the search uses them. */
  readonly sleep?: Uint32Array;
}
export type WorkerReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'init-error'; readonly message: string }
  | { readonly kind: 'done'; readonly id: number; readonly stream: ArrayBuffer }
  | ({ readonly kind: 'failure'; readonly id: number } & ExpandFailure);

export type ChunkOutcome =
  | { readonly ok: true; readonly stream: Int32Array; readonly by?: number }
  | ({ readonly ok: false } & ExpandFailure);

export interface ChunkPool {
  /** Chunks worth keeping in flight. */
  readonly width: number;
  /** The expanders would read the merger's visited table (submit's `store`): there are several. */
  readonly readsStore: boolean;
  /** With `shard`: worlds of the chunk outside the shard are not expanded (listed with no actions). */
  submit(id: number, records: Int32Array, count: number, active: Uint8Array, shard?: ShardPick, store?: SharedTable, sleep?: Uint32Array): void;
  /** The outcome of chunk `id` (each asked for once, in any order). */
  result(id: number): Promise<ChunkOutcome>;
  close(): Promise<void>;
}

/**
 * Expands in this thread, yielding to the event loop before each chunk (so signals are seen).
 * `known`: the merger's store (a chunk is expanded once the chunks before it are merged).
 */
export function localPool<S, A>(model: Model<S, A>, propertyIds: readonly string[] | undefined, distinct: boolean, known: Known): ChunkPool {
  const expander = new Expander(model, selectProperties(model, propertyIds), distinct);
  const waiting = new Map<number, { records: Int32Array; count: number; active: Uint8Array; shard: ShardPick | undefined; sleep: Uint32Array | undefined }>();
  return {
    width: 1,
    readsStore: false,
    submit: (id, records, count, active, shard, _store, sleep) => void waiting.set(id, { records, count, active, shard, sleep }),
    result: async (id) => {
      await new Promise<void>((r) => setImmediate(r));
      const req = waiting.get(id)!;
      waiting.delete(id);
      return expandHere(expander, req.records, req.count, req.active, req.shard, known, req.sleep);
    },
    close: async () => {},
  };
}

function expandHere<S, A>(expander: Expander<S, A>, records: Int32Array, count: number, active: Uint8Array, shard: ShardPick | undefined, known?: Known, sleep?: Uint32Array): ChunkOutcome {
  try {
    const r = expander.expandChunk(records, count, active, shard, known, sleep);
    return { ok: true, stream: r.stream };
  } catch (e) {
    return { ok: false, ...failureOf(e) };
  }
}

/**
 * The worker entry next to this file: worker.js when built; from source (tests), worker.ts loaded
 * after registering tsx's loader inside the thread (`--import tsx` in a worker's execArgv is not
 * honoured by Node 20).
 */
function newWorker(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

/**
 * Chunks posted to a worker ahead of its current one, so that it does not wait while this thread
 * expands: this thread reads the workers' replies (and posts more) only between two chunks of its
 * own. At depth 9 of the vDPA model (2 runs each) a worker waited 9-11 % of its time with 2 and
 * 2.6 % with 4 (in flight 6 and 16 chunks), for 2.5 % more successors sent twice.
 */
const WORKER_DEPTH = 4;
/**
 * Chunks handed out before the worker threads are started: a search smaller than this runs here
 * alone. A worker costs about as much to start as a few such chunks cost to expand (it loads the
 * model and V8 compiles it again, ~2 CPU-s on the vDPA model), and the levels that follow are larger.
 */
const START_AT = 8;

/**
 * `threads` expanders: this thread and `threads - 1` worker threads. The chunks wait in one FIFO;
 * a worker is posted the front ones (up to WORKER_DEPTH ahead), and this thread, while the chunk it
 * must merge next is not done, expands the front one itself. Every expander thus gets chunks in
 * increasing order. The workers are started once START_AT chunks have been handed out (a small
 * search never starts them), and join as each has built its model; until then this thread expands.
 * `eager`: the workers are started at once and awaited (a test or a benchmark that must see them work).
 */
export async function sharedPool<S, A>(model: Model<S, A>, threads: number, init: WorkerInit, eager: boolean, known: Known): Promise<ChunkPool> {
  const local = new Expander(model, selectProperties(model, init.propertyIds), init.distinct);
  // a chunk this thread expanded says so (by: 0), as a worker's says which worker (1..); this
  // thread reads the merger's store itself (as it is now: more than the shared table handed out said)
  const expandLocal = (req: ChunkRequest): ChunkOutcome => {
    const o = expandHere(local, new Int32Array(req.records), req.count, req.active, req.shard, known, req.sleep);
    return o.ok ? { ...o, by: 0 } : o;
  };
  interface Slot {
    readonly w: Worker;
    ready: boolean;
    posted: number;
  }
  const slots: Slot[] = [];
  const queue: ChunkRequest[] = [];
  let submitted = 0;
  const outcomes = new Map<number, ChunkOutcome>();
  let wake: (() => void) | undefined;
  let broken: Error | undefined;
  const settle = (id: number, o: ChunkOutcome): void => {
    outcomes.set(id, o);
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (e: Error): void => {
    broken ??= e;
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Posts the front chunks to the ready workers, one each before any gets a second. */
  const pump = (): void => {
    for (let depth = 1; depth <= WORKER_DEPTH; depth++) {
      for (const slot of slots) {
        if (queue.length === 0) return;
        if (!slot.ready || slot.posted >= depth) continue;
        const req = queue.shift()!;
        slot.posted++;
        slot.w.postMessage(req, [req.records]);
      }
    }
  };
  /** Starts the workers; resolves when each is ready or has failed. */
  const start = (): Promise<unknown> => {
    const ready: Promise<void>[] = [];
    for (let i = 1; i < threads; i++) {
      const slot: Slot = { w: newWorker(init), ready: false, posted: 0 };
      slots.push(slot);
      ready.push(new Promise<void>((resolve) => {
        slot.w.on('message', (m: WorkerReply) => {
          if (m.kind === 'ready') {
            slot.ready = true;
            resolve();
          } else if (m.kind === 'init-error') {
            fail(new Error(`worker: ${m.message}`));
            resolve();
          } else {
            slot.posted--;
            settle(m.id, m.kind === 'done' ? { ok: true, stream: new Int32Array(m.stream), by: i } : { ...m, ok: false });
          }
          pump();
        });
        slot.w.on('error', (e) => {
          fail(e);
          resolve();
        });
      }));
    }
    return Promise.all(ready);
  };
  if (eager && threads > 1) {
    await start();
    if (broken !== undefined) {
      await Promise.all(slots.map((s) => s.w.terminate()));
      throw broken;
    }
  }
  return {
    // the workers' posted chunks, as many again for this thread to expand and for done chunks
    // waiting to be merged in order (each chunk further ahead sees an older table: more sent twice)
    width: 2 * WORKER_DEPTH * threads,
    readsStore: threads > 1,
    submit: (id, records, count, active, shard, store, sleep) => {
      const buf = records.buffer.byteLength === records.byteLength ? (records.buffer as ArrayBuffer) : (records.slice().buffer as ArrayBuffer);
      queue.push({ id, records: buf, count, active, shard, store, ...(sleep !== undefined ? { sleep } : {}) });
      if (slots.length === 0 && threads > 1 && ++submitted >= START_AT) void start();
      pump();
    },
    result: async (id) => {
      for (;;) {
        const o = outcomes.get(id);
        if (o !== undefined) {
          outcomes.delete(id);
          return o;
        }
        if (broken !== undefined) throw broken;
        const req = queue.shift();
        if (req !== undefined) {
          settle(req.id, expandLocal(req));
          // let the workers' replies in before looking again
          await new Promise<void>((r) => setImmediate(r));
        } else await new Promise<void>((r) => (wake = r));
      }
    },
    close: async () => {
      await Promise.all(slots.map((s) => s.w.terminate()));
    },
  };
}
