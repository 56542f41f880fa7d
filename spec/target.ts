// What `vdpa-mc check` runs: a model built from a configuration, with its resolved bounds,
// the invariants that apply, and the alphabet printed with each result.
import type { TraceModel } from '../traces/trace-model.js';
import type { Bounds, Config, InvariantId } from './config.js';

export interface ResolvedConfig {
  readonly system: Config['system'];
  readonly kernel: string;
  readonly parent: Config['parent'];
  readonly userspace: string;
  readonly bounds: Bounds;
  /** The invariants checked: the chosen ones, or all that apply. */
  readonly invariants: readonly InvariantId[];
}

export interface CheckTarget {
  readonly config: ResolvedConfig;
  readonly model: TraceModel<unknown, unknown>;
  /** Every invariant id that applies to this configuration (a subset of INVARIANT_IDS). */
  readonly applicable: readonly InvariantId[];
  /** The userspace's alphabet (IOVA pages, host pages, ASIDs, ranges, feature sets), one line each. */
  readonly alphabet: readonly string[];
  /** When the kernel is a variant module (user code): where it is and what it was (traces record both). */
  readonly variant?: VariantSource;
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
