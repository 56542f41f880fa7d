// `vdpa-mc check`: explore one CheckTarget and turn the explorer's result into design.md's JSON
// result object (and the text report). Loaded lazily by main.ts: it pulls in the engine.
import { explore as bfsExplore } from '../explorer/bfs.js';
import type { ActionCoverage, ExploreOptions, ExploreResult, Progress, StopReason } from '../explorer/explore-api.js';
import type { Model } from '../explorer/model.js';
import { UsageError } from '../spec/config.js';
import { runWithVariant, variantLabel } from '../systems/variant-module.js';
import type { CheckTarget, ViolationCause } from '../systems/target.js';
import type { FoundViolation } from '../explorer/explore-api.js';
import { toItf } from '../traces/itf.js';
import { buildTrace, type Trace } from '../traces/trace.js';
import { TOOL, VERSION } from './version.js';

export type Verdict = 'pass' | 'violation' | 'incomplete';

/** design.md's `config` object. `parent` is null for vfio (no parent), so the keys never vary. */
export interface CheckJsonConfig {
  readonly system: string;
  readonly kernel: string;
  readonly parent: string | null;
  readonly userspace: string;
  readonly maxDepth: number;
  readonly maxStates: number;
  readonly invariants: readonly string[];
}

export interface CheckJsonStats {
  readonly distinctStates: number;
  readonly transitions: number;
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly queueLeft: number;
  readonly collisionProbability: number;
  /** `--strategy random`: how many walks the swarm took (`transitions` counts their steps). */
  readonly walks?: number;
  /** `--por sleep`: listed actions not taken, asleep (`transitions` counts those taken). */
  readonly asleep?: number;
}

export interface CheckJsonStep {
  /** The action's kind (e.g. "iotlbInvalidate"). */
  readonly action: string;
  /** The model's label (e.g. "VHOST_IOTLB_INVALIDATE asid=0 iova=[0,2)"). */
  readonly label: string;
}

export interface CheckJsonViolation {
  readonly invariant: string;
  readonly message: string;
  /** The step and call that first made the layers disagree (systems with a judge: vdpa). */
  readonly cause?: ViolationCause;
  /** kernel-defect, by-design, userspace-contract, environment. */
  readonly class?: ViolationCause['class'];
  /** Observation: steps where the kernel returned 0 while a call inside failed and was ignored (vdpa). */
  readonly swallowed?: readonly { readonly step: number; readonly call: string }[];
  /** Contract clauses the trace breaks, with their steps (vdpa). */
  readonly breaks?: readonly { readonly clause: string; readonly step: number }[];
  /** Number of actions. */
  readonly length: number;
  readonly steps: readonly CheckJsonStep[];
  /** An ITF object. */
  readonly trace: unknown;
}

/** Exactly design.md's JSON result (`vdpa-mc check --json`). */
export interface CheckJson {
  readonly tool: string;
  readonly version: string;
  readonly config: CheckJsonConfig;
  readonly verdict: Verdict;
  readonly complete: boolean;
  /** What ended the search: exhausted, max-depth (both complete), max-states, time-limit, violation, signal, memory. */
  readonly stoppedBy: StopReason;
  readonly stats: CheckJsonStats;
  /** Per action kind: how often enabled, how often it led to a new state. */
  readonly coverage: readonly ActionCoverage[];
  /** e.g. an action kind never enabled (the run may be vacuous for it), an invariant without a property. */
  readonly warnings: readonly string[];
  readonly violations: readonly CheckJsonViolation[];
}

export type ExploreFn = <S, A>(model: Model<S, A>, options: ExploreOptions) => ExploreResult<A>;

export interface RunCheckOptions {
  /** Live figures, about once a second (the CLI prints them on stderr unless --json). */
  readonly onProgress?: (p: Progress) => void;
  /** The engine; explorer/bfs.ts's explore by default. */
  readonly explore?: ExploreFn;
  /** With a judge: distinct causes kept per invariant (default: all). */
  readonly tracesPerInvariant?: number;
  /** The frontier's memory budget and spill directory (explorer/spill.ts). */
  readonly frontier?: ExploreOptions['frontier'];
}

export interface CheckRun {
  readonly target: CheckTarget;
  readonly explored: ExploreResult<unknown>;
  /** One trace per violated invariant (per distinct cause with a judge), in the order of `json.violations`. */
  readonly traces: readonly Trace[];
  /** With a judge: the cause of each trace, in the same order. */
  readonly causes: readonly (ViolationCause | undefined)[];
  /** Things the user must know beyond the engine's own warnings (e.g. an invariant with no property). */
  readonly warnings: readonly string[];
  readonly json: CheckJson;
  readonly exitCode: ExitCode;
}

/** violation if any was found; else pass only when the search was complete; else incomplete. */
export function verdictOf(r: Pick<ExploreResult<unknown>, 'complete' | 'violations'>): Verdict {
  if (r.violations.length > 0) return 'violation';
  return r.complete ? 'pass' : 'incomplete';
}

export type ExitCode = 0 | 3 | 12;
/** 12 when an invariant is violated, 3 when a bound, a signal or memory stopped the run first (not a pass), else 0. */
export function exitCodeOf(v: Verdict): ExitCode {
  return v === 'violation' ? 12 : v === 'incomplete' ? 3 : 0;
}

export function jsonConfigOf(target: CheckTarget): CheckJsonConfig {
  const c = target.config;
  return {
    system: c.system,
    kernel: c.kernel,
    parent: c.parent ?? null,
    userspace: c.userspace,
    maxDepth: c.bounds.maxDepth,
    maxStates: c.bounds.maxStates,
    invariants: [...c.invariants],
  };
}

/**
 * What a trace records as its configuration (`#meta.config`): design.md's config, the time limit,
 * and for a kernel variant the module (name, absolute path, sha256; systems/trace-config.ts writes
 * the path relative to the trace file).
 */
export function traceConfigOf(target: CheckTarget): Record<string, unknown> {
  const v = target.variant;
  return {
    ...jsonConfigOf(target),
    timeLimit: target.config.bounds.timeLimit,
    ...(v !== undefined ? { variant: { name: v.name, path: v.abs, sha256: v.hash } } : {}),
  };
}

/**
 * Explores `target.model` within the target's resolved bounds, for the target's invariants,
 * collecting the shortest counterexample of each violated one. Throws UsageError when an asked-for
 * invariant does not apply to the configuration.
 */
export function runCheck(target: CheckTarget, options: RunCheckOptions = {}): CheckRun {
  const { config, model } = target;
  const prepared = prepareCheck(target, options);
  const explore = options.explore ?? bfsExplore;
  // A variant (user code) runs inside the search: contained (systems/variant-module.ts).
  const variant = target.variant;
  const raw = variant === undefined
    ? explore(model, prepared.exploreOptions)
    : runWithVariant(variantLabel(variant), config.bounds.timeLimit, () => explore(model, prepared.exploreOptions));
  return prepared.finish(raw);
}

/** A check cut in two around the search (cli/scale.ts runs the search its own way in between). */
export interface PreparedCheck {
  readonly exploreOptions: ExploreOptions;
  /** From the explorer's result to the check's (causes settled, traces built, JSON). */
  finish(raw: ExploreResult<unknown>): CheckRun;
}

export function prepareCheck(target: CheckTarget, options: RunCheckOptions = {}): PreparedCheck {
  const { config, model } = target;
  const notApplicable = config.invariants.filter((id) => !target.applicable.includes(id));
  if (notApplicable.length > 0) {
    throw new UsageError(
      `vdpa-mc check: --invariants "${notApplicable.join(',')}" does not apply to this ${config.system} configuration (accepted: ${target.applicable.join(', ')})`,
    );
  }
  const declared = new Set(model.properties().map((p) => p.id));
  const warnings = config.invariants
    .filter((id) => !declared.has(id))
    .map((id) => `invariant ${id} applies but the model declares no property for it: it was not checked`);
  const exploreOptions: ExploreOptions = {
    maxDepth: config.bounds.maxDepth,
    maxStates: config.bounds.maxStates,
    timeLimitSeconds: config.bounds.timeLimit,
    stopAtFirstViolation: false,
    propertyIds: config.invariants.filter((id) => declared.has(id)),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.frontier !== undefined ? { frontier: options.frontier } : {}),
    ...(target.config.por === 'sleep' ? { partialOrder: 'sleep' as const } : {}),
  };
  const judge = target.judge;
  const found = new Map<string, ViolationCause>();
  if (judge !== undefined) {
    (exploreOptions as { distinct?: ExploreOptions['distinct'] }).distinct = {
      key: (id, _init, actions) => {
        const c = judge.cause(id, actions);
        const k = c.breaks === undefined ? c.key : `${c.key} | breaks ${c.breaks.clause}`;
        if (!found.has(`${id}\n${k}`)) found.set(`${id}\n${k}`, c); // the first is the kept (shortest) one
        return k;
      },
      ...(options.tracesPerInvariant !== undefined ? { perProperty: options.tracesPerInvariant } : {}),
    };
  }
  return { exploreOptions, finish: (raw) => finishCheck(target, raw, found, warnings) };
}

function finishCheck(target: CheckTarget, raw: ExploreResult<unknown>, found: ReadonlyMap<string, ViolationCause>, warnings: readonly string[]): CheckRun {
  const { model } = target;
  const judge = target.judge;
  // Per invariant: settle the classes over every kept cause, then keep the shortest trace of each
  // (invariant, cause) — a contract-keeping one when there is one.
  let causes: (ViolationCause | undefined)[] = raw.violations.map(() => undefined);
  let kept: FoundViolation<unknown>[] = [...raw.violations];
  if (judge !== undefined) {
    const all = raw.violations.map((v) => found.get(`${v.propertyId}\n${v.key ?? ''}`));
    const settled = new Map<FoundViolation<unknown>, ViolationCause>();
    for (const id of new Set(raw.violations.map((v) => v.propertyId))) {
      const idx = raw.violations.map((v, i) => (v.propertyId === id ? i : -1)).filter((i) => i >= 0);
      const s = judge.settle(idx.map((i) => all[i]!));
      idx.forEach((i, j) => settled.set(raw.violations[i]!, s[j]!));
    }
    const seen = new Set<string>();
    kept = [];
    causes = [];
    // shortest first; among equals, a contract-keeping trace first
    const order = [...raw.violations].sort((a, b) => a.actions.length - b.actions.length ||
      Number(settled.get(a)!.breaks !== undefined) - Number(settled.get(b)!.breaks !== undefined));
    for (const v of order) {
      const c = settled.get(v)!;
      const k = `${v.propertyId}\n${c.key}`;
      if (seen.has(k)) continue;
      seen.add(k);
      kept.push(v);
      causes.push(c);
    }
  }
  const explored: ExploreResult<unknown> = { ...raw, violations: kept };
  const traceConfig = traceConfigOf(target);
  const traces = explored.violations.map((v) => buildTrace(model, v, traceConfig, `${TOOL} ${VERSION}`));
  const breaks = judge === undefined ? [] : explored.violations.map((v) => judge.clausesBroken(v.actions));
  const verdict = verdictOf(explored);
  const st = explored.stats;
  const json: CheckJson = {
    tool: TOOL,
    version: VERSION,
    config: jsonConfigOf(target),
    verdict,
    complete: explored.complete,
    stoppedBy: explored.stoppedBy,
    stats: {
      distinctStates: st.distinctStates,
      transitions: st.transitions,
      depth: st.depth,
      seconds: st.seconds,
      statesPerSecond: st.statesPerSecond,
      queueLeft: st.queueLeft,
      collisionProbability: st.collisionProbability,
      ...(st.walks !== undefined ? { walks: st.walks } : {}),
      ...(st.asleep !== undefined ? { asleep: st.asleep } : {}),
    },
    coverage: explored.coverage.map((c) => ({ kind: c.kind, enabled: c.enabled, newStates: c.newStates })),
    warnings: [...explored.warnings, ...warnings],
    violations: traces.map((t, i) => ({
      invariant: t.violation.invariant,
      message: t.violation.message,
      ...(causes[i] !== undefined ? { cause: causes[i], class: causes[i].class } : {}),
      ...(judge !== undefined ? { breaks: breaks[i]!, swallowed: judge.swallowed(explored.violations[i]!.actions) } : {}),
      length: t.steps.length,
      steps: t.steps.map((s) => ({ action: s.kind, label: s.label })),
      trace: toItf(t),
    })),
  };
  return { target, explored, traces, causes, warnings, json, exitCode: exitCodeOf(verdict) };
}
