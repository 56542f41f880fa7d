// Per-state cost in `npm run bench cost` (issue 16): `check --kernel 6.12 --parent mlx5 --userspace any`
// as the CLI runs it (every invariant that applies, every distinct cause collected, one core), in
// generated states per CPU second of the search. CPU time, not wall time: the machine is shared,
// and a process waiting for a core is not charged for it.
//
// Before/after: with VDPA_MC_BENCH_BASELINE=DIR (the dist/ of an earlier build, e.g.
// `git worktree add /tmp/before 18fea83 && (cd /tmp/before && npm run build)`, then
// DIR=/tmp/before/dist), each configuration is also run on that build, the runs interleaved
// (before, after, before, after...) so that both see the same load; the section gives the ratio of
// the medians. VDPA_MC_BENCH_BASELINE_LABEL says in the section what the baseline is (a commit). Both builds must find the same distinct states, transitions and causes kept (checked).
import { loadavg } from 'node:os';
import type { CheckTarget } from '../../systems/target.js';
import type { CheckRun } from '../../cli/check.js';
import { fmt, cpuSecondsSince, med, peakRssMiB, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';

interface Task { readonly depth: number }
const CONFIGS: Readonly<Record<string, Task>> = {
  '6.12 mlx5 any, depth 8 (the default)': { depth: 8 },
  '6.12 mlx5 any, depth 7': { depth: 7 },
};

const BASELINE = process.env['VDPA_MC_BENCH_BASELINE'];
/** What the baseline is, in words, for the section (e.g. "main at 18fea83"): VDPA_MC_BENCH_BASELINE_LABEL. */
const BASELINE_LABEL = process.env['VDPA_MC_BENCH_BASELINE_LABEL'];
const BEFORE = 'before: ';
const AFTER = 'this build: ';
const TASKS: readonly string[] = Object.keys(CONFIGS).flatMap((c) => (BASELINE === undefined ? [AFTER + c] : [BEFORE + c, AFTER + c]));

interface Entry {
  buildVdpaTarget(config: unknown): Promise<CheckTarget>;
  runCheck(target: CheckTarget): CheckRun;
}

/** The two entry points, from this build or from the baseline's dist/. */
async function entry(before: boolean): Promise<Entry> {
  const root = before ? `file://${BASELINE!.replace(/\/$/, '')}/` : new URL('../../', import.meta.url).href;
  const t = (await import(`${root}systems/vdpa/target.js`)) as Pick<Entry, 'buildVdpaTarget'>;
  const c = (await import(`${root}cli/check.js`)) as Pick<Entry, 'runCheck'>;
  return { buildVdpaTarget: t.buildVdpaTarget, runCheck: c.runCheck };
}

async function measure(task: string): Promise<Figures> {
  const before = task.startsWith(BEFORE);
  const name = task.slice(before ? BEFORE.length : AFTER.length);
  const t = CONFIGS[name];
  if (t === undefined || (before && BASELINE === undefined)) throw new Error(`cost bench: no task '${task}'`);
  const e = await entry(before);
  const target = await e.buildVdpaTarget({
    system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: { maxDepth: t.depth, timeLimit: 3600 },
    // the cost of one state, not fewer states: no reduction (a build before --reduce ignores the field)
    reduce: 'none',
  });
  const load0 = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const r = e.runCheck(target);
  const cpu = cpuSecondsSince(cpu0);
  const s = r.json.stats;
  return {
    distinct: s.distinctStates, transitions: s.transitions, complete: r.json.complete ? 1 : 0, kept: r.json.violations.length,
    cpuSeconds: cpu, genPerCpuSecond: s.transitions / cpu, seconds: s.seconds, peakRssMiB: peakRssMiB(),
    loadStart: load0, loadEnd: loadavg()[0]!,
  };
}

const range = (rs: readonly Figures[], key: string): string => {
  const xs = rs.map((r) => r[key] ?? NaN);
  return `${fmt(Math.min(...xs), 1)}–${fmt(Math.max(...xs), 1)}`;
};

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const runs = Math.max(...Object.values(results).map((r) => r.length));
  const rows: string[] = [];
  for (const name of Object.keys(CONFIGS)) {
    const after = results[AFTER + name] ?? [];
    const before = results[BEFORE + name];
    for (const [label, rs] of before === undefined ? [['this build', after] as const] : [['before', before] as const, ['this build', after] as const]) {
      const ratio = before === undefined || label === 'before' ? '' : `${fmt(med(rs, 'genPerCpuSecond') / med(before, 'genPerCpuSecond'), 2)}×`;
      rows.push(`| ${name} | ${label} | ${fmt(med(rs, 'distinct'))} | ${fmt(med(rs, 'transitions'))} | ${fmt(med(rs, 'kept'))} | ` +
        `${fmt(med(rs, 'cpuSeconds'), 1)} | ${fmt(med(rs, 'genPerCpuSecond'))} | ${ratio} | ${fmt(med(rs, 'seconds'), 1)} | ` +
        `${fmt(med(rs, 'peakRssMiB'))} | ${rs.length} | ${range(rs, 'loadStart')} |`);
    }
    if (before !== undefined) {
      for (const key of ['distinct', 'transitions', 'kept']) {
        if (med(before, key) !== med(after, key)) throw new Error(`cost bench: ${name}: ${key} differs between the builds (${med(before, key)} before, ${med(after, key)} now)`);
      }
    }
  }
  return [
    '## Per-state cost (`npm run bench cost`, bench/cost)',
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at start ${env.loadAverage.toFixed(1)} (per run: the column).`,
    `\`check --kernel 6.12 --parent mlx5 --userspace any --max-depth D --reduce none\` as the CLI runs it (cli/check.ts runCheck: every invariant that applies, every distinct cause kept, one core). Medians of ${runs} runs per row, each in a fresh child process` +
      (BASELINE === undefined ? '.' : `, the builds' runs interleaved (before, this build, before, ...) so that both see the same load; "before" is the build in VDPA_MC_BENCH_BASELINE (${BASELINE}${BASELINE_LABEL === undefined ? '' : `: ${BASELINE_LABEL}`}).`),
    'Generated states per CPU second of the search (user + system time of the process from the start of the search to the end of the cause classification); the wall time is shown but depends on what else runs.',
    '',
    '| configuration | build | distinct states | transitions | causes kept | CPU s | generated/s (CPU) | ratio | seconds (wall) | peak RSS MiB | runs | load average at start of run |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows,
  ].join('\n');
}

export const costBench: BenchModule = { name: 'cost', runs: 3, tasks: TASKS, measure, render };
