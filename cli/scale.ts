// `check` with the deep-search options (cli/scale-options.ts): the chunked BFS on worker threads,
// checkpoints and resume, shards, or a swarm of random walks. The same CheckRun comes out as from
// the one-core search; the chunked one also stops cleanly on SIGINT, SIGTERM and SIGHUP (writing
// a checkpoint when asked for one) and the command then exits 128 + the signal's number.
import { resolve } from 'node:path';
import { exploreChunked, type ChunkedOptions } from '../explorer/chunked.js';
import type { ExploreResult } from '../explorer/explore-api.js';
import { buildResult, newCounters } from '../explorer/result.js';
import { swarm } from '../explorer/swarm.js';
import type { Config } from '../spec/config.js';
import type { CheckTarget } from '../systems/target.js';
import type { CheckRun, PreparedCheck } from './check.js';
import type { ScaleOptions } from './scale-options.js';

export interface ScaledRun {
  readonly run: CheckRun;
  /** Set when a signal stopped the search: the exit code (130, 143, 129). */
  readonly signalExit?: number;
  /** Where the search was saved, if it was. */
  readonly checkpoint?: string;
}

const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** What a worker thread builds: the model of the configuration (exported for explorer/worker.ts). */
export async function workerModel(config: Config): Promise<unknown> {
  const { buildTarget } = await import('../systems/registry.js');
  return (await buildTarget(config)).model;
}

export async function runScaledCheck(config: Config, target: CheckTarget, prepared: PreparedCheck, o: ScaleOptions): Promise<ScaledRun> {
  if (o.strategy === 'random') return { run: prepared.finish(runSwarm(target, prepared, o)) };
  let signal: keyof typeof SIGNALS | undefined;
  const handlers = Object.keys(SIGNALS).map((name) => {
    const h = (): void => {
      signal ??= name as keyof typeof SIGNALS;
    };
    process.on(name, h);
    return [name, h] as const;
  });
  const base = prepared.exploreOptions;
  const theirs = base.shouldStop;
  // A variant's path is resolved here, so that a worker (same cwd) and a resumed run agree.
  const workerConfig: Config = { ...config };
  const options: ChunkedOptions = {
    ...base,
    shouldStop: () => (signal !== undefined ? 'signal' : theirs?.()),
    workers: o.workers,
    ...(o.workers > 1 ? { source: { module: new URL(import.meta.url).href, export: 'workerModel', arg: workerConfig } } : {}),
    ...(o.checkpoint !== undefined ? { checkpoint: { file: resolve(o.checkpoint.file), everySeconds: o.checkpoint.everySeconds } } : {}),
    ...(o.resume !== undefined ? { resume: resolve(o.resume) } : {}),
    ...(o.shard !== undefined ? { shard: o.shard } : {}),
    identity: JSON.stringify(target.config),
  };
  try {
    const raw = await exploreChunked(target.model, options);
    const run = prepared.finish(raw);
    return {
      run,
      ...(signal !== undefined ? { signalExit: SIGNALS[signal] } : {}),
      ...(raw.checkpointWritten !== undefined ? { checkpoint: raw.checkpointWritten } : {}),
    };
  } finally {
    for (const [name, h] of handlers) process.off(name, h);
  }
}

/** Swarm: never complete; what it found, with the judge's keys computed as the BFS would. */
function runSwarm(target: CheckTarget, prepared: PreparedCheck, o: ScaleOptions): ExploreResult<unknown> {
  const e = prepared.exploreOptions;
  const model = target.model;
  const r = swarm(model, { seed: o.seed, walks: o.walks, maxDepth: target.config.bounds.maxDepth, ...(e.propertyIds !== undefined ? { propertyIds: e.propertyIds } : {}) });
  const violations = r.violations.map((v) => {
    const key = e.distinct?.key(v.propertyId, v.initIndex, v.actions);
    return { propertyId: v.propertyId, violation: v.violation, initIndex: v.initIndex, actions: v.actions, ...(key !== undefined ? { key } : {}) };
  });
  const c = newCounters(model.actionKinds.length);
  c.transitions = r.steps;
  c.depth = Math.max(0, ...r.violations.map((v) => v.walkLength));
  return buildResult(model.actionKinds, c, { size: 0, bytes: 0 }, 1, r.seconds, 0, 'walks', violations);
}
