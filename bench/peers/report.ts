// The peers table in Markdown, and its section of BENCHMARKS.md (other benchmarks own other sections).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { PeerCase } from './cases.js';
import type { ChildResult } from './vdpamc-child.js';
import type { PanRun } from './spin.js';
import type { QuintRun } from './quint.js';

export const SECTION_BEGIN = '<!-- bench:peers -->';
export const SECTION_END = '<!-- /bench:peers -->';

export interface RowResult {
  readonly c: PeerCase;
  readonly mc: ChildResult;
  readonly spinDfs: PanRun;
  readonly spinBfs: PanRun;
  readonly quint: QuintRun | undefined;
  readonly cex?: {
    readonly mc: ChildResult;
    readonly spin: PanRun;
    readonly quint: QuintRun | undefined;
    readonly quintFound: number;
    readonly quintRuns: number;
  };
  /** Disagreements between vdpa-mc and SPIN (empty when they agree exactly). */
  readonly mismatches: readonly string[];
}

export interface RunInfo {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  /** Load averages (1, 5, 15 min): other work on the machine during the run. */
  readonly load: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly runs: number;
  readonly command: string;
  readonly seconds: number;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const k = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0));
const mb = (b: number | undefined): string => (b === undefined ? 'n/a' : `${(b / (1 << 20)).toFixed(0)} MB`);
const sec = (s: number): string => (s < 0.1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
const ratio = (r: number): string => (r >= 10 ? r.toFixed(0) : r.toFixed(2));

export function quintStepsPerSecond(q: QuintRun): number {
  return q.steps / q.simSeconds;
}

export function renderTables(rows: readonly RowResult[]): string {
  const L: string[] = [];
  L.push('| model | variant | size | invariant checked | distinct states (vdpa-mc = SPIN) | depth (= SPIN BFS) | transitions | vdpa-mc gen/s | SPIN gen/s | vdpa-mc / SPIN | vdpa-mc peak RSS | SPIN peak RSS (pan total) | B/state vdpa-mc | B/state SPIN | Quint samples/s | Quint steps/s | vdpa-mc / Quint |');
  L.push('|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    const mcRate = r.mc.statesPerSecond;
    const spinRate = (r.spinDfs.transitions - 1) / r.spinDfs.seconds;
    const q = r.quint;
    const qSteps = q === undefined ? undefined : quintStepsPerSecond(q);
    const agree = r.mismatches.length === 0 ? '' : ' **MISMATCH**';
    L.push(`| ${r.c.model} | ${r.c.variant} | ${r.c.size} | ${r.c.holds ? 'yes' : 'no (violated)'} | ${int(r.mc.distinct)}${agree} | ${r.mc.depth} | ${int(r.mc.transitions)} | ${k(mcRate)} | ${k(spinRate)} | ${ratio(mcRate / spinRate)} | ${mb(r.mc.maxRssBytes)} | ${mb(r.spinDfs.maxRssBytes)} (${mb(r.spinDfs.totalMemoryBytes)}) | ${r.mc.bytesPerState.toFixed(1)} | ${(r.spinDfs.storeBytes / r.spinDfs.stored).toFixed(1)} | ${q === undefined ? 'n/a' : k(q.samples / q.simSeconds)} | ${qSteps === undefined ? 'n/a' : k(qSteps)} | ${qSteps === undefined ? 'n/a' : ratio(mcRate / qSteps)} |`);
  }
  const cex = rows.filter((r) => r.cex !== undefined);
  if (cex.length > 0) {
    L.push('');
    L.push('First counterexample (violated variants; vdpa-mc BFS, SPIN `-DBFS`, Quint random simulation):');
    L.push('');
    L.push('| model | variant | size | property | vdpa-mc time | vdpa-mc length | SPIN BFS time | SPIN BFS length | Quint found | Quint time | Quint length |');
    L.push('|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|');
    for (const r of cex) {
      const c = r.cex!;
      const q = c.quint;
      L.push(`| ${r.c.model} | ${r.c.variant} | ${r.c.size} | ${c.mc.violation?.propertyId ?? 'none!'} | ${sec(c.mc.seconds)} | ${c.mc.violation?.length ?? 'n/a'} | ${sec(c.spin.seconds)} | ${c.spin.trailLength ?? 'n/a'} | ${c.quintFound}/${c.quintRuns} | ${q === undefined ? 'n/a' : sec(q.simSeconds)} | ${q?.traceLength ?? 'n/a'} |`);
    }
  }
  return L.join('\n');
}

/** Targets of issue 8, row by row: returns lines saying where vdpa-mc falls short. */
export function shortfalls(rows: readonly RowResult[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const mcRate = r.mc.statesPerSecond;
    const spinRate = (r.spinDfs.transitions - 1) / r.spinDfs.seconds;
    if (mcRate < spinRate / 5) {
      out.push(`${r.c.id}: vdpa-mc ${k(mcRate)} gen/s is ${ratio(mcRate / spinRate)} of SPIN's ${k(spinRate)} (target 0.20): short by ${((spinRate / 5 / mcRate - 1) * 100).toFixed(0)} %`);
    }
    if (r.quint !== undefined) {
      const q = quintStepsPerSecond(r.quint);
      if (mcRate < 20 * q) out.push(`${r.c.id}: vdpa-mc ${k(mcRate)} gen/s is ${ratio(mcRate / q)}x Quint's ${k(q)} steps/s (target 20x)`);
    }
    const c = r.cex;
    if (c !== undefined && (c.mc.violation === undefined || (c.spin.trailLength !== undefined && c.mc.violation.length > c.spin.trailLength))) {
      out.push(`${r.c.id}: vdpa-mc counterexample length ${c.mc.violation?.length ?? 'none'} against SPIN BFS ${c.spin.trailLength ?? 'none'}`);
    }
  }
  return out;
}

export function renderSection(rows: readonly RowResult[], info: RunInfo, notes: readonly string[]): string {
  const v = Object.entries(info.versions).map(([name, ver]) => `${name} ${ver}`).join(' · ');
  const short = shortfalls(rows);
  return [
    SECTION_BEGIN,
    '## vdpa-mc against SPIN and Quint (`npm run bench:peers`)',
    '',
    `Machine: ${info.cpu}, ${info.cores} cores, ${info.memory}; every tool on one core; load average ${info.load}. ${v}.`,
    `Date: ${info.date}. Medians of ${info.runs} runs per tool and row (each run a fresh process; vdpa-mc's and pan's runs interleaved, after one untimed vdpa-mc run that sizes both tools' tables); the whole run took ${info.seconds.toFixed(0)} s (\`${info.command}\`).`,
    '',
    renderTables(rows),
    '',
    'How to read it:',
    '- Models: `bench/peers/{promela,quint,models}`; the same variables and guards in the three languages. SPIN runs one process whose `do` loop of `d_step`s (guard first) makes each stored state one world of the vdpa-mc model, so distinct states, BFS depth and transitions must agree exactly (the runner fails otherwise; SPIN\'s transitions count the initial state once more).',
    '- SPIN: `spin [-D...] -a`, `gcc -O2 -DNOREDUCE`, `./pan -m100000 -w<log2(states)+1>` (at least 18; depth from a second build with `-DBFS`); the visited store of vdpa-mc gets the same 2^w slots up front (`ExploreOptions.expectedStates`), a size hint for both. Generated/s = transitions / wall time of `./pan`; vdpa-mc: transitions / time of model set-up plus search inside its process (Node start-up, ~0.2 s, excluded). Peak RSS: `/usr/bin/time` for pan (pan\'s own "total actual memory usage", which counts its preallocated DFS stack and hash table, in brackets), `process.resourceUsage().maxRSS` for vdpa-mc. B/state: visited store only (vdpa-mc typed-array store, its table sized as for pan; SPIN states + hash table).',
    '- "invariant checked: no (violated)": the variant violates its invariant, so the exhaustive runs go without it (both tools would stop at the first violation) and the second table times the first counterexample with it, breadth-first in both tools.',
    '- Quint: `quint run --backend typescript`, samples/s and steps/s from its own timing (parsing and type checking excluded), on the same invariant when it holds and `--invariant true` when it does not (then its search for the violation is in the second table: found in how many of the runs, at most 500 samples each).',
    '',
    ...(short.length === 0 ? ['Targets (vdpa-mc ≥ 1/5 of SPIN\'s generated/s, ≥ 20x Quint\'s steps/s, counterexample no longer than SPIN\'s BFS one): met on every row.'] :
      ['Targets missed (vdpa-mc ≥ 1/5 of SPIN\'s generated/s, ≥ 20x Quint\'s steps/s, counterexample no longer than SPIN\'s BFS one):', '', ...short.map((s) => `- ${s}`)]),
    ...(notes.length === 0 ? [] : ['', ...notes]),
    SECTION_END,
  ].join('\n');
}

/** Replaces this benchmark's section of BENCHMARKS.md (or appends it, creating the file). */
export function writeSection(file: string, section: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const b = old.indexOf(SECTION_BEGIN);
  const e = old.indexOf(SECTION_END);
  let text: string;
  if (b >= 0 && e > b) text = old.slice(0, b) + section + old.slice(e + SECTION_END.length);
  else text = old.replace(/\n*$/, '\n\n') + section + '\n';
  writeFileSync(file, text);
}
