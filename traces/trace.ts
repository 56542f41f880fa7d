// The counterexample as data: every rendering (ITF, text, Mermaid, HTML) and replay start from
// a Trace, so none of them needs the model that produced it.
import type { FoundViolation } from '../explorer/explore-api.js';
import type { CallView, LayerView, StepOutcome, TraceModel } from './trace-model.js';
import { copyEvent } from './calls.js';

/** The world at one point of the trace: as JSON (for ITF and replay) and as the model's view. */
export interface TraceWorld {
  readonly world: Readonly<Record<string, unknown>>;
  readonly view: readonly LayerView[];
}

export interface TraceStep extends TraceWorld {
  /** 1-based: step N is the N-th action. */
  readonly index: number;
  /** The action's kind (model.actionKinds[model.kindOf(a)]). */
  readonly kind: string;
  /** The model's one-line label ("VHOST_IOTLB_UPDATE asid=0 iova=[0x0,0x2000)"). */
  readonly label: string;
  /** model.actionToJson(a): what replay hands back to model.actionFromJson. */
  readonly action: Readonly<Record<string, unknown>>;
  readonly outcome: StepOutcome;
}

export interface TraceViolation {
  readonly invariant: string;
  readonly message: string;
  readonly observation?: string;
}

export interface Trace {
  /** Who wrote it ("vdpa-mc 0.1.0"). */
  readonly source: string;
  /** The configuration that was checked (resolved: system, kernel, parent, userspace, bounds...). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Lanes of the sequence diagram, left to right. */
  readonly lanes: readonly string[];
  /** Index into model.init() of the first world. */
  readonly initIndex: number;
  readonly init: TraceWorld;
  readonly steps: readonly TraceStep[];
  readonly violation: TraceViolation;
}

export const TRACE_SOURCE = 'vdpa-mc 0.1.0';

/** Thrown when a FoundViolation does not replay on the model that reported it (an engine or model bug). */
export class TraceBuildError extends Error {
  override readonly name = 'TraceBuildError';
}

/**
 * Replays `found.actions` from `model.init()[found.initIndex]`, recording per step the action,
 * what the caller saw, and the world after. `config` is stored as given (plain JSON).
 */
export function buildTrace<S, A>(
  model: TraceModel<S, A>,
  found: FoundViolation<A>,
  config: Readonly<Record<string, unknown>>,
  source: string = TRACE_SOURCE,
): Trace {
  const inits = model.init();
  const first = inits[found.initIndex];
  if (first === undefined) {
    throw new TraceBuildError(`initIndex ${found.initIndex} is not one of the model's ${inits.length} initial worlds`);
  }
  let s = first;
  const steps: TraceStep[] = [];
  for (const a of found.actions) {
    const outcome = model.outcome(s, a);
    const after = model.next(s, a) ?? s;
    steps.push({
      index: steps.length + 1,
      kind: model.actionKinds[model.kindOf(a)] ?? `kind#${model.kindOf(a)}`,
      label: model.labelIn?.(s, a) ?? model.label(a),
      action: model.actionToJson(a),
      outcome: copyOutcome(outcome),
      world: model.worldToJson(after),
      view: model.view(after),
    });
    s = after;
  }
  const violation: TraceViolation = {
    invariant: found.propertyId,
    message: found.violation.message,
    ...(found.violation.observation !== undefined ? { observation: found.violation.observation } : {}),
  };
  return {
    source,
    config,
    lanes: [...model.lanes],
    initIndex: found.initIndex,
    init: { world: model.worldToJson(first), view: model.view(first) },
    steps,
    violation,
  };
}

/** Drops an absent `reason` so that traces compare equal after a round trip through a file. */
function copyOutcome(o: StepOutcome): StepOutcome {
  const calls: CallView[] = o.calls.map((c) => ({ from: c.from, to: c.to, label: c.label }));
  return {
    ret: o.ret,
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    calls,
    ...(o.events !== undefined ? { events: o.events.map(copyEvent) } : {}),
  };
}

/** The world before step `i` (1-based) or, for i = 0, the initial world. */
export function worldAt(trace: Trace, i: number): TraceWorld {
  return i === 0 ? trace.init : (trace.steps[i - 1] ?? trace.init);
}

/** The file-name stem of a trace: the invariant id, made safe for a file name. */
export function traceStem(trace: Trace): string {
  return trace.violation.invariant.replace(/[^A-Za-z0-9._-]/g, '_') || 'trace';
}
