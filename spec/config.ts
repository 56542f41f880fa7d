// The names users and scripts depend on (design.md): systems, kernels, parents, userspaces,
// invariant ids. A configuration is one choice of each plus the bounds.

export const SYSTEMS = ['vdpa', 'vfio'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export const VDPA_KERNELS = ['6.1', '6.6', 'rfc-v2', 'rfc-v3', '6.7', '6.12'] as const;
export type VdpaKernelName = (typeof VDPA_KERNELS)[number];
export const VFIO_KERNELS = ['6.12', 'lu-rfc'] as const;
export type VfioKernelName = (typeof VFIO_KERNELS)[number];

export const VDPA_PARENTS = ['mlx5', 'vdpa_sim', 'vdpa_sim_dma', 'vdpa_sim_va', 'platform', 'vduse'] as const;
export type ParentName = (typeof VDPA_PARENTS)[number];

export const VDPA_USERSPACES = ['qemu', 'qemu-persist', 'any'] as const;
export type VdpaUserspaceName = (typeof VDPA_USERSPACES)[number];
export const VFIO_USERSPACES = ['cpr', 'any'] as const;
export type VfioUserspaceName = (typeof VFIO_USERSPACES)[number];

/** Never rename one; add as the model grows. */
export const INVARIANT_IDS = [
  'user-kernel-agreement',
  'kernel-device-agreement',
  'identity-after-detach',
  'no-dma-window',
  'feature-negotiation',
  'dma-isolation',
  'pin-accounting',
  'asid-routing',
  'vfio-live-update',
  'dma-isolation-strict',
  'errno-expectation',
] as const;
export type InvariantId = (typeof INVARIANT_IDS)[number];

export interface Bounds {
  readonly maxDepth: number;
  readonly maxStates: number;
  /** Seconds. */
  readonly timeLimit: number;
}

export interface Config {
  readonly system: SystemName;
  /** A shipped kernel name, or the path of a variant module as given on the command line. */
  readonly kernel: string;
  /** vdpa only (vfio has no parent). */
  readonly parent: ParentName | undefined;
  readonly userspace: string;
  /** Explicitly chosen invariant ids; undefined = all that apply to the configuration. */
  readonly invariants: readonly InvariantId[] | undefined;
  /** Bounds given on the command line; undefined fields take the configuration's defaults. */
  readonly bounds: Partial<Bounds>;
  /**
   * Action kinds left out of userspace `any`'s alphabet (`--exclude-actions`), e.g. to look past a
   * shorter violation of the same invariant; undefined = none.
   */
  readonly excludeActions?: readonly string[];
  /** The contract `any` obeys (`--contract`); undefined = none. */
  readonly contract?: ContractName;
  /** vdpa: vhost-vdpa's max_iotlb_entries scaled to the model (`--iotlb-limit`); undefined = MODEL_LIMITS. */
  readonly iotlbLimit?: number;
  /** State-space reduction (`--reduce`); undefined = DEFAULT_REDUCE (canonical). */
  readonly reduce?: ReduceName;
  /** Partial-order reduction (`--por`); undefined = DEFAULT_POR (none). */
  readonly por?: PorName;
}

/**
 * `--reduce`: `none` stores every distinct world; `canonical` keys the visited store on the model's
 * representative of each world (explorer/model.ts Model.canonical; vdpa: systems/vdpa/reduce.ts, fields
 * nothing reads any more; vfio declares none). The same verdicts and causes on every matrix row
 * (test/vdpa/reduction.test.ts), fewer states.
 */
export const REDUCE_NAMES = ['none', 'canonical'] as const;
export type ReduceName = (typeof REDUCE_NAMES)[number];
// on by default: the same verdicts and causes as `none` on every matrix row at depth 6 (6.12 mlx5 at 7;
// BENCHMARKS.md "Reductions"), and in the suite at depths 4-5 (test/vdpa/reduction.test.ts)
export const DEFAULT_REDUCE: ReduceName = 'canonical';

/**
 * `--por`: `sleep` skips the transitions sleep sets prove redundant (explorer/sleep.ts; vdpa `any`:
 * systems/vdpa/independence.ts; other userspaces and vfio declare no independence and are searched
 * as with `none`): the same distinct worlds, verdicts and shortest traces, fewer transitions.
 */
export const POR_NAMES = ['none', 'sleep'] as const;
export type PorName = (typeof POR_NAMES)[number];
export const DEFAULT_POR: PorName = 'none';

/**
 * Userspace contracts of `--userspace any` (model/contract.ts): `strict` the documented clauses,
 * `qemu-like` those plus QEMU's own habits, `none` unconstrained (the default: verdicts stay those
 * of the full alphabet, and each violation's class says whether it needs a contract breach).
 */
export const CONTRACT_NAMES = ['strict', 'qemu-like', 'none'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** A user error: one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
