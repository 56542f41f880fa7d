// Deep searches in `npm run bench scale` (issue 16): the one-core BFS against the chunked BFS on 1..cores
// threads (this one and worker threads), the cost of checkpoints and of a frontier spilled to disk, on
// `check --kernel 6.12 --parent mlx5 --userspace any`. Each run in a fresh child process (bench/run.ts),
// the tasks of a round one after another, so that a round's ratios meet the same load. Every row must
// find the same distinct count. On a shared machine the wall-clock speed-up depends on what else runs;
// the CPU time of the whole process (every thread, V8's compiler and GC threads included) says what
// the threads cost, whatever the load.
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { explore } from '../../explorer/bfs.js';
import { exploreChunked } from '../../explorer/chunked.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import type { Config } from '../../spec/config.js';
import { cpuSecondsSince, med, median, peakRssMiB, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';

const DEPTH = 8;
const CONFIG: Config = { system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: { maxDepth: DEPTH } };

const ONE = 'one core (explore)';
const threadsTask = (n: number): string => (n === 1 ? 'chunked, 1 thread' : `chunked, ${n} threads (this one + ${n - 1} worker${n > 2 ? 's' : ''})`);
const THREADS = Array.from({ length: Math.max(2, availableParallelism()) }, (_, i) => i + 1);
const CHECKPOINT = 'chunked, 1 thread, checkpoint every 2 s';
const SPILL = 'one core, frontier on disk (--frontier-memory 0)';
const TASKS = [ONE, ...THREADS.map(threadsTask), CHECKPOINT, SPILL];

async function measure(task: string): Promise<Figures> {
  const load = loadavg()[0] ?? NaN;
  const target = await buildVdpaTarget(CONFIG);
  const b = target.config.bounds;
  const base = { maxDepth: b.maxDepth, maxStates: b.maxStates, timeLimitSeconds: 1800, stopAtFirstViolation: false };
  const source = { module: new URL('../../cli/scale.js', import.meta.url).href, export: 'workerModel', arg: CONFIG };
  const file = join(tmpdir(), `vdpa-mc-bench-${process.pid}.ckpt`);
  const threads = THREADS.find((n) => threadsTask(n) === task);
  let byWorkers = 0;
  let worlds = 0;
  const onChunk = (t: number, n: number): void => {
    worlds += n;
    if (t > 0) byWorkers += n;
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r =
    task === ONE ? explore(target.model, base)
    : threads !== undefined ? await exploreChunked(target.model, { ...base, workers: threads, onChunk, ...(threads > 1 ? { source } : {}) })
    : task === CHECKPOINT ? await exploreChunked(target.model, { ...base, checkpoint: { file, everySeconds: 2 } })
    : task === SPILL ? explore(target.model, { ...base, frontier: { memoryBytes: 0 } })
    : undefined;
  if (r === undefined) throw new Error(`scale bench: no task '${task}'`);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSecondsSince(cpu0);
  rmSync(file, { force: true });
  return {
    distinct: r.stats.distinctStates, transitions: r.stats.transitions, seconds: wall, cpuSeconds: cpu,
    genPerSecond: r.stats.transitions / wall, peakRssMiB: peakRssMiB(), violations: r.violations.length, complete: r.complete ? 1 : 0,
    load, workerShare: worlds > 0 ? byWorkers / worlds : 0,
  };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The median over rounds of one's figure / the row's figure (each round's runs met the same load). */
function ratio(one: readonly Figures[], row: readonly Figures[], key: string): number {
  return median(row.map((f, k) => (one[k]?.[key] ?? NaN) / (f[key] ?? NaN)).filter((x) => Number.isFinite(x)));
}

/** Each round's CPU of the multi-thread rows against the 1-thread row (the same engine, the same round). */
function threadNote(results: Readonly<Record<string, readonly Figures[]>>): string {
  const base = results[threadsTask(1)] ?? [];
  const parts = THREADS.filter((n) => n > 1 && results[threadsTask(n)] !== undefined).map((n) => {
    const rs = results[threadsTask(n)]!;
    const cpu = rs.map((f, k) => (f['cpuSeconds'] ?? NaN) / (base[k]?.['cpuSeconds'] ?? NaN));
    const wall = rs.map((f, k) => (base[k]?.['seconds'] ?? NaN) / (f['seconds'] ?? NaN));
    return `${n} threads: CPU ${cpu.map((x) => `${fmt(x, 2)}×`).join(', ')} of the 1-thread run's, wall-clock speed-up ${wall.map((x) => `${fmt(x, 2)}×`).join(', ')} (load ${rs.map((f) => fmt(f['load'] ?? NaN, 1)).join(', ')})`;
  });
  return [
    `Round by round, against the chunked search on 1 thread: ${parts.join('; ')}.`,
    'When the load average is above the number of cores, the wall-clock columns measure the other processes as much as the engine (a row that does strictly more work than one core, e.g. checkpoints or a frontier on disk, can come out faster than it); the CPU columns are the ones to compare.',
  ].join(' ');
}

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const runs = Math.max(...Object.values(results).map((r) => r.length));
  const one = results[ONE] ?? [];
  const loads = Object.values(results).flatMap((rs) => rs.map((f) => f['load'] ?? NaN)).filter((x) => Number.isFinite(x));
  const rows = Object.entries(results).map(([task, rs]) =>
    `| ${task} | ${fmt(med(rs, 'distinct'))} | ${fmt(med(rs, 'transitions'))} | ${fmt(med(rs, 'seconds'), 1)} | ${fmt(ratio(one, rs, 'seconds'), 2)}× | ` +
    `${fmt(med(rs, 'cpuSeconds'), 1)} | ${fmt((1e5 * med(rs, 'cpuSeconds')) / med(rs, 'transitions'), 2)} | ${fmt(ratio(one, rs, 'cpuSeconds'), 2)} | ` +
    `${task.startsWith('chunked') ? `${fmt(100 * med(rs, 'workerShare'))} %` : '–'} | ${fmt(med(rs, 'peakRssMiB'))} | ${fmt(med(rs, 'violations'))} | ${med(rs, 'complete') === 1 ? 'yes' : 'no'} |`);
  return [
    `## Deep searches: threads, checkpoints, a frontier on disk (\`npm run bench scale\`, bench/scale)`,
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at the start of the runs ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} (median ${fmt(median(loads), 1)}): a shared machine, other processes compete for the cores.`,
    `\`check --kernel 6.12 --parent mlx5 --userspace any --max-depth ${DEPTH}\`, every invariant that applies, collecting causes. ${runs} rounds; each round runs every row once, one after another, each in a fresh child process; medians over the rounds, and ratios as the median of each round's ratio. Wall time includes starting the worker threads (each builds its own model and compiles it again: V8 shares no optimised code between threads). CPU is the whole process's (every thread, V8's compiler and GC threads included).`,
    '',
    '| engine | distinct states | transitions | seconds (wall) | speed-up (wall) vs one core | CPU seconds | CPU s per 100k transitions | CPU of one core / CPU of the row | chunks expanded by worker threads | peak RSS MiB | invariants violated | complete |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows,
    '',
    threadNote(results),
    '',
    'Every row finds the same distinct states, transitions and violations (the chunked search merges chunks in order: test/explorer/chunked.test.ts, test/cli/scale.test.ts; the spilled frontier is read back in order: test/explorer/frontier-spill.test.ts).',
  ].join('\n');
}

export const scaleBench: BenchModule = { name: 'scale', runs: 3, tasks: TASKS, measure, render };
