// `npm run bench:peers`: the same models in vdpa-mc, SPIN and Quint, side by side (issue 8).
// Installs SPIN (apt) and Quint (npm, private prefix) when missing, runs every row several times,
// prints the table and writes the `bench:peers` section of BENCHMARKS.md. Exits 1 when vdpa-mc and
// SPIN disagree on any count (then BENCHMARKS.md is left alone).
//   node dist/bench/peers/run.js [--quick] [--runs N] [--only TEXT] [--no-quint] [--no-write]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL_CASES, QUICK_CASES, type PeerCase } from './cases.js';
import type { ChildJob, ChildResult } from './vdpamc-child.js';
import { buildPan, runPan } from './spin.js';
import { instantiateQuint, runQuint, type QuintRun } from './quint.js';
import { ensureQuint, ensureSpin, gccVersion, quintVersion, spinVersion } from './tools.js';
import { renderSection, renderTables, shortfalls, writeSection, type RowResult } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Steps per Quint throughput run (its simulator does a few thousand a second here). */
const QUINT_STEPS = 6000;
/** Samples a Quint run may try before giving up on finding the violation. */
const QUINT_CEX_SAMPLES = 500;
const compiled = import.meta.url.endsWith('.js');

function repoRoot(): string {
  for (let d = here; d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'bench', 'peers', 'promela'))) return d;
  }
  throw new Error(`bench:peers: cannot find the repository root above ${here}`);
}

interface Options {
  readonly quick: boolean;
  readonly runs: number;
  readonly only: string | undefined;
  readonly quint: boolean;
  readonly write: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let quick = false, runs = 3, only: string | undefined, quint = true, write = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--no-quint') quint = false;
    else if (a === '--no-write') write = false;
    else if (a === '--runs' && i + 1 < argv.length) runs = Number(argv[++i]);
    else if (a === '--only' && i + 1 < argv.length) only = argv[++i];
    else {
      console.error(`bench:peers: unknown argument '${a}' (use --quick, --runs N, --only TEXT, --no-quint, --no-write)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(runs) || runs < 1) {
    console.error('bench:peers: --runs needs a positive integer');
    process.exit(2);
  }
  return { quick, runs, only, quint, write };
}

/** One vdpa-mc run in a fresh Node process. */
function runChild(job: ChildJob): ChildResult {
  const child = join(here, compiled ? 'vdpamc-child.js' : 'vdpamc-child.ts');
  const args = compiled ? [child, JSON.stringify(job)] : ['--import', 'tsx', child, JSON.stringify(job)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) {
    throw new Error(`vdpa-mc child failed (exit ${r.status ?? r.signal}) on ${JSON.stringify(job)}:\n${r.stdout}${r.stderr}`);
  }
  return JSON.parse(last) as ChildResult;
}

/** The run with the median time (odd counts: the middle one). */
function median<T>(xs: readonly T[], time: (x: T) => number): T {
  const sorted = [...xs].sort((a, b) => time(a) - time(b));
  return sorted[(sorted.length - 1) >> 1]!;
}

function repeat<T>(n: number, f: (i: number) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(f(i));
  return out;
}

/** `n` runs of each of two tools, interleaved (a, b, a, b...), so that both meet the same load on a shared machine. */
function interleave<A, B>(n: number, a: () => A, b: () => B): [A[], B[]] {
  const as: A[] = [];
  const bs: B[] = [];
  for (let i = 0; i < n; i++) {
    as.push(a());
    bs.push(b());
  }
  return [as, bs];
}

function sameCounts(what: string, xs: readonly ChildResult[], mismatches: string[]): void {
  const key = (r: ChildResult): string => `${r.distinct}/${r.transitions}/${r.depth}/${r.violation?.length ?? '-'}`;
  if (new Set(xs.map(key)).size > 1) mismatches.push(`${what}: vdpa-mc is not deterministic across runs (${xs.map(key).join(', ')})`);
}

function runCase(c: PeerCase, o: Options, root: string, quint: string | undefined): RowResult {
  const mismatches: string[] = [];
  const work = join(root, 'bench', 'peers', '.work', c.id.replace(/[^A-Za-z0-9=_+-]+/g, '_'));
  const pml = join(root, 'bench', 'peers', 'promela', c.pml);
  const log = (s: string): void => console.error(`[peers] ${c.id}: ${s}`);

  // The visited table's size, the same for both tools: pan's -w and vdpa-mc's store hint (2^hashLog2
  // slots each), from the distinct states of a first vdpa-mc run, which is not timed.
  const sizing = runChild({ spec: c.spec, check: c.holds });
  const hashLog2 = Math.max(18, Math.ceil(Math.log2(Math.max(2, sizing.distinct))) + 1);

  // Exhaustive runs, the two tools' runs interleaved (vdpa-mc, pan, vdpa-mc, pan...) so that both meet
  // the same load on a shared machine; SPIN DFS for the speed, BFS (below) for the depth.
  const defines = [...c.spinDefines, ...(c.holds ? ['-DCHECK'] : [])];
  const dfsBuild = buildPan(pml, join(work, 'dfs'), defines, false);
  const [mcRuns, panRuns] = interleave(o.runs, () => runChild({ spec: c.spec, check: c.holds, tableLog2: hashLog2 }), () => runPan(dfsBuild, hashLog2));
  sameCounts(c.id, [sizing, ...mcRuns], mismatches);
  const mc = median(mcRuns, (r) => r.seconds);
  log(`vdpa-mc ${mc.distinct} states, depth ${mc.depth}, ${Math.round(mc.statesPerSecond)} gen/s`);
  if (mc.stoppedBy !== 'exhausted') mismatches.push(`${c.id}: vdpa-mc stopped by ${mc.stoppedBy}, not exhausted`);
  const spinDfs = median(panRuns, (r) => r.seconds);
  const bfsBuild = buildPan(pml, join(work, 'bfs'), defines, true);
  const spinBfs = runPan(bfsBuild, hashLog2);
  log(`SPIN ${spinDfs.stored} states, BFS depth ${spinBfs.depth}, ${Math.round((spinDfs.transitions - 1) / spinDfs.seconds)} gen/s`);
  const agree = (what: string, a: number, b: number): void => {
    if (a !== b) mismatches.push(`${c.id}: ${what}: vdpa-mc ${a}, SPIN ${b}`);
  };
  agree('distinct states', mc.distinct, spinDfs.stored);
  agree('distinct states (SPIN -DBFS)', mc.distinct, spinBfs.stored);
  agree('depth (SPIN -DBFS)', mc.depth, spinBfs.depth);
  agree('transitions + initial states', mc.transitions + mc.initial, spinDfs.transitions);
  agree('transitions + initial states (SPIN -DBFS)', mc.transitions + mc.initial, spinBfs.transitions);
  if (spinDfs.errors !== 0 || spinBfs.errors !== 0) mismatches.push(`${c.id}: SPIN reported errors on an exhaustive run (${dfsBuild.commands.join('; ')})`);

  // Quint: throughput on the same invariant when it holds (else on `true`).
  let quintRun: QuintRun | undefined;
  let qfile: string | undefined;
  const maxSteps = Math.min(80, Math.max(20, 2 * mc.depth));
  if (quint !== undefined) {
    qfile = instantiateQuint(join(root, 'bench', 'peers', 'quint', c.qnt), join(work, 'quint'), c.quintParams);
    const samples = Math.max(50, Math.round(QUINT_STEPS / maxSteps));
    const qs = repeat(o.runs, (i) => runQuint(quint, qfile!, c.holds ? c.quintInvariant : 'true', samples, maxSteps, `0x${(i + 1).toString(16)}`));
    quintRun = median(qs, (r) => r.simSeconds);
    if (qs.some((q) => q.violated)) mismatches.push(`${c.id}: Quint found a violation of an invariant that SPIN and vdpa-mc prove`);
    log(`Quint ${Math.round(quintRun.steps / quintRun.simSeconds)} steps/s`);
  }

  let cex: RowResult['cex'];
  if (!c.holds) {
    const cexBuild = buildPan(pml, join(work, 'cex'), [...c.spinDefines, '-DCHECK'], true);
    const [mcCexRuns, spinCexRuns] = interleave(o.runs, () => runChild({ spec: c.spec, check: true, tableLog2: hashLog2 }), () => runPan(cexBuild, hashLog2));
    const mcCex = median(mcCexRuns, (r) => r.seconds);
    const spinCex = median(spinCexRuns, (r) => r.seconds);
    if (mcCex.violation === undefined) mismatches.push(`${c.id}: vdpa-mc found no violation, SPIN did`);
    if (spinCex.errors === 0 || spinCex.trailLength === undefined) mismatches.push(`${c.id}: SPIN -DBFS found no violation`);
    else if (mcCex.violation !== undefined) agree('shortest counterexample length', mcCex.violation.length, spinCex.trailLength);
    let quintCex: QuintRun | undefined;
    let found = 0;
    if (quint !== undefined) {
      const qs = repeat(o.runs, (i) => runQuint(quint, qfile!, c.quintInvariant, QUINT_CEX_SAMPLES, maxSteps, `0x${(i + 101).toString(16)}`));
      found = qs.filter((q) => q.violated).length;
      quintCex = median(qs, (q) => q.simSeconds);
    }
    cex = { mc: mcCex, spin: spinCex, quint: quintCex, quintFound: found, quintRuns: quint === undefined ? 0 : o.runs };
    log(`counterexample: vdpa-mc ${mcCex.violation?.length} steps, SPIN ${spinCex.trailLength} steps`);
  }
  for (const m of mismatches) console.error(`[peers] MISMATCH ${m}`);
  return { c, mc, spinDfs, spinBfs, quint: quintRun, ...(cex === undefined ? {} : { cex }), mismatches };
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const load0 = loadavg().map((x) => x.toFixed(1)).join(' ');
  const root = repoRoot();
  ensureSpin();
  const quint = o.quint ? ensureQuint(join(root, 'bench', 'peers', '.tools')) : undefined;
  const cases = (o.quick ? QUICK_CASES : FULL_CASES).filter((c) => o.only === undefined || c.id.includes(o.only));
  const rows: RowResult[] = [];
  for (const c of cases) rows.push(runCase(c, o, root, quint));

  const versions: Record<string, string> = {
    node: process.version,
    spin: spinVersion().replace(/^Spin Version /, '').replace(/ --.*$/, ''),
    gcc: gccVersion().replace(/^gcc \(.*?\) /, ''),
  };
  if (quint !== undefined) versions['quint'] = quintVersion(quint);
  const info = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    load: `${load0} at the start, ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end`,
    versions,
    runs: o.runs,
    command: `${compiled ? 'node dist/bench/peers/run.js' : 'node --import tsx bench/peers/run.ts'}${process.argv.slice(2).map((a) => ` ${a}`).join('')}`,
    seconds: (performance.now() - t0) / 1000,
  };
  console.log(renderTables(rows));
  const short = shortfalls(rows);
  if (short.length > 0) {
    console.log('\nTargets missed:');
    for (const s of short) console.log(`- ${s}`);
  }
  const mismatches = rows.flatMap((r) => r.mismatches);
  if (mismatches.length > 0) {
    console.error(`\nbench:peers: vdpa-mc and SPIN DISAGREE (${mismatches.length}); BENCHMARKS.md not written:`);
    for (const m of mismatches) console.error(`  ${m}`);
    process.exit(1);
  }
  console.log(`\nvdpa-mc and SPIN agree exactly on distinct states, depth and transitions of all ${rows.length} rows.`);
  if (o.write) {
    const notesFile = join(root, 'bench', 'peers', 'notes.md');
    const notes = existsSync(notesFile) ? [readFileSync(notesFile, 'utf8').trim()] : [];
    writeSection(join(root, 'BENCHMARKS.md'), renderSection(rows, info, notes));
    console.log('BENCHMARKS.md: bench:peers section written.');
  }
}

main();
