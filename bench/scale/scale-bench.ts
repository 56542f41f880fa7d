// Deep searches in `npm run bench scale` (issue 16): the one-core BFS against the chunked BFS on
// worker threads, and the cost of checkpoints, on `check --kernel 6.12 --parent mlx5 --userspace any`.
// Each run in a fresh child process (bench/run.ts). Every row must find the same distinct count.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { explore } from '../../explorer/bfs.js';
import { exploreChunked } from '../../explorer/chunked.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import type { Config } from '../../spec/config.js';
import { cpuSecondsSince, med, peakRssMiB, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';

const DEPTH = 8;
const CONFIG: Config = { system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: { maxDepth: DEPTH } };

const TASKS = ['one core (explore)', 'chunked, 1 worker thread', 'chunked, 2 worker threads', 'chunked in this thread, checkpoint every 2 s'] as const;

async function measure(task: string): Promise<Figures> {
  const target = await buildVdpaTarget(CONFIG);
  const b = target.config.bounds;
  const base = { maxDepth: b.maxDepth, maxStates: b.maxStates, timeLimitSeconds: 900, stopAtFirstViolation: false };
  const source = { module: new URL('../../cli/scale.js', import.meta.url).href, export: 'workerModel', arg: CONFIG };
  const file = join(tmpdir(), `vdpa-mc-bench-${process.pid}.ckpt`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r =
    task === TASKS[0] ? explore(target.model, base)
    : task === TASKS[1] ? await exploreChunked(target.model, { ...base, workers: 1, source })
    : task === TASKS[2] ? await exploreChunked(target.model, { ...base, workers: 2, source })
    : task === TASKS[3] ? await exploreChunked(target.model, { ...base, checkpoint: { file, everySeconds: 2 } })
    : undefined;
  if (r === undefined) throw new Error(`scale bench: no task '${task}'`);
  const wall = (performance.now() - t0) / 1000;
  rmSync(file, { force: true });
  return {
    distinct: r.stats.distinctStates, transitions: r.stats.transitions, seconds: wall, mainCpuSeconds: cpuSecondsSince(cpu0),
    genPerSecond: r.stats.transitions / wall, peakRssMiB: peakRssMiB(), violations: r.violations.length, complete: r.complete ? 1 : 0,
  };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const runs = Math.max(...Object.values(results).map((r) => r.length));
  const one = med(results[TASKS[0]] ?? [], 'seconds');
  const rows = Object.entries(results).map(([task, rs]) =>
    `| ${task} | ${fmt(med(rs, 'distinct'))} | ${fmt(med(rs, 'transitions'))} | ${fmt(med(rs, 'seconds'), 1)} | ${fmt(one / med(rs, 'seconds'), 2)}× | ` +
    `${fmt(med(rs, 'genPerSecond'))} | ${fmt(med(rs, 'peakRssMiB'))} | ${fmt(med(rs, 'violations'))} | ${med(rs, 'complete') === 1 ? 'yes' : 'no'} |`);
  return [
    `## Deep searches: worker threads and checkpoints (\`npm run bench scale\`, bench/scale)`,
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at start ${env.loadAverage.toFixed(1)} (a shared machine: other processes compete for the cores, so speed-ups are lower bounds of what an idle machine gives).`,
    `\`check --kernel 6.12 --parent mlx5 --userspace any --max-depth ${DEPTH}\`, every invariant that applies, collecting causes. Medians of ${runs} runs per row, each in a fresh child process; wall time includes starting the worker threads (each builds its own model).`,
    '',
    '| engine | distinct states | transitions | seconds (wall) | speed-up vs one core | generated/s (wall) | peak RSS MiB (main thread + workers) | invariants violated | complete |',
    '|---|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows,
    '',
    'Every row finds the same distinct states and transitions (the chunked search merges chunks in order: test/explorer/chunked.test.ts, test/cli/scale.test.ts).',
  ].join('\n');
}

export const scaleBench: BenchModule = { name: 'scale', runs: 3, tasks: [...TASKS], measure, render };
