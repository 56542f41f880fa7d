// `npm run bench swarm` (issue 16): for known violations of the matrix's `any` rows, the BFS's shortest
// counterexample and the time to find it, against the swarm (`check --strategy random`: seeded random
// walks, a violation shrunk by fast-check and shortened by BFS from its prefixes, explorer/swarm.ts)
// with a few fixed seeds, fixed --walks and --max-depth. One invariant per run (`--invariants`), so
// the time and the steps are those to find that one. Every command runs through the CLI with --json,
// each in a fresh child process (bench/run.ts); the seeds are fixed, so the section is reproducible.
import type { CheckJson } from '../../cli/check.js';
import type { BenchEnv, BenchModule, Figures } from '../bench-api.js';
import { commandLine, runCliJson } from '../cli-json.js';

interface Case {
  readonly kernel: string;
  readonly parent: string;
  readonly invariant: string;
  /** What the violation stands for (docs/known-behaviours.md), when it is one of the K's. */
  readonly known?: string;
}

/** Violations the BFS finds within the rows' default depth (8) in seconds. */
const CASES: readonly Case[] = [
  { kernel: '6.6', parent: 'mlx5', invariant: 'kernel-device-agreement', known: 'K2' },
  { kernel: '6.6', parent: 'mlx5', invariant: 'dma-isolation', known: 'K2' },
  { kernel: '6.7', parent: 'mlx5', invariant: 'identity-after-detach' },
  { kernel: '6.12', parent: 'mlx5', invariant: 'asid-routing' },
  { kernel: '6.12', parent: 'vdpa_sim', invariant: 'pin-accounting' },
  { kernel: '6.12', parent: 'vdpa_sim', invariant: 'kernel-device-agreement' },
  { kernel: '6.12', parent: 'platform', invariant: 'dma-isolation' },
  { kernel: '6.12', parent: 'platform', invariant: 'no-dma-window' },
];
const SEEDS = [1, 2, 3] as const;
const WALKS = 10_000;
/** One longer run per case (seed 1): how far the walks must go for the violations the short runs miss. */
const LONG_WALKS = 200_000;
const SWARM_DEPTH = 12;
/** A bound on each swarm run (walks, shrinking and re-checks), so the bench stays short. */
const SWARM_TIME_LIMIT = 60;

const caseName = (c: Case): string => `${c.kernel} ${c.parent} ${c.invariant}`;
const base = (c: Case): string[] => ['check', '--kernel', c.kernel, '--parent', c.parent, '--userspace', 'any', '--invariants', c.invariant];
/** BFS at the row's default depth, stopping at the invariant's first (shortest) violation. */
const bfsArgv = (c: Case): string[] => [...base(c), '--traces-per-invariant', '1', '--workers', '1', '--json'];
const swarmArgv = (c: Case, seed: number, walks = WALKS): string[] =>
  [...base(c), '--strategy', 'random', '--seed', String(seed), '--walks', String(walks), '--max-depth', String(SWARM_DEPTH), '--time-limit', String(SWARM_TIME_LIMIT), '--json'];

const bfsTask = (c: Case): string => `${caseName(c)}: bfs`;
const swarmTask = (c: Case, seed: number): string => `${caseName(c)}: swarm seed ${seed}`;
const longTask = (c: Case): string => `${caseName(c)}: swarm seed 1, ${LONG_WALKS} walks`;
const TASKS = CASES.flatMap((c) => [bfsTask(c), ...SEEDS.map((s) => swarmTask(c, s)), longTask(c)]);

async function measure(task: string): Promise<Figures> {
  for (const c of CASES) {
    const argv = task === bfsTask(c) ? bfsArgv(c) : task === longTask(c) ? swarmArgv(c, 1, LONG_WALKS) : SEEDS.map((s) => (task === swarmTask(c, s) ? swarmArgv(c, s) : undefined)).find((a) => a !== undefined);
    if (argv === undefined) continue;
    const r = await runCliJson<CheckJson>(argv);
    const v = r.json.violations.filter((x) => x.invariant === c.invariant);
    return {
      found: v.length > 0 ? 1 : 0,
      length: v.length > 0 ? Math.min(...v.map((x) => x.length)) : NaN,
      // the swarm: steps walked until the first violating walk (shrinking and re-checks not counted)
      transitions: r.json.stats.transitions,
      distinct: r.json.stats.distinctStates,
      // the swarm: the first violating walk's length, before shrinking (cli/scale.ts reports it as the depth)
      walkLength: r.json.stats.depth,
      // the engine's seconds: the BFS's search, or the whole swarm (walks, shrinking, re-checks)
      seconds: r.json.stats.seconds,
      cpuSeconds: r.cpuSeconds,
      stoppedByTimeLimit: r.json.stoppedBy === 'time-limit' ? 1 : 0,
    };
  }
  throw new Error(`swarm bench: no task '${task}'`);
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const last = (task: string): Figures | undefined => (results[task] ?? []).at(-1);
  const g = (f: Figures | undefined, k: string): number => f?.[k] ?? NaN;
  const rows: string[] = [];
  let found = 0;
  let runs = 0;
  let shortest = 0;
  for (const c of CASES) {
    const b = last(bfsTask(c));
    if (b === undefined) continue;
    const cell = (f: Figures | undefined, count: boolean): string => {
      if (f === undefined) return '–';
      if (count) runs++;
      if (g(f, 'found') !== 1) return `not found in ${fmt(g(f, 'transitions'))} steps, ${fmt(g(f, 'seconds'), 1)} s${g(f, 'stoppedByTimeLimit') === 1 ? ' (time limit)' : ''}`;
      if (count) found++;
      if (count && g(f, 'length') === g(b, 'length')) shortest++;
      return `${fmt(g(f, 'length'))} steps (walk of ${fmt(g(f, 'walkLength'))}); found after ${fmt(g(f, 'transitions'))} steps walked, ${fmt(g(f, 'seconds'), 1)} s${g(f, 'stoppedByTimeLimit') === 1 ? ' (time limit)' : ''}`;
    };
    const cells = [...SEEDS.map((s) => cell(last(swarmTask(c, s)), true)), cell(last(longTask(c)), false)];
    rows.push(`| ${c.kernel} ${c.parent} | ${c.invariant}${c.known !== undefined ? ` (${c.known})` : ''} | ${g(b, 'found') === 1 ? `${fmt(g(b, 'length'))} steps` : 'not found'} | ${fmt(g(b, 'distinct'))} | ${fmt(g(b, 'seconds'), 2)} | ${cells.join(' | ')} |`);
  }
  return [
    `## Swarm: \`check --strategy random\` against the BFS on known violations (\`npm run bench swarm\`, bench/swarm)`,
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at start ${env.loadAverage.toFixed(1)} (a shared machine). One run of each command, one after another, each in a fresh child process.`,
    'The commands (`--userspace any`, one invariant each; K, P, INV as in the table, S the seed):',
    '',
    '```',
    commandLine(bfsArgv({ kernel: 'K', parent: 'P', invariant: 'INV' })),
    commandLine(swarmArgv({ kernel: 'K', parent: 'P', invariant: 'INV' }, 0)).replace('--seed 0', '--seed S'),
    '```',
    '',
    `The BFS runs at the row's default depth (8) and stops at the invariant's first violation, which is its shortest: "BFS s" is the search's time to it. ` +
      `The swarm runs at most ${WALKS} walks of at most ${SWARM_DEPTH} steps (choices drawn by fast-check from the seed), shrinks the first violating walk, then shortens it by BFS from its prefixes; ` +
      `its length is after that (the first violating walk's length in brackets), its "steps walked" are those of the walks up to and including the first violating one, and its seconds are the whole run's (walks, shrinking, re-checks), as the JSON's stats report them.`,
    '',
    `| row | invariant | BFS: shortest | BFS: states stored | BFS s | ${SEEDS.map((s) => `swarm seed ${s}`).join(' | ')} | swarm seed 1, --walks ${LONG_WALKS} |`,
    `|---|---|--:|--:|--:|${SEEDS.map(() => '---').join('|')}|---|`,
    ...rows,
    '',
    `The last column runs seed 1 again with ${fmt(LONG_WALKS)} walks (the same first walks: where seed 1 found it, the same result). With ${fmt(WALKS)} walks the swarm found the violation in ${found} of ${runs} runs; ${shortest} of those ${found} end at the BFS's shortest length (the swarm's trace is as short as shrinking and re-checking make it, not proven shortest: only the complete BFS proves that).`,
  ].join('\n');
}

export const swarmBench: BenchModule = { name: 'swarm', runs: 1, tasks: TASKS, measure, render };
