// `check`'s options for deep searches (issue 16): worker threads, checkpoints, shards, swarm.
// Parsed here so that cli/options.ts only lists them; each bad value is one line, exit 2.
import { availableParallelism } from 'node:os';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../spec/config.js';
import { sizeBytes, type ParsedArgs } from './args.js';
import { checkOutputFile } from './out-dir.js';

export const SCALE_OPTIONS = {
  workers: 'value',
  checkpoint: 'value',
  'checkpoint-every': 'value',
  resume: 'value',
  shard: 'value',
  'shard-depth': 'value',
  strategy: 'value',
  seed: 'value',
  walks: 'value',
  'frontier-memory': 'value',
  'frontier-dir': 'value',
} as const;

export const STRATEGIES = ['bfs', 'random'] as const;

export interface ScaleOptions {
  /** Threads expanding BFS chunks, this one included (1: the one-core search unless a checkpoint asks for chunks). */
  readonly workers: number;
  /** Whether --workers was given (otherwise `withDefaultWorkers` decides). */
  readonly workersGiven: boolean;
  readonly checkpoint?: { readonly file: string; readonly everySeconds: number };
  readonly resume?: string;
  readonly shard?: { readonly index: number; readonly count: number; readonly depth: number };
  /** `random`: seeded random walks (swarm), shrunk and re-checked by BFS; never complete. */
  readonly strategy: (typeof STRATEGIES)[number];
  readonly seed: number;
  readonly walks: number;
  /** `--frontier-memory SIZE` [`--frontier-dir DIR`]: the BFS queue spills to disk past SIZE bytes. */
  readonly frontier?: { readonly memoryBytes: number; readonly dir?: string };
}

/** The deep-search options of `a` (defaults when none is given). */
export function parseScale(cmd: string, a: ParsedArgs): ScaleOptions {
  const v = (k: keyof typeof SCALE_OPTIONS): string | undefined => a.values.get(k);
  const int = (flag: string, value: string, min: number): number => {
    const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n) && n >= min) return n;
    throw new UsageError(`${cmd}: --${flag} "${value}" is not an integer of at least ${min} (accepted: ${min}, ${min + 1}, ...)`);
  };
  const w = v('workers');
  const workers = w === undefined ? 1 : w === 'auto' ? availableParallelism() : int('workers', w, 1);
  const strategyValue = v('strategy') ?? 'bfs';
  if (!(STRATEGIES as readonly string[]).includes(strategyValue)) {
    throw new UsageError(`${cmd}: --strategy "${strategyValue}" is not a strategy (accepted: ${STRATEGIES.join(', ')})`);
  }
  const strategy = strategyValue as ScaleOptions['strategy'];
  const seed = v('seed') === undefined ? 1 : int('seed', v('seed')!, 0);
  const walks = v('walks') === undefined ? 1000 : int('walks', v('walks')!, 1);
  if (strategy !== 'random') {
    for (const f of ['seed', 'walks'] as const) if (v(f) !== undefined) throw new UsageError(`${cmd}: --${f} needs --strategy random`);
  }
  let checkpoint: ScaleOptions['checkpoint'];
  const cp = v('checkpoint');
  if (cp !== undefined) {
    checkOutputFile(cmd, '--checkpoint', cp);
    const every = v('checkpoint-every');
    const n = every === undefined ? 300 : Number(every);
    if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`${cmd}: --checkpoint-every "${every}" is not a positive number of seconds (accepted: e.g. 300)`);
    checkpoint = { file: cp, everySeconds: n };
  } else if (v('checkpoint-every') !== undefined) throw new UsageError(`${cmd}: --checkpoint-every needs --checkpoint FILE`);
  const resume = v('resume');
  if (resume !== undefined) {
    // a regular file only: --resume /dev/zero would be read until memory runs out
    const problem = !existsSync(resume) ? 'no such file' : !statSync(resume).isFile() ? 'not a regular file' : undefined;
    if (problem !== undefined) throw new UsageError(`${cmd}: --resume "${resume}": ${problem} (accepted: a file written by --checkpoint)`);
  }
  let shard: ScaleOptions['shard'];
  const sh = v('shard');
  if (sh !== undefined) {
    const m = /^([0-9]+)\/([0-9]+)$/.exec(sh);
    const index = m === null ? NaN : Number(m[1]);
    const count = m === null ? NaN : Number(m[2]);
    if (!(count >= 1 && index >= 0 && index < count)) throw new UsageError(`${cmd}: --shard "${sh}" is not I/N with 0 <= I < N (accepted: e.g. 0/4, 3/4)`);
    const d = v('shard-depth');
    shard = { index, count, depth: d === undefined ? 3 : int('shard-depth', d, 0) };
  } else if (v('shard-depth') !== undefined) throw new UsageError(`${cmd}: --shard-depth needs --shard I/N`);
  if (strategy === 'random' && (checkpoint !== undefined || resume !== undefined || shard !== undefined || workers > 1)) {
    throw new UsageError(`${cmd}: --strategy random takes --seed, --walks and --max-depth (run seeds in parallel as separate processes), not --workers, --checkpoint, --resume or --shard`);
  }
  const frontier = parseFrontier(cmd, v('frontier-memory'), v('frontier-dir'));
  if (strategy === 'random' && frontier !== undefined) throw new UsageError(`${cmd}: --frontier-memory is for the BFS, not --strategy random (random walks keep no queue)`);
  return {
    workers,
    workersGiven: w !== undefined,
    strategy,
    ...(frontier !== undefined ? { frontier } : {}),
    seed,
    walks,
    ...(checkpoint !== undefined ? { checkpoint } : {}),
    ...(resume !== undefined ? { resume } : {}),
    ...(shard !== undefined ? { shard } : {}),
  };
}

/** `--frontier-memory SIZE` (0, bytes, or K/M/G/T) and `--frontier-dir DIR` (created if missing). */
function parseFrontier(cmd: string, memory: string | undefined, dir: string | undefined): ScaleOptions['frontier'] {
  if (memory === undefined) {
    if (dir !== undefined) throw new UsageError(`${cmd}: --frontier-dir needs --frontier-memory SIZE`);
    return undefined;
  }
  const n = sizeBytes(memory);
  if (!(Number.isFinite(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER)) {
    throw new UsageError(`${cmd}: --frontier-memory "${memory}" is not a size (accepted: 0, bytes, or e.g. 256M, 2G)`);
  }
  if (dir === undefined) return { memoryBytes: Math.floor(n) };
  const abs = resolve(dir);
  // the directory may not exist yet: its nearest existing ancestor must be a writable directory
  let probe = abs;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  let ok = false;
  try {
    ok = statSync(probe).isDirectory();
    accessSync(probe, constants.W_OK);
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${cmd}: --frontier-dir "${dir}": ${probe} is not a writable directory (accepted: a directory that exists or can be created)`);
  return { memoryBytes: Math.floor(n), dir: abs };
}

/**
 * design.md's default for --workers: the cores. Not for a search the caller runs on an engine or a
 * target it injected (a worker thread builds the registry's model, not the caller's), nor for a
 * model without a schema (the chunked search passes encoded worlds), nor for swarm. Workers start
 * only when a level is large enough to share (explorer/pool.ts), so a small search stays on one thread.
 */
export function withDefaultWorkers(o: ScaleOptions | undefined, may: boolean): ScaleOptions | undefined {
  if (o?.workersGiven === true || (o !== undefined && o.strategy !== 'bfs') || !may) return o;
  const cores = availableParallelism();
  if (cores <= 1) return o;
  return { ...(o ?? { strategy: 'bfs', seed: 1, walks: 1000 }), workers: cores, workersGiven: false };
}

/** True when the one-core search of explorer/bfs.ts cannot do what was asked. */
export function needsScale(o: ScaleOptions): boolean {
  return o.workers > 1 || o.checkpoint !== undefined || o.resume !== undefined || o.shard !== undefined || o.strategy === 'random';
}
