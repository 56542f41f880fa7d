// `npm run bench reduction` (issue 16): the reduction factor of `--reduce canonical` on every row of the
// shipped matrix (cli/matrix-rows.ts), and whether the reduced search finds the same verdict and the
// same violations (invariant, cause key, class, length) as `--reduce none`. The `any` rows at depth 6
// (6.12 mlx5 also at 7 and 8), each search in its own child process (bench/run.ts); the QEMU scripts and
// VFIO's rows complete at their default bounds, all in one child (they are small).
import { buildTarget } from '../../systems/registry.js';
import { runCheck, type CheckJson } from '../../cli/check.js';
import { matrixRows, rowSlug, type MatrixRow } from '../../cli/matrix-rows.js';
import type { InvariantId, ReduceName } from '../../spec/config.js';
import { fmt, cpuSecondsSince, med, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';

const ANY_DEPTH = 6;
/** Deeper runs of one row; `invariants`: only these checked (more fields are dead: systems/vdpa/reduce.ts). */
const DEEPER: readonly { readonly slug: string; readonly depth: number; readonly invariants?: string }[] = [
  { slug: '6.12-mlx5-any', depth: 7 },
  { slug: '6.12-mlx5-any', depth: 8 },
  { slug: '6.12-mlx5-any', depth: 8, invariants: 'kernel-device-agreement' },
];
const deeperName = (d: (typeof DEEPER)[number]): string => `${d.slug} depth ${d.depth}${d.invariants === undefined ? '' : ` invariants ${d.invariants}`}`;
const REDUCTIONS: readonly ReduceName[] = ['none', 'canonical'];

const anyRows = (): MatrixRow[] => matrixRows().filter((r) => r.userspace === 'any');
const smallRows = (): MatrixRow[] => matrixRows().filter((r) => r.userspace !== 'any');

/** The `any` tasks: "<slug> depth D <reduce>"; and one task for every small row, per reduction. */
const TASKS: readonly string[] = [
  ...anyRows().flatMap((r) => REDUCTIONS.map((x) => `${rowSlug(r)} depth ${ANY_DEPTH} ${x}`)),
  ...DEEPER.flatMap((d) => REDUCTIONS.map((x) => `${deeperName(d)} ${x}`)),
  ...REDUCTIONS.map((x) => `small rows ${x}`),
];

/** What must not change, as one number (FNV-1a of the sorted violations): compared across tasks. */
export function violationsHash(j: CheckJson): number {
  const text = j.verdict + '\n' + j.violations.map((v) => `${v.invariant} | ${v.cause?.key ?? v.message} | ${v.class ?? '-'} | ${v.length}`).sort().join('\n');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

async function search(r: MatrixRow, reduce: ReduceName, depth?: number, invariants?: readonly InvariantId[]): Promise<{ json: CheckJson; cpu: number }> {
  const bounds = depth === undefined ? { timeLimit: 1000 } : { maxDepth: depth, timeLimit: 1000 };
  const target = await buildTarget({ system: r.system, kernel: r.kernel, parent: r.parent, userspace: r.userspace, invariants, bounds, reduce });
  const cpu0 = process.cpuUsage();
  const json = runCheck(target).json;
  return { json, cpu: cpuSecondsSince(cpu0) };
}

async function measure(task: string): Promise<Figures> {
  const small = /^small rows (\w+)$/.exec(task);
  if (small !== null) {
    const out: Record<string, number> = {};
    for (const r of smallRows()) {
      const { json } = await search(r, small[1] as ReduceName);
      out[`${rowSlug(r)}:distinct`] = json.stats.distinctStates;
      out[`${rowSlug(r)}:hash`] = violationsHash(json);
      out[`${rowSlug(r)}:finished`] = json.complete || json.stoppedBy === 'violation' ? 1 : 0;
    }
    return out;
  }
  const m = /^(\S+) depth (\d+)(?: invariants (\S+))? (\w+)$/.exec(task);
  const row = m === null ? undefined : matrixRows().find((r) => rowSlug(r) === m[1]);
  if (m === null || row === undefined) throw new Error(`reduction bench: no task '${task}'`);
  const invariants = m[3] === undefined ? undefined : (m[3].split(',') as InvariantId[]);
  const { json, cpu } = await search(row, m[4] as ReduceName, Number(m[2]), invariants);
  return {
    distinct: json.stats.distinctStates, transitions: json.stats.transitions, cpuSeconds: cpu,
    // finished: complete, or stopped once every property was violated (vfio keeps one trace per invariant)
    violations: json.violations.length, hash: violationsHash(json), complete: json.complete || json.stoppedBy === 'violation' ? 1 : 0,
  };
}

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const runs = Math.max(...Object.values(results).map((r) => r.length));
  const pair = (prefix: string): [readonly Figures[], readonly Figures[]] => [results[`${prefix} none`] ?? [], results[`${prefix} canonical`] ?? []];
  const lines: string[] = [];
  for (const prefix of [...anyRows().map((r) => `${rowSlug(r)} depth ${ANY_DEPTH}`), ...DEEPER.map(deeperName)]) {
    const [n, c] = pair(prefix);
    if (n.length === 0 || c.length === 0) continue;
    const same = n.every((x) => x['hash'] === c[0]!['hash']) && c.every((x) => x['hash'] === c[0]!['hash']);
    const complete = med(n, 'complete') === 1 && med(c, 'complete') === 1;
    lines.push(`| ${prefix.replace(' depth ', ' | ').replace(/ invariants (\S+)$/, ' (--invariants $1)')} | ${fmt(med(n, 'distinct'))} | ${fmt(med(c, 'distinct'))} | ${fmt(med(n, 'distinct') / med(c, 'distinct'), 3)}× | ` +
      `${fmt(med(n, 'transitions'))} | ${fmt(med(c, 'transitions'))} | ${fmt(med(n, 'cpuSeconds'), 1)} | ${fmt(med(c, 'cpuSeconds'), 1)} | ` +
      `${fmt(med(n, 'violations'))} | ${complete ? (same ? 'yes' : '**no**') : 'incomplete'} |`);
  }
  const [sn, sc] = pair('small rows');
  const small = smallRows();
  const reducedSmall: string[] = [];
  let sameSmall = 0;
  for (const r of small) {
    const k = rowSlug(r);
    const dn = med(sn, `${k}:distinct`);
    const dc = med(sc, `${k}:distinct`);
    if (sn.every((x) => x[`${k}:hash`] === sc[0]?.[`${k}:hash`] && x[`${k}:finished`] === 1)) sameSmall++;
    if (dc < dn) reducedSmall.push(`${k} ${fmt(dn)} → ${fmt(dc)}`);
  }
  return [
    `## Reductions: \`check --reduce canonical\` against \`--reduce none\` (\`npm run bench reduction\`, bench/reduction)`,
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at start ${env.loadAverage.toFixed(1)} (a shared machine: CPU seconds are per process, but they still vary with the load).`,
    `Each search in a fresh child process; medians of ${runs} run${runs === 1 ? '' : 's'}; every invariant that applies (unless the depth column names them), collecting every distinct cause. ` +
      '"same" compares the verdict and every violation (invariant, cause key, class, shortest length) of the two searches.',
    '`canonical` keys the visited store on the world with its dead fields cleared (systems/vdpa/reduce.ts: `batchAsid` outside a batch; with every invariant checked, ENABLE_AFTER_DRIVER_OK and DESC_ASID once acked and offered; ' +
      'with fewer, also the feature bits, the map-change record and the unpin observation that only unchecked invariants read). ' +
      'No symmetry of ASIDs, host pages or IOVA pages holds in the model (the same file says why), so nothing else is reduced; a variant kernel is never reduced.',
    '',
    '| row | depth | states (none) | states (canonical) | reduction | transitions (none) | transitions (canonical) | CPU s (none) | CPU s (canonical) | violations | same |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...lines,
    '',
    `The ${small.length} QEMU and VFIO rows (default bounds, complete): the same verdict and violations on ${sameSmall} of ${small.length}; ` +
      (reducedSmall.length === 0 ? 'no state is reduced on any of them (QEMU acks neither ENABLE_AFTER_DRIVER_OK nor DESC_ASID).' : `states reduced on ${reducedSmall.length}: ${reducedSmall.join('; ')}.`),
  ].join('\n');
}

export const reductionBench: BenchModule = { name: 'reduction', runs: 1, tasks: TASKS, measure, render };
