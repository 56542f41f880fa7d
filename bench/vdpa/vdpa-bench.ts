// The vDPA model in `npm run bench`: `check --kernel 6.12 --parent mlx5 --userspace any` at its default
// bounds (issue 3), one depth deeper to show what the next level costs, and a one-ASID parent. Each run explores in a fresh child process (bench/run.ts).
import { explore } from '../../explorer/bfs.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import type { ParentName } from '../../spec/config.js';
import { fmt, cpuSecondsSince, med, peakRssMiB, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';

interface Task { readonly kernel: string; readonly parent: ParentName; readonly userspace: string; readonly depth?: number }

const TASKS: Readonly<Record<string, Task>> = {
  '6.12 mlx5 any (default depth 8)': { kernel: '6.12', parent: 'mlx5', userspace: 'any' },
  '6.12 mlx5 any, depth 9': { kernel: '6.12', parent: 'mlx5', userspace: 'any', depth: 9 },
  '6.12 platform any (default depth 8)': { kernel: '6.12', parent: 'platform', userspace: 'any' },
};

async function measure(task: string): Promise<Figures> {
  const t = TASKS[task];
  if (t === undefined) throw new Error(`vdpa bench: no task '${task}'`);
  const target = await buildVdpaTarget({
    system: 'vdpa', kernel: t.kernel, parent: t.parent, userspace: t.userspace, invariants: undefined,
    bounds: t.depth === undefined ? {} : { maxDepth: t.depth },
  });
  const b = target.config.bounds;
  const cpu0 = process.cpuUsage();
  const r = explore(target.model, { maxDepth: b.maxDepth, maxStates: b.maxStates, timeLimitSeconds: 600, stopAtFirstViolation: false });
  const cpu = cpuSecondsSince(cpu0);
  return {
    depth: r.stats.depth, distinct: r.stats.distinctStates, transitions: r.stats.transitions, seconds: r.stats.seconds,
    cpuSeconds: cpu, genPerSecond: r.stats.statesPerSecond, genPerCpuSecond: r.stats.transitions / cpu,
    distinctPerSecond: r.stats.distinctPerSecond, bytesPerState: r.stats.bytesPerState, peakRssMiB: peakRssMiB(),
    violations: r.violations.length, complete: r.complete ? 1 : 0,
  };
}

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const runs = Math.max(...Object.values(results).map((r) => r.length));
  const rows = Object.entries(results).map(([task, rs]) =>
    `| ${task} | ${fmt(med(rs, 'depth'))} | ${fmt(med(rs, 'distinct'))} | ${fmt(med(rs, 'transitions'))} | ` +
    `${fmt(med(rs, 'seconds'), 1)} | ${fmt(med(rs, 'genPerSecond'))} | ${fmt(med(rs, 'genPerCpuSecond'))} | ` +
    `${fmt(med(rs, 'distinctPerSecond'))} | ${fmt(med(rs, 'bytesPerState'), 1)} | ${fmt(med(rs, 'peakRssMiB'))} | ` +
    `${fmt(med(rs, 'violations'))} | ${med(rs, 'complete') === 1 ? 'yes' : 'no'} |`);
  return [
    '## The vDPA model (`npm run bench vdpa`, bench/vdpa)',
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at start ${env.loadAverage.toFixed(1)}.`,
    `${runs === 1 ? 'One run per row' : `Medians of ${runs} runs per row`}, each in a fresh child process; single thread; every invariant that applies, collecting the shortest violation of each.`,
    '',
    '| configuration | depth | distinct states | transitions | seconds (wall) | generated/s (wall) | generated/s (CPU) | distinct/s (wall) | store B/state | peak RSS MiB | invariants violated | complete within depth |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows,
    '',
    'The engine alone (explore, no cause classification, unlike `check`: see "Per-state cost" for the CLI\'s pipeline and where its time goes). The depth-9 row is what one more level of the default bound would cost.',
  ].join('\n');
}

export const vdpaBench: BenchModule = { name: 'vdpa', runs: 3, tasks: Object.keys(TASKS), measure, render };
