// `npm run bench depth` (issue 16's target: 6.12 mlx5 `--userspace any` complete to depth 12 in at most
// 10 minutes on this machine, within 2 GiB). Opt-in: a bare `npm run bench` leaves it out, it takes
// tens of minutes. The command a user runs (bench/cli-json.ts), in a fresh child process per task
// (bench/run.ts), so that peak RSS is the search's own: every thread, the store and the in-memory part
// of the frontier. Depths 10 and 11 first give each level's growth; VDPA_MC_BENCH_DEPTH_MAX (default
// 12) sets the deepest task.
import { loadavg } from 'node:os';
import type { CheckJson } from '../../cli/check.js';
import { fmt, med, peakRssMiB, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';
import { commandLine, runCliJson } from '../cli-json.js';

const DEEPEST = Number(process.env['VDPA_MC_BENCH_DEPTH_MAX'] ?? 12);
/** The flags of the search measured, apart from the depth: no state bound (any's default stops at 3M), every core, the frontier beyond 512 MiB on disk. */
const FLAGS = ['--max-states', '400000000', '--workers', 'auto', '--frontier-memory', '512M', '--time-limit', '7200', '--json'];
const argv = (depth: number): string[] => ['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--max-depth', String(depth), ...FLAGS];
const DEPTHS = [10, 11, DEEPEST].filter((d, i, a) => a.indexOf(d) === i && d <= DEEPEST);
const TASKS = DEPTHS.map((d) => `depth ${d}`);

async function measure(task: string): Promise<Figures> {
  const m = /^depth (\d+)$/.exec(task);
  if (m === null) throw new Error(`depth bench: no task '${task}'`);
  const load = loadavg()[0] ?? NaN;
  const r = await runCliJson<CheckJson>(argv(Number(m[1])));
  const s = r.json.stats;
  return {
    distinct: s.distinctStates, transitions: s.transitions, seconds: r.wallSeconds, cpuSeconds: r.cpuSeconds,
    peakRssMiB: peakRssMiB(), complete: r.json.complete ? 1 : 0, violated: new Set(r.json.violations.map((v) => v.invariant)).size,
    causes: r.json.violations.length, load,
  };
}

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const rows = Object.entries(results).map(([task, rs]) => {
    const depth = Number(task.slice('depth '.length));
    const wall = med(rs, 'seconds');
    const rss = med(rs, 'peakRssMiB');
    const target = depth === 12 ? ` ${wall <= 600 && rss <= 2048 && med(rs, 'complete') === 1 ? 'met' : 'not met'} |` : ' – |';
    return `| ${depth} | \`${commandLine(argv(depth))}\` | ${fmt(med(rs, 'distinct'))} | ${fmt(med(rs, 'transitions'))} | ${fmt(wall, 0)} | ${fmt(med(rs, 'cpuSeconds'), 0)} | ` +
      `${fmt(rss)} | ${med(rs, 'complete') === 1 ? 'yes' : 'no'} | ${fmt(med(rs, 'violated'))} / ${fmt(med(rs, 'causes'))} | ${rs.map((f) => fmt(f['load'] ?? NaN, 1)).join(', ')} |${target}`;
  });
  return [
    '## Depth 12: 6.12 mlx5 `--userspace any` (`npm run bench depth`, bench/depth; opt-in, tens of minutes)',
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}. ${Math.max(...Object.values(results).map((r) => r.length))} run per depth, each in a fresh child process; CPU is the whole process's (every thread), peak RSS the process's maximum resident size. Target (issue 16): complete to depth 12 in at most 600 s wall within 2 GiB.`,
    '',
    '| depth | command | distinct states | transitions | seconds (wall) | CPU seconds | peak RSS MiB | complete | invariants violated / causes | load at start | target |',
    '|--:|---|--:|--:|--:|--:|--:|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export const depthBench: BenchModule = { name: 'depth', runs: 1, tasks: TASKS, optIn: true, measure, render };
