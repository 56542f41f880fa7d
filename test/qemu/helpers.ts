// Runs a vDPA configuration with a QEMU userspace through the explorer, as `vdpa-mc check` would.
import { explore } from '../../explorer/bfs.js';
import type { ExploreResult } from '../../explorer/explore-api.js';
import type { InvariantId, ParentName } from '../../spec/config.js';
import type { Action } from '../../spec/vdpa/actions.js';
import type { VdpaModel } from '../../systems/vdpa/model.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';

export interface QemuRun {
  readonly model: VdpaModel;
  readonly result: ExploreResult<Action>;
  readonly invariants: readonly InvariantId[];
  /** Labels of the shortest counterexample of `id`, or undefined when it holds. */
  labels(id: InvariantId): string[] | undefined;
}

/** Every applicable invariant (or `only`), default bounds, the shortest trace of each violated one. */
export async function runQemu(kernel: string, parent: ParentName, userspace: string, only?: InvariantId[]): Promise<QemuRun> {
  const t = await buildVdpaTarget({ system: 'vdpa', kernel, parent, userspace, invariants: only, bounds: {} });
  const model = t.model as unknown as VdpaModel;
  const b = t.config.bounds;
  const result = explore(model, {
    maxDepth: b.maxDepth, maxStates: b.maxStates, timeLimitSeconds: b.timeLimit,
    stopAtFirstViolation: false, propertyIds: t.config.invariants,
  });
  return {
    model,
    result,
    invariants: t.config.invariants,
    labels: (id) => result.violations.find((v) => v.propertyId === id)?.actions.map((a) => model.label(a)),
  };
}
