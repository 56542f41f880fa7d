// Runs the vDPA model on one configuration, as `vdpa-mc check` would, for the tests; and one action
// sequence step by step (returns, call labels and worlds), for the reducer tests.
import { explore } from '../../explorer/bfs.js';
import type { InvariantId } from '../../spec/config.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import type { ParentName } from '../../spec/config.js';
import type { Action } from '../../spec/vdpa/actions.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import type { World } from '../../spec/vdpa/world.js';
import { buildVdpaModel, type VdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { anyUserspace } from '../../model/userspace-any.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import type { CheckJson } from '../../cli/check.js';

/** The model of a shipped kernel and parent, userspace `any`, every invariant. */
export function vdpaModel(kernel: string, parent: ParentName): VdpaModel {
  const k = VDPA_KERNEL_TABLE[kernel]!;
  return buildVdpaModel({ kernel: k, ops: makeParent(parent, k) }, anyUserspace(), VDPA_INVARIANTS);
}

export interface Run { readonly m: VdpaModel; readonly worlds: World[]; readonly rets: string[]; readonly calls: string[][] }

/** `actions` one after the other (a refused one leaves the world as it was): each return, call labels, world. */
export function runActions(kernel: string, parent: ParentName, actions: readonly Action[]): Run {
  const m = vdpaModel(kernel, parent);
  let w = m.init()[0]!;
  const worlds = [w];
  const rets: string[] = [];
  const calls: string[][] = [];
  for (const a of actions) {
    const o = m.outcome(w, a);
    rets.push(o.ret);
    calls.push(o.calls.map((c) => c.label));
    w = m.next(w, a) ?? w;
    worlds.push(w);
  }
  return { m, worlds, rets, calls };
}

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

/** The world a random walk reaches: each choice an index into the enabled actions, taken modulo their number. */
export function randomWalk(model: VdpaModel, choices: readonly number[]): World {
  let w = model.init()[0]!;
  const out: Action[] = [];
  for (const c of choices) {
    out.length = 0;
    model.actions(w, out);
    if (out.length === 0) break;
    w = model.next(w, out[c % out.length]!) ?? w;
  }
  return w;
}

/** What a reduction must not change: the verdict and every violation's invariant, cause, class and length. */
export function verdictsOf(j: CheckJson): { verdict: string; violations: string[] } {
  return {
    verdict: j.verdict,
    violations: j.violations.map((v) => `${v.invariant} | ${v.cause?.key ?? v.message} | ${v.class ?? '-'} | ${v.length}`).sort(),
  };
}

/** Complete, or stopped because every property was violated (vfio keeps one trace per invariant). */
export const finished = (j: CheckJson): boolean => j.complete || j.stoppedBy === 'violation';
