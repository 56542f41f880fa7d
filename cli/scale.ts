// `check` with the deep-search options (cli/scale-options.ts): the chunked BFS on worker threads,
// checkpoints and resume, shards, or a swarm of random walks. The same CheckRun comes out as from
// the one-core search. Stopping is the caller's StopWatch (cli/signals.ts), as for the one-core
// search: a signal or --max-memory stops at the next chunk boundary (writing a checkpoint when
// asked for one), and the command's exit code is computed once, in cli.ts. A variant's code runs
// contained on every thread (Model.contain, systems/variant-module.ts).
import { resolve } from 'node:path';
import { exploreChunked, type ChunkedOptions } from '../explorer/chunked.js';
import type { ExploreResult } from '../explorer/explore-api.js';
import type { Model } from '../explorer/model.js';
import { buildResult, newCounters } from '../explorer/result.js';
import { swarm } from '../explorer/swarm.js';
import type { Config } from '../spec/config.js';
import type { CheckTarget } from '../systems/target.js';
import { containedModel, runWithVariant, variantLabel } from '../systems/variant-module.js';
import type { CheckRun, PreparedCheck } from './check.js';
import type { ScaleOptions } from './scale-options.js';
import type { StopWatch } from './signals.js';

export interface ScaledRun {
  readonly run: CheckRun;
  /** Where the search was saved, if it was. */
  readonly checkpoint?: string;
}

/** The target's model, contained when it runs variant code. */
function searchedModel(target: CheckTarget): Model<unknown, unknown> {
  const v = target.variant;
  return v === undefined ? target.model : containedModel(target.model, variantLabel(v), target.config.bounds.timeLimit);
}

/** What a worker thread builds: the model of the configuration (exported for explorer/worker.ts). */
export async function workerModel(config: Config): Promise<unknown> {
  const { buildTarget } = await import('../systems/registry.js');
  return searchedModel(await buildTarget(config));
}

export async function runScaledCheck(config: Config, target: CheckTarget, prepared: PreparedCheck, o: ScaleOptions, watch?: StopWatch): Promise<ScaledRun> {
  if (o.strategy === 'random') return { run: prepared.finish(runSwarm(target, prepared, o, watch)) };
  const base = prepared.exploreOptions;
  // A variant's path is resolved here, so that a worker (same cwd) and a resumed run agree.
  const workerConfig: Config = { ...config };
  const options: ChunkedOptions = {
    ...base,
    ...(watch !== undefined ? { shouldStop: watch.shouldStop } : {}),
    workers: o.workers,
    ...(o.workers > 1 ? { source: { module: new URL(import.meta.url).href, export: 'workerModel', arg: workerConfig } } : {}),
    ...(o.checkpoint !== undefined ? { checkpoint: { file: resolve(o.checkpoint.file), everySeconds: o.checkpoint.everySeconds } } : {}),
    ...(o.resume !== undefined ? { resume: resolve(o.resume) } : {}),
    ...(o.shard !== undefined ? { shard: o.shard } : {}),
    identity: JSON.stringify(target.config),
  };
  const raw = await exploreChunked(searchedModel(target), options);
  return { run: prepared.finish(raw), ...(raw.checkpointWritten !== undefined ? { checkpoint: raw.checkpointWritten } : {}) };
}

/**
 * Swarm: never complete; what it found, with the judge's keys computed as the BFS would. The same
 * StopWatch as the BFS's stops it (a signal, --max-memory), and --time-limit bounds the whole swarm.
 */
function runSwarm(target: CheckTarget, prepared: PreparedCheck, o: ScaleOptions, watch: StopWatch | undefined): ExploreResult<unknown> {
  const e = prepared.exploreOptions;
  const model = target.model;
  const go = (): ReturnType<typeof swarm<unknown, unknown>> => swarm(model, {
    seed: o.seed, walks: o.walks, maxDepth: target.config.bounds.maxDepth, timeLimitSeconds: target.config.bounds.timeLimit,
    ...(e.propertyIds !== undefined ? { propertyIds: e.propertyIds } : {}),
    ...(watch !== undefined ? { shouldStop: watch.shouldStop } : {}),
  });
  // a variant's code runs contained, as in the one-core search (cli/check.ts): an op that never returns is exit 2
  const v = target.variant;
  const r = v === undefined ? go() : runWithVariant(variantLabel(v), target.config.bounds.timeLimit, go);
  const violations = r.violations.map((v) => {
    const key = e.distinct?.key(v.propertyId, v.initIndex, v.actions);
    return { propertyId: v.propertyId, violation: v.violation, initIndex: v.initIndex, actions: v.actions, ...(key !== undefined ? { key } : {}) };
  });
  const c = newCounters(model.actionKinds.length);
  c.transitions = r.steps;
  r.enabled.forEach((n, i) => (c.enabled[i] = n));
  c.depth = Math.max(0, ...r.violations.map((v) => v.walkLength));
  const result = buildResult(model.actionKinds, c, { size: 0, bytes: 0 }, 1, r.seconds, 0, r.stoppedBy ?? 'walks', violations);
  return { ...result, stats: { ...result.stats, walks: r.walks } };
}
