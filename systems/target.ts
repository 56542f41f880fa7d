// What `vdpa-mc check` runs: a model built from a configuration, with its resolved bounds,
// the invariants that apply, and the alphabet printed with each result.
import type { TraceModel } from '../traces/trace-model.js';
import type { Bounds, Config, InvariantId, PorName, ReduceName } from '../spec/config.js';
import type { BehaviourComparison, BehaviourOptions, ExploreFn } from './vdpa/compare.js';
import type { Cost, ReferenceCycle } from './vdpa/cost.js';
import type { VfioBehaviourComparison } from './vfio/compare.js';

export interface ResolvedConfig {
  readonly system: Config['system'];
  readonly kernel: string;
  readonly parent: Config['parent'];
  readonly userspace: string;
  readonly bounds: Bounds;
  /** The invariants checked: the chosen ones, or all that apply. */
  readonly invariants: readonly InvariantId[];
  /** The reduction the search runs with (`--reduce`), when the model declares one. */
  readonly reduce?: ReduceName;
  /** The partial-order reduction the search runs with (`--por`), when the model declares independence. */
  readonly por?: PorName;
}

export const VIOLATION_CLASSES = ['kernel-defect', 'by-design', 'userspace-contract', 'environment'] as const;

/** One letter per class for the matrix cells (✗K5, ✗D5, ✗U4, ✗E6). */
export const CLASS_LETTER: Readonly<Record<(typeof VIOLATION_CLASSES)[number], string>> = {
  'kernel-defect': 'K', 'by-design': 'D', 'userspace-contract': 'U', environment: 'E',
};

/** The cause of one violation (systems/vdpa/cause.ts), as the JSON result carries it. */
export interface ViolationCause {
  readonly step: number;
  readonly action: string;
  readonly call: string;
  readonly key: string;
  readonly class: (typeof VIOLATION_CLASSES)[number];
  readonly clause?: string;
  /** A contract clause the trace breaks (at or before the cause step). */
  readonly breaks?: { readonly clause: string; readonly step: number };
}

/** What a system knows about its violations: their cause, and the contract clauses a trace breaks. */
export interface ViolationJudge {
  cause(propertyId: string, actions: readonly unknown[]): ViolationCause;
  clausesBroken(actions: readonly unknown[]): readonly { readonly clause: string; readonly step: number }[];
  /** Swallowed errors: steps where the caller saw 0 while a call inside failed and its return value was dropped. */
  swallowed(actions: readonly unknown[]): readonly { readonly step: number; readonly call: string }[];
  /** The class once every kept violation of the invariant is known (a cause only contract breaches reach is theirs). */
  settle(causes: readonly ViolationCause[]): ViolationCause[];
}

export interface CheckTarget {
  /** Optional: the system judges its violations (vdpa); without it each invariant keeps its first. */
  readonly judge?: ViolationJudge;
  readonly config: ResolvedConfig;
  readonly model: TraceModel<unknown, unknown>;
  /** Every invariant id that applies to this configuration (a subset of INVARIANT_IDS). */
  readonly applicable: readonly InvariantId[];
  /** The userspace's alphabet (IOVA pages, host pages, ASIDs, ranges, feature sets), one line each. */
  readonly alphabet: readonly string[];
  /** When the kernel is a variant module (user code): where it is and what it was (traces record both). */
  readonly variant?: VariantSource;
  /** The kernel checked (a variant: its own name and description). */
  readonly kernel?: { readonly name: string; readonly description: string };
  /**
   * Patch semantics against `patched`, a target of the same system built from the same configuration
   * but the kernel: the shortest action sequences whose observable results differ.
   */
  readonly compareBehaviour?: (patched: CheckTarget, limits: BehaviourOptions, explore: ExploreFn) => BehaviourComparison | VfioBehaviourComparison;
  /** vdpa: the userspace's reference cycle (QEMU's stop then start), if it has one. */
  readonly referenceCycle?: () => ReferenceCycle | undefined;
  /** vdpa: what a sequence of actions costs (pins, set_map calls ...). */
  readonly costOf?: (actions: readonly unknown[]) => Cost;
}

/** A kernel variant module as a trace records it (design.md `#meta.variant`). */
export interface VariantSource {
  /** The variant's name (the kernel name in results). */
  readonly name: string;
  /** The path as given to --kernel. */
  readonly path: string;
  /** The absolute path. */
  readonly abs: string;
  /** sha256 (hex) of the variant's source files. */
  readonly hash: string;
}
