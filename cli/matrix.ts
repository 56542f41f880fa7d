// `vdpa-mc matrix` (`npm start`): every configuration of the shipped matrix checked with its default
// bounds through the check pipeline (cli/check.ts), one table row each: a verdict per invariant, the
// states explored, the reference cycle's cost, and where the counterexamples were written.
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Config, INVARIANT_IDS, type InvariantId, UsageError } from '../spec/config.js';
import { invariantHeading, systemsOfInvariant } from '../systems/catalogue.js';
import type { CheckTarget } from '../systems/target.js';
import type { Cost, ReferenceCycle } from '../systems/vdpa/cost.js';
import { writeTracesForOut } from './trace-output.js';
import { defaultMaxMemory, signalExitCode, startStopWatch, type StopWatch, watched } from './signals.js';
import { CLASS_LETTER, VIOLATION_CLASSES } from '../systems/target.js';
import { explore as bfsExplore } from '../explorer/bfs.js';
import { type CheckJsonConfig, type ExploreFn, runCheck, type Verdict } from './check.js';
import { cycleOf } from './cost.js';
import type { CliIO } from './io.js';
import { type MatrixRow, matrixRows, rowSlug } from './matrix-rows.js';
import type { MatrixOptions } from './options.js';
import { TOOL, VERSION } from './version.js';

export type CellResult = 'pass' | 'violation' | 'not-applicable' | 'incomplete';

export interface MatrixCell {
  readonly result: CellResult;
  /** Actions in the shortest counterexample (violation only). */
  readonly length?: number;
  /** Every distinct cause (systems with a judge): its class, shortest trace length and key. */
  readonly causes?: readonly { readonly class: string; readonly length: number; readonly cause: string }[];
  /** The counterexample's .itf.json (violation only). */
  readonly trace?: string;
  /** What the counterexample's calls cost (vdpa violations only), counted as the reference cycle is. */
  readonly cost?: Cost;
}

export interface MatrixRowJson {
  readonly config: CheckJsonConfig;
  /** Why the row is in the matrix (a known behaviour of docs/known-behaviours.md), if it stands for one. */
  readonly ref: string | null;
  readonly verdict: Verdict;
  readonly complete: boolean;
  readonly stats: { readonly distinctStates: number; readonly depth: number; readonly seconds: number };
  readonly invariants: Readonly<Partial<Record<InvariantId, MatrixCell>>>;
  /** The reference cycle's cost (QEMU userspaces), else null. */
  readonly cycle: Cost | null;
  /** Directory of this row's traces (null when nothing was violated, or without --out). */
  readonly traceDir: string | null;
  /** What ended the row's search (as check --json's stoppedBy). */
  readonly stoppedBy: string;
  /** Whether the row agrees with its `ref` (a known behaviour found or not found); null without one or undecided. */
  readonly refHolds: boolean | null;
}

export interface MatrixJson {
  readonly tool: string;
  readonly version: string;
  readonly invariants: readonly InvariantId[];
  readonly seconds: number;
  /** Rows stopped by a signal before they ran are left out; this says so. */
  readonly stoppedBy?: 'signal' | 'memory';
  readonly rows: readonly MatrixRowJson[];
}

export interface MatrixDeps {
  readonly buildTarget?: (config: Config) => Promise<CheckTarget>;
  readonly explore?: ExploreFn;
  /** Another matrix (tests). */
  readonly rows?: readonly MatrixRow[];
}

/** The invariant each known behaviour (docs/known-behaviours.md) is about; K6 is judged on the reference cycle. */
const REF_INVARIANT: Readonly<Record<string, InvariantId | undefined>> = {
  K1: 'feature-negotiation', K2: 'kernel-device-agreement', K3: 'identity-after-detach', K4: 'no-dma-window', K5: 'vfio-live-update',
};

/**
 * Whether a row agrees with its ref ("K1 found", "K4 not", "K6 cost"): found wants the behaviour's
 * invariant violated, not wants it not violated. K6 (docs/known-behaviours.md: maps survive a reset at
 * no cost) is about QEMU's reset cycle, not about every flow of the search (a RAM resize breaks
 * pin-accounting inside its batch, a defect of its own): every invariant holds over the boot and the
 * cycle, and the cycle re-pins nothing ("K6", IOTLB_PERSIST acked) or pays the unmap and re-pin of
 * guest memory that IOTLB_PERSIST saves ("K6 cost", not acked). Null when the row has no ref, the
 * invariant was not checked, or the search stopped before deciding.
 */
export function refHolds(ref: string | undefined, cells: Readonly<Partial<Record<InvariantId, MatrixCell>>>, cycle?: ReferenceCycle): boolean | null {
  if (ref === undefined) return null;
  const [k, what] = ref.split(' ');
  if (k === 'K6') {
    if (cycle === undefined) return null;
    if (cycle.violations.length > 0) return false;
    const c = cycle.cost;
    return what === 'cost' ? c.pagesUnpinned > 0 && c.pagesPinned > 0 : c.pagesUnpinned === 0 && c.pagesPinned === 0 && c.iotlbMessages === 0;
  }
  const id = k !== undefined && Object.hasOwn(REF_INVARIANT, k) ? REF_INVARIANT[k] : undefined;
  const cell = id === undefined ? undefined : cells[id];
  if (cell === undefined || cell.result === 'not-applicable') return null;
  if (what === 'found') return cell.result === 'violation' ? true : cell.result === 'pass' ? false : null;
  if (what === 'not') return cell.result === 'violation' ? false : cell.result === 'pass' ? true : null;
  return null;
}

const TRACE_SUFFIXES = ['.itf.json', '.txt', '.html'];

/** Removes the trace files a previous run left in `dir` (only those), so that none outlives its verdict. */
async function clearTraces(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) if (TRACE_SUFFIXES.some((s) => n.endsWith(s))) await rm(join(dir, n), { force: true });
}

async function checkRow(row: MatrixRow, o: MatrixOptions, out: string | undefined, build: (c: Config) => Promise<CheckTarget>, deps: MatrixDeps, watch: StopWatch | undefined): Promise<MatrixRowJson> {
  const base: Config = { system: row.system, kernel: row.kernel, parent: row.parent, userspace: row.userspace, invariants: undefined, bounds: o.bounds, ...(o.reduce !== undefined ? { reduce: o.reduce } : {}), ...(o.por !== undefined ? { por: o.por } : {}) };
  let target = await build(base);
  if (o.invariants !== undefined) {
    const chosen = o.invariants.filter((id) => target.applicable.includes(id));
    target = await build({ ...base, invariants: chosen });
  }
  const run = runCheck(target, { explore: watched(deps.explore ?? bfsExplore, watch) });
  // Only with --out: a matrix run writes nothing unasked.
  const dir = out === undefined ? undefined : join(out, rowSlug(row));
  const written = new Map<string, string>();
  if (dir !== undefined) {
    await clearTraces(dir);
    const first = run.traces.filter((t, i) => run.traces.findIndex((u) => u.violation.invariant === t.violation.invariant) === i);
    const paths = await writeTracesForOut('matrix', out!, dir, first, { verdict: run.json.verdict, config: run.json.config });
    first.forEach((t, i) => written.set(t.violation.invariant, paths[i * 3]!));
  }
  const cells: Partial<Record<InvariantId, MatrixCell>> = {};
  for (const id of target.applicable) {
    if (o.invariants !== undefined && !o.invariants.includes(id)) continue;
    const v = run.json.violations.find((x) => x.invariant === id);
    const causes = run.json.violations.filter((x) => x.invariant === id && x.cause !== undefined)
      .map((x) => ({ class: x.class!, length: x.length, cause: x.cause!.key }));
    const trace = written.get(id);
    const found = run.explored.violations.find((x) => x.propertyId === id);
    const cost = found !== undefined && target.costOf !== undefined ? target.costOf(found.actions) : undefined;
    cells[id] = v !== undefined
      ? { result: 'violation', length: v.length, ...(causes.length > 0 ? { causes } : {}), ...(trace !== undefined ? { trace } : {}), ...(cost !== undefined ? { cost } : {}) }
      : { result: run.json.complete ? 'pass' : 'incomplete' };
  }
  for (const id of o.invariants ?? INVARIANT_IDS) if (cells[id] === undefined && !target.applicable.includes(id)) cells[id] = { result: 'not-applicable' };
  const cycle = cycleOf(target);
  const s = run.json.stats;
  return {
    config: run.json.config,
    ref: row.why ?? null,
    verdict: run.json.verdict,
    complete: run.json.complete,
    stats: { distinctStates: s.distinctStates, depth: s.depth, seconds: s.seconds },
    invariants: cells,
    cycle: typeof cycle === 'string' ? null : cycle.cost,
    traceDir: written.size > 0 && dir !== undefined ? dir : null,
    stoppedBy: run.json.stoppedBy,
    refHolds: refHolds(row.why, cells, typeof cycle === 'string' ? undefined : cycle),
  };
}

/** Short column heads, with the legend printed under the table. */

function cellText(c: MatrixCell | undefined): string {
  if (c === undefined) return '–';
  switch (c.result) {
    case 'pass': return 'pass';
    case 'violation': {
      if (c.causes === undefined || c.causes.length === 0) return `✗${c.length ?? '?'}`;
      // the shortest trace of each class present: ✗K6 D5 U4
      const parts: string[] = [];
      for (const cls of VIOLATION_CLASSES) {
        const ls = c.causes.filter((x) => x.class === cls).map((x) => x.length);
        if (ls.length > 0) parts.push(`${CLASS_LETTER[cls]}${Math.min(...ls)}`);
      }
      return `✗${parts.join(' ')}`;
    }
    case 'not-applicable': return '–';
    case 'incomplete': return '…';
  }
}

export const costText = (c: Cost | null): string =>
  c === null ? '–' : `${c.iotlbMessages} ${c.pagesPinned}/${c.pagesUnpinned} ${c.setMapCalls}/${c.dmaMapCalls}/${c.dmaUnmapCalls} ${c.vqTeardowns}`;

/** Items joined by `sep` into lines of at most `width` characters. */
function wrap(items: readonly string[], sep: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const it of items) {
    if (cur !== '' && cur.length + sep.length + it.length > width) { lines.push(cur); cur = ''; }
    cur = cur === '' ? it : cur + sep + it;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

/** The table, readable at 120 columns, then the legend and the trace directories. */
export function renderMatrix(m: MatrixJson): string {
  const ids = m.invariants;
  const row = (cfg: string, ref: string, cells: readonly string[], states: string, secs: string, cost: string): string =>
    `${cfg.padEnd(32)} ${ref.padEnd(8)} ${cells.map((c) => c.padEnd(c.length >= 5 ? c.length + 1 : 5)).join('')}${states.padStart(7)} ${secs.padStart(5)}  ${cost}`.trimEnd();
  const lines: string[] = [];
  lines.push(`${TOOL} ${VERSION} matrix: ${m.rows.length} configurations, default bounds, ${m.seconds.toFixed(0)} s`);
  lines.push('');
  lines.push(row('kernel parent       userspace', 'ref', ids.map((id) => invariantHeading(id)), 'states', 'secs', 'cycle'));
  for (const r of m.rows) {
    const c = r.config;
    // a variant's name does not fit the column: it gets a line of its own above its row
    if (c.kernel.length > 6) lines.push(`variant ${c.kernel}:`);
    const kernel = c.kernel.length > 6 ? 'var' : c.kernel;
    const cfg = `${kernel.padEnd(6)} ${(c.parent ?? '(vfio)').padEnd(12)} ${c.userspace}`;
    lines.push(row(cfg, r.ref ?? '', ids.map((id) => cellText(r.invariants[id])), String(r.stats.distinctStates),
      r.stats.seconds.toFixed(1), costText(r.cycle)));
  }
  const counts = { pass: 0, violation: 0, incomplete: 0 };
  for (const r of m.rows) counts[r.verdict]++;
  lines.push('');
  lines.push(`${counts.pass} pass, ${counts.violation} with a violation, ${counts.incomplete} incomplete`);
  lines.push('pass: holds in every state within the bounds · ✗N: violated, shortest trace N steps · –: not applicable · …: incomplete');
  lines.push('✗K6 D5 U4: violated; the shortest trace of each class of cause: K kernel defect, D by design,');
  lines.push('  E environment (an injected fault, reported), U only reached by breaking a userspace contract clause');
  lines.push(...wrap(ids.map((id) => `${invariantHeading(id)} ${id}`), ' · ', 118));
  lines.push('cycle: QEMU\'s stop then start (guest reboot) from DRIVER_OK: IOTLB messages, pages pinned/unpinned,');
  lines.push('       set_map/dma_map/dma_unmap calls, mlx5 change_map VQ teardowns (vdpa-mc cost gives the details)');
  lines.push('ref: the behaviour of docs/known-behaviours.md the row stands for (found, or must not be found)');
  const withTraces = m.rows.filter((r) => r.traceDir !== null);
  if (withTraces.length > 0) {
    lines.push('');
    lines.push('counterexamples written (<invariant>.itf.json, .txt, .html):');
    for (const r of withTraces) {
      const names = Object.values(r.invariants).flatMap((c) => (c?.trace !== undefined ? [basename(c.trace, '.itf.json')] : []));
      lines.push(...wrap([`${r.traceDir}/ `, ...names], ' ', 112).map((l, i) => (i === 0 ? '  ' : '      ') + l));
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * Checks every row (filtered by --system), writing traces under `o.out` when given. Progress lines on
 * stderr unless --json. Throws UsageError when --invariants applies to no row.
 */
export async function runMatrix(o: MatrixOptions, io: CliIO, deps: MatrixDeps = {}, watch?: StopWatch): Promise<MatrixJson> {
  const build = deps.buildTarget ?? (await import('../systems/registry.js')).buildTarget;
  const rows = (deps.rows ?? matrixRows()).filter((r) => o.system === undefined || r.system === o.system);
  const out = o.out;
  const t0 = performance.now();
  if (o.invariants !== undefined) {
    // Before running anything: an invariant list that applies to no row is a mistake, not a pass of nothing.
    const systems = new Set(rows.map((r) => r.system));
    const fits = o.invariants.filter((id) => systemsOfInvariant(id).some((sys) => systems.has(sys)));
    if (fits.length === 0) {
      throw new UsageError(`vdpa-mc matrix: --invariants ${o.invariants.join(',')} applies to no row${o.system !== undefined ? ` of --system ${o.system}` : ''} (accepted: ${INVARIANT_IDS.filter((id) => systemsOfInvariant(id).some((sys) => systems.has(sys))).join(', ')})`);
    }
  }
  const results: MatrixRowJson[] = [];
  const w = String(rows.length).length;
  let stoppedBy: 'signal' | 'memory' | undefined;
  for (const [i, row] of rows.entries()) {
    const stop = watch?.shouldStop();
    if (stop !== undefined) {
      stoppedBy = stop;
      break;
    }
    const r = await checkRow(row, o, out, build, deps, watch);
    results.push(r);
    if (r.stoppedBy === 'signal' || r.stoppedBy === 'memory') stoppedBy = r.stoppedBy;
    const viol = Object.entries(r.invariants).filter(([, c]) => c?.result === 'violation').map(([id]) => id);
    if (!o.json) io.err(`[${String(i + 1).padStart(w)}/${rows.length}] ${row.system} ${rowSlug(row).padEnd(30)} ${r.verdict.padEnd(10)} ` +
      `${String(r.stats.distinctStates).padStart(7)} states ${r.stats.seconds.toFixed(1).padStart(5)} s` +
      `${viol.length > 0 ? `  ${viol.join(', ')}` : ''}\n`);
  }
  const present = new Set<InvariantId>();
  for (const r of results) for (const [id, c] of Object.entries(r.invariants)) if (c !== undefined && c.result !== 'not-applicable') present.add(id as InvariantId);
  const invariants = INVARIANT_IDS.filter((id) => present.has(id) && (o.invariants === undefined || o.invariants.includes(id)));
  return { tool: TOOL, version: VERSION, invariants, seconds: (performance.now() - t0) / 1000, ...(stoppedBy !== undefined ? { stoppedBy } : {}), rows: results };
}

/** 12 when a reference row contradicts its expectation, else 3 when a row is incomplete (or rows were not run), else 0. */
export function matrixExitCode(m: MatrixJson, rowsWanted: number): 0 | 3 | 12 {
  if (m.rows.some((r) => r.refHolds === false)) return 12;
  if (m.stoppedBy !== undefined || m.rows.length < rowsWanted || m.rows.some((r) => r.verdict === 'incomplete')) return 3;
  return 0;
}

/**
 * `vdpa-mc matrix`. Violations are its content (several rows stand for known bugs that must be
 * found), not a failure: exit 12 only when a reference row contradicts its expectation (a known
 * behaviour not found, or found where it must not be), 3 when a row is incomplete, 129/130/143 after
 * a signal; bad usage is 2 as everywhere.
 */
export async function matrixCommand(o: MatrixOptions, io: CliIO, deps: MatrixDeps & { readonly watchSignals?: boolean } = {}): Promise<number> {
  const { checkCiOutputs, writeCiOutputs } = await import('./ci-output.js');
  if (o.ci !== undefined) checkCiOutputs('vdpa-mc matrix', o.ci);
  const watch = await startStopWatch(o.maxMemory ?? defaultMaxMemory(), deps.watchSignals ?? true);
  let m: MatrixJson;
  try {
    m = await runMatrix(o, io, deps, watch);
  } finally {
    await watch.dispose();
  }
  const wanted = (deps.rows ?? matrixRows()).filter((r) => o.system === undefined || r.system === o.system).length;
  const sig = watch.signal();
  if (o.ci !== undefined) {
    writeCiOutputs(o.ci, m.rows.map((r) => ({
      config: r.config, verdict: r.verdict, complete: r.complete, stoppedBy: r.stoppedBy,
      stats: r.stats,
      violations: Object.entries(r.invariants).flatMap(([id, c]) => c?.result === 'violation'
        ? [{ invariant: id, message: `violated in ${c.length ?? '?'} steps${c.trace !== undefined ? ` (${c.trace})` : ''}`, length: c.length ?? 0, steps: [] }] : []),
    })));
  }
  io.out(o.json ? JSON.stringify(m, null, 2) + '\n' : renderMatrix(m));
  const contradicted = m.rows.filter((r) => r.refHolds === false);
  if (!o.json && contradicted.length > 0) {
    io.out(`\nreference rows that contradict their expectation: ${contradicted.map((r) => `${[r.config.kernel, r.config.parent, r.config.userspace].filter((x) => x !== null).join("-")} (${r.ref})`).join(', ')}\n`);
  }
  return sig !== undefined && m.stoppedBy === 'signal' ? signalExitCode(sig) : matrixExitCode(m, wanted);
}
