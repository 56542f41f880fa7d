// Runs the vDPA model on one configuration, as `vdpa-mc check` would, for the tests.
import { explore } from '../../explorer/bfs.js';
import type { InvariantId } from '../../spec/config.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import type { ParentName } from '../../spec/config.js';

export interface Outcome {
  readonly violated: boolean;
  readonly length: number | undefined;
  readonly labels: readonly string[];
  readonly message: string | undefined;
  readonly stoppedBy: string;
}

export async function checkVdpa(
  kernel: string, parent: ParentName, userspace: string, invariant: InvariantId, maxDepth: number,
  excludeActions: readonly string[] = [],
): Promise<Outcome> {
  const t = await buildVdpaTarget({
    system: 'vdpa', kernel, parent, userspace, invariants: [invariant], bounds: {},
    ...(excludeActions.length > 0 ? { excludeActions } : {}),
  });
  const r = explore(t.model, { maxDepth, maxStates: 2_000_000, stopAtFirstViolation: true, propertyIds: [invariant] });
  const v = r.violations.find((x) => x.propertyId === invariant);
  return {
    violated: v !== undefined,
    length: v?.actions.length,
    labels: v === undefined ? [] : v.actions.map((a) => t.model.label(a)),
    message: v?.violation.message,
    stoppedBy: r.stoppedBy,
  };
}
