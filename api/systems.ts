// `vdpa-mc/systems`: the shipped models by name, as `vdpa-mc check` builds them, and a check run
// that returns design.md's JSON result with the counterexamples as traces.
import { runCheck, type CheckJson, type RunCheckOptions } from '../cli/check.js';
import {
  INVARIANT_IDS, SYSTEMS, VDPA_KERNELS, VDPA_PARENTS, VDPA_USERSPACES, VFIO_KERNELS, VFIO_USERSPACES,
  type Config, type InvariantId, type ParentName, type SystemName,
} from '../spec/config.js';
import { buildTarget } from '../systems/registry.js';
import type { CheckTarget } from '../systems/target.js';
import type { Trace } from '../traces/trace.js';

export { INVARIANT_IDS, SYSTEMS, VDPA_KERNELS, VDPA_PARENTS, VDPA_USERSPACES, VFIO_KERNELS, VFIO_USERSPACES };
export type { CheckJson, CheckTarget, Config, InvariantId, ParentName, SystemName };
export { UsageError } from '../spec/config.js';

/** What to build: the command line's names; omitted fields take the command line's defaults. */
export interface SystemChoice {
  readonly system?: SystemName;
  /** A shipped kernel name, or the path of a variant module. */
  readonly kernel?: string;
  readonly parent?: ParentName;
  readonly userspace?: string;
  readonly invariants?: readonly InvariantId[];
  readonly maxDepth?: number;
  readonly maxStates?: number;
  /** Seconds. */
  readonly timeLimit?: number;
}

function configOf(c: SystemChoice): Config {
  const system = c.system ?? 'vdpa';
  return {
    system,
    kernel: c.kernel ?? '6.12',
    parent: system === 'vdpa' ? (c.parent ?? 'mlx5') : undefined,
    userspace: c.userspace ?? (system === 'vdpa' ? 'qemu' : 'cpr'),
    invariants: c.invariants,
    bounds: {
      ...(c.maxDepth !== undefined ? { maxDepth: c.maxDepth } : {}),
      ...(c.maxStates !== undefined ? { maxStates: c.maxStates } : {}),
      ...(c.timeLimit !== undefined ? { timeLimit: c.timeLimit } : {}),
    },
  };
}

/** The model, its resolved bounds and invariants, as `check` would run them. Throws UsageError on a bad name. */
export function buildSystem(choice: SystemChoice = {}): Promise<CheckTarget> {
  return buildTarget(configOf(choice));
}

/** Runs the check: the JSON result of `vdpa-mc check --json`, and the counterexamples as traces. */
export async function check(choice: SystemChoice = {}, options: RunCheckOptions = {}): Promise<{ json: CheckJson; traces: readonly Trace[] }> {
  const run = runCheck(await buildSystem(choice), options);
  return { json: run.json, traces: run.traces };
}
