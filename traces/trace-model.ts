// What the trace tools (text, mermaid, HTML, ITF, replay) need from a model beyond the
// explorer's interface. Domain-agnostic: the vDPA and VFIO models implement it, tests use toys.
import type { Model } from '../explorer/model.js';

/** One field of one layer of the world, rendered for a human ("asid 0" → "[0x0000,0x2000) → h0+"). */
export interface FieldView { readonly name: string; readonly value: string }
/** A layer of the world (userspace, vhost-vdpa, parent, device, host memory ...). */
export interface LayerView { readonly layer: string; readonly fields: readonly FieldView[] }

/** A call made while executing one step, for the sequence diagram (lane → lane). */
export interface CallView { readonly from: string; readonly to: string; readonly label: string }

/**
 * A call as a structured event (the model's call log, model/call-log.ts, has this shape): declared
 * here structurally so that traces/ imports no model. Rendered only by traces/calls.ts.
 */
export interface CallRecord {
  readonly caller: string;
  readonly callee: string;
  /** The function as the source names it: `ops->set_map`, `pin_user_pages`, `mlx5_vdpa_change_map`. */
  readonly fn: string;
  readonly args?: Readonly<Record<string, string | number>>;
  readonly ret?: string;
  readonly ignored?: boolean;
  readonly pinned?: readonly number[];
  readonly unpinned?: readonly number[];
  readonly note?: string;
}

/** What happened at one step, as the caller saw it. */
export interface StepOutcome {
  /** What the caller saw: "0", "-EFAULT", "-EBUSY", "features=0x1ce". */
  readonly ret: string;
  /** The kernel's internal reason when it differs from what the caller saw ("-EEXIST: overlaps [0x0,0x1000)"). */
  readonly reason?: string;
  /** The calls this step made, in order, lane to lane (first one from the caller's lane). */
  readonly calls: readonly CallView[];
  /** The same calls as structured events, when the model records them (replay compares call paths with them). */
  readonly events?: readonly CallRecord[];
}

export interface TraceModel<S, A> extends Model<S, A> {
  /** Lanes of the sequence diagram, left to right. */
  readonly lanes: readonly string[];
  /** The world as layers of named, rendered fields; the text and HTML renderers diff these. */
  view(s: S): readonly LayerView[];
  /**
   * Optional: the label of `a` taken in `before`, when the world changes what the action means (a vDPA
   * IOTLB message's ASID is ignored until IOTLB_ASID is acked). Absent: `label(a)`.
   */
  labelIn?(before: S, a: A): string;
  /** Re-executes `a` on `before` and says what the caller saw and which calls were made. */
  outcome(before: S, a: A): StepOutcome;
  /** The action as plain JSON (ITF step annotation) and back; `undefined` when not an action of this model. */
  actionToJson(a: A): Readonly<Record<string, unknown>>;
  actionFromJson(j: unknown): A | undefined;
  /** The world as plain JSON (ITF state variables). */
  worldToJson(s: S): Readonly<Record<string, unknown>>;
}
