// Who expands the chunks of a chunked search (chunked.ts): worker threads, each with its own copy
// of the model built from a ModelSource, or this thread (no source, or one worker). Chunks are
// handed out in submission order (FIFO), so each expander sees them in increasing order, which
// its "already sent" filter relies on (expand.ts).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Model } from './model.js';
import { Expander, failureOf, type ChunkViolation, type ExpandFailure, type ShardPick } from './expand.js';
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
}
export type WorkerReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'init-error'; readonly message: string }
  | { readonly kind: 'done'; readonly id: number; readonly stream: ArrayBuffer; readonly violations: readonly ChunkViolation[] }
  | ({ readonly kind: 'failure'; readonly id: number } & ExpandFailure);

export type ChunkOutcome =
  | { readonly ok: true; readonly stream: Int32Array; readonly violations: readonly ChunkViolation[] }
  | ({ readonly ok: false } & ExpandFailure);

export interface ChunkPool {
  /** Chunks worth keeping in flight. */
  readonly width: number;
  /** With `shard`: worlds of the chunk outside the shard are not expanded (listed with no actions). */
  submit(id: number, records: Int32Array, count: number, active: Uint8Array, shard?: ShardPick): void;
  /** The outcome of chunk `id` (each asked for once, in any order). */
  result(id: number): Promise<ChunkOutcome>;
  close(): Promise<void>;
}

/** Expands in this thread, yielding to the event loop before each chunk (so signals are seen). */
export function localPool<S, A>(model: Model<S, A>, propertyIds: readonly string[] | undefined, distinct: boolean): ChunkPool {
  const expander = new Expander(model, selectProperties(model, propertyIds), distinct);
  const waiting = new Map<number, { records: Int32Array; count: number; active: Uint8Array; shard: ShardPick | undefined }>();
  return {
    width: 1,
    submit: (id, records, count, active, shard) => void waiting.set(id, { records, count, active, shard }),
    result: async (id) => {
      await new Promise<void>((r) => setImmediate(r));
      const req = waiting.get(id)!;
      waiting.delete(id);
      try {
        const r = expander.expandChunk(req.records, req.count, req.active, req.shard);
        return { ok: true, stream: r.stream, violations: r.violations };
      } catch (e) {
        return { ok: false, ...failureOf(e) };
      }
    },
    close: async () => {},
  };
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

/** `n` worker threads; resolves once every one has built its model. */
export async function threadPool(n: number, init: WorkerInit): Promise<ChunkPool> {
  const workers: Worker[] = [];
  const free: Worker[] = [];
  const queue: ChunkRequest[] = [];
  const outcomes = new Map<number, ChunkOutcome>();
  const waiters = new Map<number, (o: ChunkOutcome) => void>();
  let broken: Error | undefined;
  const settle = (id: number, o: ChunkOutcome): void => {
    const w = waiters.get(id);
    if (w !== undefined) {
      waiters.delete(id);
      w(o);
    } else outcomes.set(id, o);
  };
  const pump = (): void => {
    while (free.length > 0 && queue.length > 0) {
      const w = free.shift()!;
      const req = queue.shift()!;
      w.postMessage(req, [req.records]);
    }
  };
  const ready = await Promise.allSettled(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const w = newWorker(init);
        workers.push(w);
        w.on('message', (m: WorkerReply) => {
          if (m.kind === 'ready') {
            free.push(w);
            resolve();
            pump();
          } else if (m.kind === 'init-error') reject(new Error(`worker: ${m.message}`));
          else {
            settle(m.id, m.kind === 'done' ? { ok: true, stream: new Int32Array(m.stream), violations: m.violations } : { ...m, ok: false });
            free.push(w);
            pump();
          }
        });
        w.on('error', (e) => {
          broken = e;
          reject(e);
          for (const [id, f] of waiters) {
            waiters.delete(id);
            f({ ok: false, message: `worker thread failed: ${e.message}`, k: 0, action: undefined });
          }
        });
      }),
    ),
  );
  const failed = ready.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    width: 2 * n,
    submit: (id, records, count, active, shard) => {
      const buf = records.buffer.byteLength === records.byteLength ? (records.buffer as ArrayBuffer) : (records.slice().buffer as ArrayBuffer);
      queue.push({ id, records: buf, count, active, shard });
      pump();
    },
    result: (id) => {
      const o = outcomes.get(id);
      if (o !== undefined) {
        outcomes.delete(id);
        return Promise.resolve(o);
      }
      if (broken !== undefined) return Promise.resolve({ ok: false, message: `worker thread failed: ${broken.message}`, k: 0, action: undefined });
      return new Promise((r) => waiters.set(id, r));
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
