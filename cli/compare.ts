// `vdpa-mc compare --base X --patched Y`: patch semantics (systems/vdpa/compare.ts) as text or as
// design.md's JSON object. Exit 12 when the patched side regresses an invariant, else 0.
import { explore as bfsExplore } from '../explorer/bfs.js';
import type { FoundViolation, Progress } from '../explorer/explore-api.js';
import { notStarted } from '../explorer/result.js';
import { type Config, UsageError } from '../spec/config.js';
import { buildTarget } from '../systems/registry.js';
import type { CheckTarget } from '../systems/target.js';
import {
  compareInvariants, type BehaviourComparison, type Difference, type ExploreFn,
  type InvariantComparison, type SideRun,
} from '../systems/vdpa/compare.js';
import type { VfioBehaviourComparison } from '../systems/vfio/compare.js';
import { resolveKernel } from '../systems/vdpa/target.js';
import { runWithVariant, variantLabel } from '../systems/variant-module.js';
import { writeTracesForOut } from './trace-output.js';
import { defaultMaxMemory, signalExitCode, startStopWatch, type StopWatch, watched } from './signals.js';
import { toItf } from '../traces/itf.js';
import { renderText } from '../traces/text.js';
import { buildTrace, type Trace } from '../traces/trace.js';
import { jsonConfigOf, traceConfigOf, type CheckJsonConfig, type CheckJsonViolation } from './check.js';
import { type CliIO, useColor } from './io.js';
import type { CompareOptions } from './options.js';
import { TOOL, VERSION } from './version.js';
import { progressPrinter } from './progress.js';

export interface CompareJsonConfig extends CheckJsonConfig {
  /** The kernel's (or variant's) one-line description. */
  readonly description: string;
  /** The variant module's path as given, when the kernel is one. */
  readonly module?: string;
}

export interface CompareJsonInvariant {
  readonly id: string;
  readonly base: SideRun['verdict'];
  readonly patched: SideRun['verdict'];
  readonly change: InvariantComparison['change'];
  /** The shortest counterexample on each side that violates it (as in `check --json`). */
  readonly baseViolation?: CheckJsonViolation;
  readonly patchedViolation?: CheckJsonViolation;
}

export interface CompareJsonStep {
  readonly action: string;
  readonly label: string;
  readonly patchedLabel?: string;
  /** What the call returned on each side. */
  readonly base: string;
  readonly patched: string;
}

export interface CompareJsonDifference {
  readonly kind: Difference['kind'] | VfioBehaviourComparison['differences'][number]['kind'];
  readonly steps: readonly CompareJsonStep[];
  readonly base: string;
  readonly patched: string;
  /** 1-based step after which the sides first looked different (= steps.length for a first difference). */
  readonly divergedAt: number;
}

/** design.md's `vdpa-mc compare --json` object (with the traces and statistics added). */
export interface CompareJson {
  readonly tool: string;
  readonly version: string;
  readonly base: CompareJsonConfig;
  readonly patched: CompareJsonConfig;
  /** Every search (both sides' checks and the behavioural one) explored all it could within its bounds. */
  readonly complete: boolean;
  /**
   * What ended the comparison, as `check --json` says it: the reason of the first search (base,
   * patched, behaviour) that stopped undecided (time-limit, max-states, signal, memory); when all
   * decided, the behavioural search's (exhausted or max-depth).
   */
  readonly stoppedBy: string;
  /** The three searches' time together: within --time-limit, which bounds the whole comparison. */
  readonly seconds: number;
  /**
   * Searches not started, because --time-limit had run out (or a signal, --max-memory) before
   * their turn: their side is `incomplete`, the behaviour search found nothing. Absent when none.
   */
  readonly skipped?: readonly CompareSearch[];
  /** Counterexamples found whose trace was not built before --time-limit ran out. Absent when none. */
  readonly tracesNotBuilt?: readonly { readonly side: 'base' | 'patched'; readonly invariant: string }[];
  readonly invariants: readonly CompareJsonInvariant[];
  /** Per (invariant, cause): fixed, regressed or unchanged (a new cause under an invariant violated on both sides is a regression). */
  readonly causes: readonly { readonly invariant: string; readonly cause: string; readonly base: boolean; readonly patched: boolean; readonly change: string }[];
  readonly differences: readonly CompareJsonDifference[];
  readonly behaviour: {
    readonly complete: boolean;
    readonly maxDepth: number;
    readonly stoppedBy: string;
    readonly distinctStates: number;
    readonly seconds: number;
    /** Virtqueue groups whose DMA is compared (those both sides' parents have). */
    readonly groups: number;
  };
}

export interface CompareRun {
  readonly json: CompareJson;
  readonly base: CheckTarget;
  readonly patched: CheckTarget;
  readonly rows: readonly InvariantComparison[];
  readonly behaviour: BehaviourComparison | VfioBehaviourComparison;
  /** Counterexample traces by side and invariant. */
  readonly traces: { readonly base: readonly Trace[]; readonly patched: readonly Trace[] };
  readonly sidesComplete: { readonly base: boolean; readonly patched: boolean };
  /** 12 a regression, 3 incomplete (a bound, a signal or memory stopped a search), else 0. */
  readonly exitCode: 0 | 3 | 12;
}

export interface CompareDeps {
  readonly buildTarget?: (config: Config) => Promise<CheckTarget>;
  readonly explore?: ExploreFn;
  /** Live figures of each of the three searches: each side's check, then the behavioural comparison. */
  readonly onProgress?: (search: CompareSearch, p: Progress) => void;
  /** Called once both targets are built, before the first search (the progress header). */
  readonly onStart?: (base: CheckTarget, patched: CheckTarget) => void;
}

export type CompareSearch = 'base' | 'patched' | 'behaviour';

async function jsonConfig(config: Config, t: CheckTarget): Promise<CompareJsonConfig> {
  const k = t.kernel ?? await resolveKernel(config.kernel, t.config.bounds.timeLimit);
  return {
    ...jsonConfigOf(t),
    description: k.description,
    ...(k.name !== config.kernel ? { module: config.kernel } : {}),
  };
}

function violationJson(t: Trace): CheckJsonViolation {
  return {
    invariant: t.violation.invariant,
    message: t.violation.message,
    length: t.steps.length,
    steps: t.steps.map((s) => ({ action: s.kind, label: s.label })),
    trace: toItf(t),
  };
}

/**
 * A variant's load error names the option it came from: the loaders say `--kernel PATH`, which in
 * compare is `--base PATH` or `--patched PATH`.
 */
async function asSide(built: Promise<CheckTarget>, side: 'base' | 'patched'): Promise<CheckTarget> {
  try {
    return await built;
  } catch (e) {
    if (e instanceof UsageError && e.message.startsWith('--kernel ')) throw new UsageError(`--${side} ${e.message.slice('--kernel '.length)}`);
    throw e;
  }
}

/** Builds both targets, runs both checks and the behavioural comparison. */
export async function runCompare(o: CompareOptions, deps: CompareDeps = {}, watch?: StopWatch): Promise<CompareRun> {
  const build = deps.buildTarget ?? buildTarget;
  const base = await asSide(build(o.base), 'base');
  const patched = await asSide(build(o.patched), 'patched');
  const bounds = base.config.bounds;
  // --time-limit bounds the whole comparison: the three searches in turn get what is left of it,
  // less a share kept for building the traces after them (a tenth, at most 2 s); a search whose
  // turn comes after its end is not started (incomplete, stopped by time), as after a signal.
  const start = performance.now();
  const end = start + bounds.timeLimit * 1000;
  const searchEnd = end - Math.min(bounds.timeLimit * 100, 2000);
  const engine: ExploreFn = watched(deps.explore ?? bfsExplore, watch);
  deps.onStart?.(base, patched);
  const report = deps.onProgress;
  // Which search a model belongs to: a side's own model, else the behavioural product of both.
  const searchOf = (model: unknown): CompareSearch => (model === base.model ? 'base' : model === patched.model ? 'patched' : 'behaviour');
  const skipped: CompareSearch[] = [];
  const explore: ExploreFn = (model, options) => {
    const left = (searchEnd - performance.now()) / 1000;
    const stop = left <= 0 ? 'time-limit' : watch?.shouldStop();
    if (stop !== undefined) {
      skipped.push(searchOf(model));
      return notStarted(model.actionKinds, stop);
    }
    return engine(model, {
      ...options,
      timeLimitSeconds: Math.min(options.timeLimitSeconds ?? Infinity, left),
      ...(report !== undefined ? { onProgress: (p: Progress) => report(searchOf(model), p) } : {}),
    });
  };
  const limits = { maxDepth: bounds.maxDepth, maxStates: bounds.maxStates, timeLimitSeconds: bounds.timeLimit };
  // Variant code (user code) runs in these searches: contained (systems/variant-module.ts), under
  // the one --time-limit the searches share (an op that never returns is named with the limit given).
  const v = patched.variant ?? base.variant;
  const contain = <T>(fn: () => T): T => (v === undefined ? fn() : runWithVariant(variantLabel(v), bounds.timeLimit, fn));
  const inv = contain(() => compareInvariants(base, patched, explore));
  const compare = base.compareBehaviour;
  if (compare === undefined) throw new UsageError(`compare: --system ${o.base.system} has no patch semantics in this build`);
  const behaviour: BehaviourComparison | VfioBehaviourComparison = contain(() => compare(patched, limits, explore));
  // The traces, in turn, until --time-limit's end: those not built are listed (JSON) and said (text).
  const tracesNotBuilt: { side: 'base' | 'patched'; invariant: string }[] = [];
  const traceOf = (t: CheckTarget, side: 'base' | 'patched', v: FoundViolation<unknown> | undefined): Trace | undefined => {
    if (v === undefined) return undefined;
    if (performance.now() >= end) {
      tracesNotBuilt.push({ side, invariant: v.propertyId });
      return undefined;
    }
    return buildTrace(t.model, v, traceConfigOf(t), `${TOOL} ${VERSION}`);
  };
  const traces = { base: [] as Trace[], patched: [] as Trace[] };
  const invariants: CompareJsonInvariant[] = inv.rows.map((r) => {
    const tb = traceOf(base, 'base', r.base.violation);
    const tp = traceOf(patched, 'patched', r.patched.violation);
    if (tb !== undefined) traces.base.push(tb);
    if (tp !== undefined) traces.patched.push(tp);
    return {
      id: r.id,
      base: r.base.verdict,
      patched: r.patched.verdict,
      change: r.change,
      ...(tb !== undefined ? { baseViolation: violationJson(tb) } : {}),
      ...(tp !== undefined ? { patchedViolation: violationJson(tp) } : {}),
    };
  });
  // A side's search that stopped because every invariant it checks was violated has decided them all.
  const decided = (r: typeof inv.base): boolean => r === undefined || r.complete || r.stoppedBy === 'violation';
  const sidesComplete = { base: decided(inv.base), patched: decided(inv.patched) };
  const json: CompareJson = {
    tool: TOOL,
    version: VERSION,
    base: await jsonConfig(o.base, base),
    patched: await jsonConfig(o.patched, patched),
    complete: behaviour.complete && sidesComplete.base && sidesComplete.patched,
    stoppedBy: [...(sidesComplete.base ? [] : [inv.base!.stoppedBy]), ...(sidesComplete.patched ? [] : [inv.patched!.stoppedBy]), behaviour.stoppedBy][0]!,
    seconds: (inv.base?.stats.seconds ?? 0) + (inv.patched?.stats.seconds ?? 0) + behaviour.seconds,
    ...(skipped.length > 0 ? { skipped } : {}),
    ...(tracesNotBuilt.length > 0 ? { tracesNotBuilt } : {}),
    invariants,
    causes: inv.causes,
    differences: behaviour.differences.map((d) => ({
      kind: d.kind,
      steps: d.steps.map((s) => ({
        action: s.kind,
        label: s.label,
        ...(s.patchedLabel !== undefined ? { patchedLabel: s.patchedLabel } : {}),
        base: s.base,
        patched: s.patched,
      })),
      base: d.base,
      patched: d.patched,
      divergedAt: d.divergedAt,
    })),
    behaviour: {
      complete: behaviour.complete,
      maxDepth: behaviour.maxDepth,
      stoppedBy: behaviour.stoppedBy,
      distinctStates: behaviour.distinctStates,
      seconds: behaviour.seconds,
      groups: behaviour.groups,
    },
  };
  const exitCode = inv.rows.some((r) => r.change === 'regressed') ? 12 : json.complete ? 0 : 3;
  return { json, base, patched, rows: inv.rows, behaviour, traces, sidesComplete, exitCode };
}

// ---- text ----

/** What a long compare prints before its progress: both kernels, the shared configuration, the bounds. */
export function compareHeader(base: CheckTarget, patched: CheckTarget): string {
  const c = base.config;
  const b = c.bounds;
  return [
    `${TOOL} ${VERSION} compare`,
    `base      kernel ${base.config.kernel}`,
    `patched   kernel ${patched.config.kernel}`,
    `with      system ${c.system}${c.parent !== undefined ? ` · parent ${c.parent}` : ''} · userspace ${c.userspace}`,
    `bounds    max depth ${n(b.maxDepth)} · max states ${n(b.maxStates)} · time limit ${b.timeLimit} s (the whole comparison: three searches, then the traces)`,
    `searches  base, patched (each side's invariants), behaviour (both sides in step)`,
  ].join('\n');
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

function paint(color: boolean, code: number, s: string): string {
  return color ? `\u001b[${code}m${s}\u001b[0m` : s;
}

function side(c: CompareJsonConfig): string {
  return `kernel ${c.kernel}${c.module !== undefined ? ` (${c.module})` : ''}: ${c.description}`;
}

function renderDifference(d: CompareJsonDifference, i: number): string {
  const out: string[] = [];
  const first = d.divergedAt === d.steps.length;
  const what = d.kind === 'backend-features' ? 'GET_BACKEND_FEATURES offers other bits'
    : d.kind === 'return' ? 'a call returns differently'
      : d.kind === 'next-call' ? 'the scripted userspace makes another call'
        : 'DMA lands elsewhere';
  const after = first ? '' : ` (follows from the difference at step ${d.divergedAt}; vhost-vdpa's iotlb is the same on both sides)`;
  out.push(`${i}. ${what}, after ${d.steps.length} step${d.steps.length === 1 ? '' : 's'}${after}`);
  const w = Math.min(90, Math.max(...d.steps.map((s) => s.label.length)));
  d.steps.forEach((s, k) => {
    const ret = s.base === s.patched ? s.base : `base ${s.base} · patched ${s.patched}`;
    const mark = k + 1 === d.divergedAt && d.kind !== 'backend-features' ? '   ← first difference' : '';
    out.push(`   ${String(k + 1).padStart(2)} ${s.label.padEnd(w)}  ${ret}${mark}`);
    if (s.patchedLabel !== undefined) out.push(`      on patched: ${s.patchedLabel}`);
  });
  out.push(`   base     ${d.base}`);
  out.push(`   patched  ${d.patched}`);
  return out.join('\n');
}

export function renderCompare(run: CompareRun, color: boolean): string {
  const { json } = run;
  const out: string[] = [];
  const b = run.base.config.bounds;
  out.push(`${TOOL} ${VERSION} compare`);
  out.push(`base      ${side(json.base)}`);
  out.push(`patched   ${side(json.patched)}`);
  out.push(`with      parent ${json.base.parent ?? '-'} · userspace ${json.base.userspace}`);
  out.push(`bounds    max depth ${n(b.maxDepth)} · max states ${n(b.maxStates)} · time limit ${b.timeLimit} s`);
  out.push('');
  out.push('invariants (each side explored alone)');
  const w = Math.max(...json.invariants.map((r) => r.id.length));
  for (const r of json.invariants) {
    const change = r.change === 'regressed' ? paint(color, 31, 'REGRESSED') : r.change === 'fixed' ? paint(color, 32, 'fixed') : r.change;
    out.push(`  ${r.id.padEnd(w)}  ${r.base.padEnd(10)} → ${r.patched.padEnd(10)} ${change}`);
  }
  const incomplete = (['base', 'patched'] as const).filter((s) => !run.sidesComplete[s]);
  if (incomplete.length > 0) out.push(`  (${incomplete.join(' and ')}: stopped before the depth bound; "incomplete" is not a pass)`);
  if (json.skipped !== undefined) out.push(`  (not started, stopped by ${json.stoppedBy} before their turn: ${json.skipped.join(', ')})`);
  if (json.tracesNotBuilt !== undefined) {
    out.push(`  (traces not built within --time-limit: ${json.tracesNotBuilt.map((t) => `${t.invariant} on ${t.side}`).join(', ')})`);
  }
  out.push('');
  const bh = json.behaviour;
  const how = bh.complete
    ? `every pair of worlds within depth ${n(bh.maxDepth)} explored`
    : `search stopped by ${bh.stoppedBy} before depth ${n(bh.maxDepth)}: more differences may exist`;
  const firsts = json.differences.filter((d) => d.divergedAt === d.steps.length).length;
  out.push(
    `behaviour as userspace sees it: ${json.differences.length === 0 ? 'no difference' : `${json.differences.length} difference${json.differences.length === 1 ? '' : 's'} (${firsts} first, ${json.differences.length - firsts} following from one)`}` +
      ` — ${how} (${n(bh.distinctStates)} pairs, ${bh.seconds.toFixed(1)} s; DMA compared for groups 0..${bh.groups - 1})`,
  );
  json.differences.forEach((d, i) => out.push('', renderDifference(d, i + 1)));
  return out.join('\n') + '\n';
}

/** Full traces for the invariants whose verdict changed; one line each for those violated on both sides. */
function tracesToShow(run: CompareRun): { full: { label: string; trace: Trace }[]; both: string[] } {
  const full: { label: string; trace: Trace }[] = [];
  const both: string[] = [];
  for (const r of run.rows) {
    const find = (list: readonly Trace[]): Trace | undefined => list.find((t) => t.violation.invariant === r.id);
    const tb = find(run.traces.base);
    const tp = find(run.traces.patched);
    if (r.change === 'unchanged') {
      if (tb !== undefined && tp !== undefined) {
        both.push(`  ${r.id}: violated on both sides (${tb.steps.length} steps on base, ${tp.steps.length} on patched)`);
      }
      continue;
    }
    if (tb !== undefined) full.push({ label: `${r.id} on base (${run.json.base.kernel}), ${r.change}`, trace: tb });
    if (tp !== undefined) full.push({ label: `${r.id} on patched (${run.json.patched.kernel}), ${r.change}`, trace: tp });
  }
  return { full, both };
}

/** The subcommand: cli.ts calls it with the parsed options. */
export async function compareCommand(o: CompareOptions, io: CliIO, deps: CompareDeps & { readonly watchSignals?: boolean } = {}): Promise<number> {
  const watch = await startStopWatch(o.maxMemory ?? defaultMaxMemory(), deps.watchSignals ?? true);
  let header = '';
  const progress = o.json ? undefined : progressPrinter({ write: (s) => io.err(s), isTTY: io.stderrIsTTY }, () => header);
  let run: CompareRun;
  try {
    run = await runCompare(o, {
      ...deps,
      ...(progress !== undefined ? {
        onStart: (b: CheckTarget, p: CheckTarget) => { header = compareHeader(b, p); },
        onProgress: (search: CompareSearch, p: Progress) => progress.search(search)(p),
      } : {}),
    }, watch);
  } finally {
    progress?.done();
    await watch.dispose();
  }
  const sig = watch.signal();
  const code = sig !== undefined && !run.json.complete ? signalExitCode(sig) : run.exitCode;
  const written: string[] = [];
  if (o.out !== undefined) {
    for (const [sideName, list] of [['base', run.traces.base], ['patched', run.traces.patched]] as const) {
      written.push(...await writeTracesForOut('compare', o.out, `${o.out}/${sideName}`, list));
    }
  }
  if (o.json) {
    io.out(JSON.stringify(run.json, null, 2) + '\n');
    return code;
  }
  const color = useColor(io);
  io.out(renderCompare(run, color));
  const shown = tracesToShow(run);
  for (const { label, trace } of shown.full) {
    io.out(`\n── ${label}\n` + renderText(trace, { color }));
  }
  if (shown.both.length > 0) {
    io.out(`\nunchanged violations (their traces: --json, or --out DIR):\n${shown.both.join('\n')}\n`);
  }
  if (o.out !== undefined) {
    io.out(written.length > 0 ? `\ntraces written:\n${written.map((p) => `  ${p}\n`).join('')}` : `\nno violation on either side: nothing written to ${o.out}\n`);
  }
  return code;
}
