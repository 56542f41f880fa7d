// `npm run bench por` (issue 16, "fewer states for the same verdicts"): what sleep sets (`check --por
// sleep`, explorer/sleep.ts with systems/vdpa/independence.ts) save on vdpa `--userspace any` rows:
// transitions taken with and without, CPU seconds, and whether the two searches keep the same distinct
// worlds and the same violations (invariant, cause key, class, shortest length). Each search in its own
// child process, the runs interleaved (bench/run.ts: run k of every task, then run k+1).
import { buildTarget } from '../../systems/registry.js';
import { runCheck } from '../../cli/check.js';
import { violationsHash } from '../reduction/reduction-bench.js';
import { matrixRows, rowSlug } from '../../cli/matrix-rows.js';
import type { PorName } from '../../spec/config.js';
import { fmt, cpuSecondsSince, med, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';

/** Rows and depths: 6.12 mlx5 at 7 and 8 (the figures), and three other parents and kernels. */
const CONFIGS: readonly { readonly slug: string; readonly depth: number }[] = [
  { slug: '6.12-mlx5-any', depth: 7 },
  { slug: '6.12-mlx5-any', depth: 8 },
  { slug: '6.6-mlx5-any', depth: 7 },
  { slug: '6.12-vdpa_sim-any', depth: 7 },
  { slug: '6.12-platform-any', depth: 7 },
];
const PORS: readonly PorName[] = ['none', 'sleep'];
const prefixOf = (c: (typeof CONFIGS)[number]): string => `${c.slug} depth ${c.depth}`;
const TASKS: readonly string[] = CONFIGS.flatMap((c) => PORS.map((p) => `${prefixOf(c)} ${p}`));

async function measure(task: string): Promise<Figures> {
  const m = /^(\S+) depth (\d+) (\w+)$/.exec(task);
  const row = m === null ? undefined : matrixRows().find((r) => rowSlug(r) === m[1]);
  if (m === null || row === undefined) throw new Error(`por bench: no task '${task}'`);
  const bounds = { maxDepth: Number(m[2]), timeLimit: 1000 };
  const target = await buildTarget({ system: row.system, kernel: row.kernel, parent: row.parent, userspace: row.userspace, invariants: undefined, bounds, por: m[3] as PorName });
  const cpu0 = process.cpuUsage();
  const json = runCheck(target).json;
  const cpu = cpuSecondsSince(cpu0);
  return {
    distinct: json.stats.distinctStates, transitions: json.stats.transitions, asleep: json.stats.asleep ?? 0, cpuSeconds: cpu,
    violations: json.violations.length, hash: violationsHash(json), complete: json.complete ? 1 : 0,
  };
}

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const runs = Math.max(...Object.values(results).map((r) => r.length));
  const lines: string[] = [];
  for (const c of CONFIGS) {
    const n = results[`${prefixOf(c)} none`] ?? [];
    const s = results[`${prefixOf(c)} sleep`] ?? [];
    if (n.length === 0 || s.length === 0) continue;
    const all = [...n, ...s];
    const same = all.every((x) => x['hash'] === all[0]!['hash'] && x['distinct'] === all[0]!['distinct']);
    const complete = all.every((x) => x['complete'] === 1);
    const cpuN = n.map((x) => x['cpuSeconds']!).map((x) => fmt(x, 1)).join(' / ');
    const cpuS = s.map((x) => x['cpuSeconds']!).map((x) => fmt(x, 1)).join(' / ');
    lines.push(`| ${c.slug} | ${c.depth} | ${fmt(med(n, 'distinct'))} | ${fmt(med(n, 'transitions'))} | ${fmt(med(s, 'transitions'))} | ` +
      `${fmt(100 * (1 - med(s, 'transitions') / med(n, 'transitions')), 1)}% | ${fmt(med(n, 'cpuSeconds'), 1)} (${cpuN}) | ${fmt(med(s, 'cpuSeconds'), 1)} (${cpuS}) | ` +
      `${fmt(med(n, 'violations'))} | ${complete ? (same ? 'yes' : '**no**') : 'incomplete'} |`);
  }
  return [
    '## Partial-order reduction: `check --por sleep` against `--por none` (`npm run bench por`, bench/por)',
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at start ${env.loadAverage.toFixed(1)} (a shared machine: CPU seconds are per process, but they still vary with the load).`,
    `Each search in a fresh child process, the runs of all tasks interleaved; medians of ${runs} run${runs === 1 ? '' : 's'} (each run's CPU seconds in parentheses, in run order); ` +
      'every invariant that applies, collecting every distinct cause, `--reduce canonical` (the default). ' +
      '"same" compares the distinct worlds, the verdict and every violation (invariant, cause key, class, shortest length) of every run of both searches.',
    'Sleep sets skip a transition that stands for one already taken: the two actions commute by their footprints (systems/vdpa/independence.ts). ' +
      'Transitions taken + asleep = transitions without (the same worlds are expanded; `stats.asleep` counts the skipped ones).',
    '',
    '| row | depth | states (both) | transitions (none) | transitions (sleep) | fewer | CPU s (none) | CPU s (sleep) | violations | same |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...lines,
  ].join('\n');
}

export const porBench: BenchModule = { name: 'por', runs: 3, tasks: TASKS, measure, render };
