// Stopping a search cleanly: on SIGINT/SIGTERM/SIGHUP, or when the process's resident memory passes
// --max-memory. The search is synchronous, so the main thread's `process.on(signal)` handlers only
// run once it is over; a small worker thread therefore also listens (its own event loop runs while
// the main thread searches) and sets a shared flag that the explorer's `shouldStop` hook reads
// (explorer/explore-api.ts). The store lives outside the V8 heap, so only RSS bounds it.
import { totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ExploreOptions, ExploreResult, ExternalStop } from '../explorer/explore-api.js';
import type { Model } from '../explorer/model.js';

export const STOP_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];
const SIGNAL_NUMBERS: Readonly<Record<StopSignal, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** The shell's convention: 128 + the signal number (129, 130, 143). */
export function signalExitCode(s: StopSignal): number {
  return 128 + SIGNAL_NUMBERS[s];
}

/** The default --max-memory: three quarters of physical memory (or of the cgroup's limit, if lower). */
export function defaultMaxMemory(): number {
  // process.constrainedMemory: the cgroup's limit (Node >= 19.6); 0 or a huge number when none
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const physical = totalmem();
  const cap = limit !== undefined && limit > 0 && limit < physical ? limit : physical;
  return Math.floor(cap * 0.75);
}

export interface StopWatch {
  /** Why the search must stop now, if it must (the explorer's shouldStop hook). */
  readonly shouldStop: () => ExternalStop | undefined;
  /** The first stop signal received, if any. */
  signal(): StopSignal | undefined;
  /** Whether memory stopped a search. */
  memoryHit(): boolean;
  /** Stops listening (signals then have their default effect again). */
  dispose(): Promise<void>;
}

// The worker: libuv's signal handles are per event loop, and a worker's loop runs while the main
// thread is busy. process.binding('signal_wrap') is the only way to reach them from a worker.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
process.noDeprecation = true;
try {
  const { Signal } = process.binding('signal_wrap');
  for (const n of workerData.signals) {
    const s = new Signal();
    s.onsignal = (sig) => { Atomics.compareExchange(flag, 0, 0, sig); };
    s.start(n);
  }
  parentPort.postMessage('ready');
} catch (e) {
  parentPort.postMessage('unavailable');
}
`;

/**
 * Starts watching. `maxMemory` in bytes (Infinity: no bound). Signals are watched only when
 * `signals` is true (the CLI), so that library users keep their own handlers.
 */
/** How often, at most, the resident size is read (the memory bound is checked). */
const RSS_EVERY_MS = 100;

export async function startStopWatch(maxMemory: number, signals = true): Promise<StopWatch> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let memory = false;
  let nextRss = -Infinity;
  const handlers: [StopSignal, () => void][] = [];
  let worker: Worker | undefined;
  if (signals) {
    for (const s of STOP_SIGNALS) {
      const h = (): void => void Atomics.compareExchange(flag, 0, 0, SIGNAL_NUMBERS[s]);
      process.on(s, h);
      handlers.push([s, h]);
    }
    try {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { flag: flag.buffer, signals: STOP_SIGNALS.map((s) => SIGNAL_NUMBERS[s]) } });
      worker = w;
      // Without the worker the main thread's handlers still stop between searches (matrix rows).
      await new Promise<void>((resolve) => {
        w.once('message', () => resolve());
        w.once('error', () => resolve());
        w.once('exit', () => resolve());
      });
      w.unref();
    } catch {
      worker = undefined;
    }
  }
  const signal = (): StopSignal | undefined => {
    const n = Atomics.load(flag, 0);
    return n === 0 ? undefined : STOP_SIGNALS.find((s) => SIGNAL_NUMBERS[s] === n);
  };
  return {
    shouldStop: () => {
      if (Atomics.load(flag, 0) !== 0) return 'signal';
      if (maxMemory !== Infinity) {
        if (memory) return 'memory';
        // the search asks every 2048 transitions (tens of ms); reading the resident size costs a read of
        // /proc (0.1-0.3 ms measured under load), so it is read at most every RSS_EVERY_MS
        const now = performance.now();
        if (now >= nextRss) {
          nextRss = now + RSS_EVERY_MS;
          if (process.memoryUsage.rss() > maxMemory) {
            memory = true;
            return 'memory';
          }
        }
      }
      return undefined;
    },
    signal,
    memoryHit: () => memory,
    dispose: async () => {
      for (const [s, h] of handlers) process.off(s, h);
      if (worker !== undefined) await worker.terminate();
    },
  };
}

/** The engine's signature (as cli/check.ts and spec/vdpa/compare.ts take it). */
export type ExploreFn = <S, A>(model: Model<S, A>, options: ExploreOptions) => ExploreResult<A>;

/** The explore function with the watch's hook added to every search it runs. */
export function watched(explore: ExploreFn, w: StopWatch | undefined): ExploreFn {
  if (w === undefined) return explore;
  return (model, options) => explore(model, { ...options, shouldStop: w.shouldStop });
}
