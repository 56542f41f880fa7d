// Deep searches in `npm run bench scale` (issue 16): the one-core BFS against the chunked BFS on 1..cores
// threads (this one and worker threads), the cost of checkpoints and of a frontier spilled to disk, on
// `check --kernel 6.12 --parent mlx5 --userspace any`. Each run in a fresh child process (bench/run.ts),
// the tasks of a round one after another, so that a round's ratios meet the same load. Every row must
// find the same distinct count. On a shared machine the wall-clock speed-up depends on what else runs;
// the CPU time of the whole process (every thread, V8's compiler and GC threads included) says what
// the threads cost, whatever the load.
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { explore } from '../../explorer/bfs.js';
import { exploreChunked, type ChunkedResult } from '../../explorer/chunked.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import type { Config } from '../../spec/config.js';
import { fmt, cpuSecondsSince, med, median, peakRssMiB, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';

/** The deep rows (one core against 1..cores threads), long enough that starting the workers and JIT warm-up are amortised. */
const DEEP = 9;
/** The rows that also try checkpoints and a frontier on disk. */
const SHALLOW = 8;
const configAt = (depth: number): Config => ({ system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: { maxDepth: depth } });

const ONE = 'one core (explore)';
const threadsTask = (n: number): string => (n === 1 ? 'chunked, 1 thread' : `chunked, ${n} threads (this one + ${n - 1} worker${n > 2 ? 's' : ''})`);
const THREADS = Array.from({ length: Math.max(2, availableParallelism()) }, (_, i) => i + 1);
const CHECKPOINT = 'chunked, 1 thread, checkpoint every 2 s';
/**
 * The machine's own ceiling: as many independent one-core searches as threads in the widest row (the
 * one-core row, each in its own process), started together. No threading of one search can do better
 * than their throughput: they share nothing but the machine (caches, memory bandwidth, the clock).
 */
const INDEPENDENT = (cores: number): string => `${cores} one-core searches at once (separate processes)`;
const CORES = THREADS.length;
const SPILL = 'one core, frontier on disk (--frontier-memory 0)';
/** Stopped by its time limit (writing its checkpoint) after STOP_AFTER seconds, then resumed from the checkpoint to the end. */
const STOP_AFTER = 1.5;
const RESUMED = `chunked, 1 thread, stopped after ${STOP_AFTER} s and resumed from its checkpoint`;
/** A task is `depth D: engine`. */
const at = (depth: number, engine: string): string => `depth ${depth}: ${engine}`;
const TASKS = [
  ...[ONE, ...THREADS.map(threadsTask), INDEPENDENT(CORES)].map((e) => at(DEEP, e)),
  ...[ONE, ...THREADS.map(threadsTask), CHECKPOINT, RESUMED, SPILL].map((e) => at(SHALLOW, e)),
];
function parseTask(task: string): { depth: number; engine: string } {
  const m = /^depth (\d+): (.*)$/.exec(task);
  if (m === null) throw new Error(`scale bench: no task '${task}'`);
  return { depth: Number(m[1]), engine: m[2]! };
}

/**
 * CPU seconds of this thread (the main one: the merger) so far, from /proc (Linux; NaN elsewhere).
 * The rest of the process's CPU is the worker threads' and V8's helper threads' (GC, compiler).
 */
function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return NaN;
  }
}

/**
 * `n` one-core searches at `depth`, started together, each this benchmark's own one-core row in a
 * child process (bench/run.ts --child): the wall time until the last ends, and each one's figures.
 */
async function independent(n: number, depth: number): Promise<{ seconds: number; runs: Figures[] }> {
  const runner = fileURLToPath(new URL('../run.js', import.meta.url));
  const t0 = performance.now();
  const one = (): Promise<Figures> =>
    new Promise((resolve, reject) => {
      const c = spawn(process.execPath, ['--max-old-space-size=4096', runner, '--child', 'scale', at(depth, ONE)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('error', reject);
      c.on('close', (code) => {
        if (code !== 0) return reject(new Error(`scale bench: a one-core search exited ${code}`));
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as Figures);
      });
    });
  const runs = await Promise.all(Array.from({ length: n }, one));
  return { seconds: (performance.now() - t0) / 1000, runs };
}

async function measure(task: string): Promise<Figures> {
  const load = loadavg()[0] ?? NaN;
  const { depth, engine } = parseTask(task);
  if (engine === INDEPENDENT(CORES)) {
    const r = await independent(CORES, depth);
    const same = (key: string): number => {
      const xs = new Set(r.runs.map((f) => f[key]));
      if (xs.size !== 1) throw new Error(`scale bench: independent searches disagree on ${key}: ${[...xs].join(', ')}`);
      return r.runs[0]?.[key] ?? NaN;
    };
    // one search's counts; the time is the last one's (what one core's row compares with)
    return { distinct: same('distinct'), transitions: same('transitions'), violations: same('violations'), complete: same('complete'), seconds: r.seconds, load };
  }
  const CONFIG = configAt(depth);
  const target = await buildVdpaTarget(CONFIG);
  const b = target.config.bounds;
  const base = { maxDepth: b.maxDepth, maxStates: b.maxStates, timeLimitSeconds: 1800, stopAtFirstViolation: false };
  const source = { module: new URL('../../cli/scale.js', import.meta.url).href, export: 'workerModel', arg: CONFIG };
  const file = join(tmpdir(), `vdpa-mc-bench-${process.pid}.ckpt`);
  const threads = THREADS.find((n) => threadsTask(n) === engine);
  let byWorkers = 0;
  let worlds = 0;
  const onChunk = (t: number, n: number): void => {
    worlds += n;
    if (t > 0) byWorkers += n;
  };
  /** The stop-and-resume row's two parts and its checkpoint. */
  const parts: Record<string, number> = {};
  const stopAndResume = async (): Promise<ChunkedResult<unknown>> => {
    const p0 = performance.now();
    const first = await exploreChunked(target.model, { ...base, timeLimitSeconds: STOP_AFTER, checkpoint: { file, everySeconds: 1e6 } });
    if (first.stoppedBy !== 'time-limit' || first.checkpointWritten === undefined) throw new Error(`scale bench: the search ended (${first.stoppedBy}) before it was stopped after ${STOP_AFTER} s`);
    parts['firstSeconds'] = (performance.now() - p0) / 1000;
    parts['checkpointMiB'] = statSync(file).size / 2 ** 20;
    parts['statesAtStop'] = first.stats.distinctStates;
    const p1 = performance.now();
    const rest = await exploreChunked(target.model, { ...base, resume: file });
    parts['resumedSeconds'] = (performance.now() - p1) / 1000;
    return rest;
  };
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  const t0 = performance.now();
  const r =
    engine === ONE ? explore(target.model, base)
    : threads !== undefined ? await exploreChunked(target.model, { ...base, workers: threads, onChunk, ...(threads > 1 ? { source } : {}) })
    : engine === CHECKPOINT ? await exploreChunked(target.model, { ...base, checkpoint: { file, everySeconds: 2 } })
    : engine === RESUMED ? await stopAndResume()
    : engine === SPILL ? explore(target.model, { ...base, frontier: { memoryBytes: 0 } })
    : undefined;
  if (r === undefined) throw new Error(`scale bench: no task '${task}'`);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSecondsSince(cpu0);
  const mainCpu = mainThreadCpuSeconds() - main0;
  rmSync(file, { force: true });
  return {
    distinct: r.stats.distinctStates, transitions: r.stats.transitions, seconds: wall, cpuSeconds: cpu,
    genPerSecond: r.stats.transitions / wall, peakRssMiB: peakRssMiB(), violations: r.violations.length, complete: r.complete ? 1 : 0,
    load, workerShare: worlds > 0 ? byWorkers / worlds : 0, mainCpuSeconds: mainCpu, ...parts,
  };
}

/** The median over rounds of one's figure / the row's figure (each round's runs met the same load). */
function ratio(one: readonly Figures[], row: readonly Figures[], key: string): number {
  return median(row.map((f, k) => (one[k]?.[key] ?? NaN) / (f[key] ?? NaN)).filter((x) => Number.isFinite(x)));
}

/** Each round's CPU of the multi-thread rows against the 1-thread row (the same engine, the same round), and the ceiling their CPU sets. */
function threadNote(results: Readonly<Record<string, readonly Figures[]>>, depth: number, cores: number): string {
  const base = results[at(depth, threadsTask(1))] ?? [];
  const one = results[at(depth, ONE)] ?? [];
  const per = (rs: readonly Figures[], f: (x: Figures, k: number) => number, digits = 2, unit = '×'): string => rs.map((x, k) => `${fmt(f(x, k), digits)}${unit}`).join(', ');
  const parts = THREADS.filter((n) => n > 1 && results[at(depth, threadsTask(n))] !== undefined).map((n) => {
    const rs = results[at(depth, threadsTask(n))]!;
    return (
      `${n} threads: CPU ${per(rs, (f, k) => (f['cpuSeconds'] ?? NaN) / (base[k]?.['cpuSeconds'] ?? NaN))} of the 1-thread run's; ` +
      `wall-clock speed-up ${per(rs, (f, k) => (base[k]?.['seconds'] ?? NaN) / (f['seconds'] ?? NaN))} against it and ${per(rs, (f, k) => (one[k]?.['seconds'] ?? NaN) / (f['seconds'] ?? NaN))} against one core ` +
      `(load ${per(rs, (f) => f['load'] ?? NaN, 1, '')}); ` +
      `ceiling on ${cores} cores with nothing else running, one core's main-thread CPU / (this row's CPU / ${cores}): ${per(rs, (f, k) => ((one[k]?.['mainCpuSeconds'] ?? NaN) * cores) / (f['cpuSeconds'] ?? NaN))}`
    );
  });
  const ind = results[at(depth, INDEPENDENT(cores))];
  const ceiling = ind === undefined ? '' :
    ` The machine itself: ${cores} one-core searches started together (separate processes, sharing nothing but the machine) ran ${per(ind, (f, k) => (cores * (one[k]?.['seconds'] ?? NaN)) / (f['seconds'] ?? NaN))} the throughput of one alone, round by round: what ${cores} threads of one search could reach at best here.`;
  return `Depth ${depth}, round by round: ${parts.join('; ')}.${ceiling}${resumeNote(results, depth)}`;
}

/** The stop-and-resume row's parts against the chunked search on 1 thread uninterrupted, round by round. */
function resumeNote(results: Readonly<Record<string, readonly Figures[]>>, depth: number): string {
  const rs = results[at(depth, RESUMED)];
  if (rs === undefined) return '';
  const whole = results[at(depth, threadsTask(1))] ?? [];
  const per = rs.map((f, k) =>
    `${fmt(f['firstSeconds'] ?? NaN, 1)} s to the stop (${fmt(f['statesAtStop'] ?? NaN)} states, a checkpoint of ${fmt(f['checkpointMiB'] ?? NaN, 1)} MiB) + ${fmt(f['resumedSeconds'] ?? NaN, 1)} s resumed, against ${fmt(whole[k]?.['seconds'] ?? NaN, 1)} s`,
  );
  return ` Stopped after ${STOP_AFTER} s and resumed, round by round (wall, against the 1-thread chunked search uninterrupted): ${per.join('; ')}.`;
}

function table(results: Readonly<Record<string, readonly Figures[]>>, depth: number): string[] {
  const one = results[at(depth, ONE)] ?? [];
  const rows = Object.entries(results)
    .filter(([task]) => parseTask(task).depth === depth)
    .map(([task, rs]) => {
      const engine = parseTask(task).engine;
      if (engine === INDEPENDENT(CORES)) {
        // the speed-up column: their throughput, CORES searches in this row's time against one in one core's
        return (
          `| ${engine} | ${fmt(med(rs, 'distinct'))} each | ${fmt(med(rs, 'transitions'))} each | ${fmt(med(rs, 'seconds'), 1)} (the last to end) | ${fmt(CORES * ratio(one, rs, 'seconds'), 2)}× (throughput) | ` +
          `– | – | – | – | – | – | – | ${fmt(med(rs, 'violations'))} each | ${med(rs, 'complete') === 1 ? 'yes' : 'no'} |`
        );
      }
      const other = rs.map((f) => ({ ...f, otherCpu: (f['cpuSeconds'] ?? NaN) - (f['mainCpuSeconds'] ?? NaN) }));
      return (
        `| ${engine} | ${fmt(med(rs, 'distinct'))} | ${fmt(med(rs, 'transitions'))} | ${fmt(med(rs, 'seconds'), 1)} | ${fmt(ratio(one, rs, 'seconds'), 2)}× | ` +
        `${fmt(med(rs, 'cpuSeconds'), 1)} | ${fmt(med(rs, 'mainCpuSeconds'), 1)} | ${fmt(med(other, 'otherCpu'), 1)} | ${fmt((1e5 * med(rs, 'cpuSeconds')) / med(rs, 'transitions'), 2)} | ${fmt(ratio(one, rs, 'cpuSeconds'), 2)} | ` +
        `${engine.startsWith('chunked') ? `${fmt(100 * med(rs, 'workerShare'))} %` : '–'} | ${fmt(med(rs, 'peakRssMiB'))} | ${fmt(med(rs, 'violations'))} | ${med(rs, 'complete') === 1 ? 'yes' : 'no'} |`
      );
    });
  return [
    `### Depth ${depth}`,
    '',
    '| engine | distinct states | transitions | seconds (wall) | speed-up (wall) vs one core | CPU seconds | of which the main thread | other threads (workers, V8 GC and compiler) | CPU s per 100k transitions | CPU of one core / CPU of the row | chunks expanded by worker threads | peak RSS MiB | invariants violated | complete |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows,
  ];
}

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const runs = Math.max(...Object.values(results).map((r) => r.length));
  const loads = Object.values(results).flatMap((rs) => rs.map((f) => f['load'] ?? NaN)).filter((x) => Number.isFinite(x));
  const depths = [...new Set(Object.keys(results).map((t) => parseTask(t).depth))].sort((a, b) => b - a);
  return [
    `## Deep searches: threads, checkpoints, a frontier on disk (\`npm run bench scale\`, bench/scale)`,
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at the start of the runs ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} (median ${fmt(median(loads), 1)}): a shared machine, other processes compete for the cores.`,
    `\`check --kernel 6.12 --parent mlx5 --userspace any --max-depth D\`, every invariant that applies, collecting causes, at depth ${depths.join(' and ')}. ${runs} rounds; each round runs every row once, one after another, each in a fresh child process; medians over the rounds, and ratios as the median of each round's ratio. Wall time includes starting the worker threads (each builds its own model and compiles it again: V8 shares no optimised code between threads). CPU is the whole process's (every thread, V8's compiler and GC threads included); the main thread's is read from /proc (in the chunked search it merges and expands, in the one-core search it does everything but V8's background GC and compilation).`,
    '',
    ...depths.flatMap((d) => [...table(results, d), '', threadNote(results, d, env.cores), '']),
    'When the load average is above the number of cores, the wall-clock columns measure the other processes as much as the engine (a row that does strictly more work than one core, e.g. checkpoints or a frontier on disk, can come out faster than it); the CPU columns are the ones to compare.',
    '',
    'Every row of a depth finds the same distinct states, transitions and violations (the chunked search merges chunks in order: test/explorer/chunked.test.ts, test/cli/scale.test.ts; the spilled frontier is read back in order: test/explorer/frontier-spill.test.ts).',
  ].join('\n');
}

export const scaleBench: BenchModule = { name: 'scale', runs: 3, tasks: TASKS, measure, render };
