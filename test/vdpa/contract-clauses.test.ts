// A test per contract clause at the level of the search (issue 13): `any` guarded by the clause alone
// removes exactly the traces that break it, and no cause the strict contract's search finds (every
// one a kernel defect, by design or the environment's) disappears. Small bounds: depth 5 on 6.12 mlx5
// (two ASIDs, a CVQ group, SUSPEND), or platform for the one clause mlx5 cannot be made to break (it
// offers every feature the kernel takes unchecked); each clause with a witness trace that breaks it.
import { describe, expect, test } from 'vitest';
import type { Action } from '../../spec/vdpa/actions.js';
import { bit } from '../../spec/vdpa/constants.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import { buildVdpaModel, type VdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import { clausesBroken, vdpaJudge } from '../../systems/vdpa/cause.js';
import { anyUserspace } from '../../model/userspace-any.js';
import { ALL_CLAUSES, type ContractClause } from '../../model/contract.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import { runCheck, type CheckRun } from '../../cli/check.js';
import type { CheckTarget } from '../../systems/target.js';
import type { ContractName } from '../../spec/config.js';
import type { World } from '../../spec/vdpa/world.js';

const KERNEL = '6.12';
const DEPTH = 5;
type Parent = 'mlx5' | 'platform';

async function target(parent: Parent, contract: ContractName): Promise<CheckTarget> {
  return buildVdpaTarget({ system: 'vdpa', kernel: KERNEL, parent, userspace: 'any', invariants: undefined, bounds: { maxDepth: DEPTH, timeLimit: 1000 }, contract }); // the depth ends it, not the clock
}

function modelWith(parent: Parent, clauses: readonly ContractClause[]): VdpaModel {
  const k = VDPA_KERNEL_TABLE[KERNEL]!;
  return buildVdpaModel({ kernel: k, ops: makeParent(parent, k) }, anyUserspace([], clauses), VDPA_INVARIANTS);
}

/** The check of `any` guarded by `clauses` only (the same target otherwise). */
async function checkWith(parent: Parent, clauses: readonly ContractClause[]): Promise<{ run: CheckRun; model: VdpaModel }> {
  const t = await target(parent, 'none');
  const model = modelWith(parent, clauses);
  const run = runCheck({ ...t, model: model as unknown as CheckTarget['model'], judge: vdpaJudge(model, VDPA_INVARIANTS) });
  expect(run.json.complete).toBe(true);
  return { run, model };
}

/** The step at which `model`'s userspace refuses to take `actions` (0: it takes them all). */
function refusedAt(model: VdpaModel, actions: readonly Action[]): number {
  let w: World = model.init()[0]!;
  for (let i = 0; i < actions.length; i++) {
    const out: Action[] = [];
    model.actions(w, out);
    const a = actions[i]!;
    if (!out.some((b) => JSON.stringify(b) === JSON.stringify(a))) return i + 1;
    w = model.next(w, a) ?? w;
  }
  return 0;
}

const causeIds = (run: CheckRun): Map<string, string> =>
  new Map(run.json.violations.map((v) => [`${v.invariant} | ${v.cause!.key}`, v.class!]));

const OPEN: Action[] = [{ t: 'open' }, { t: 'setOwner' }];
const BASE = bit('IOTLB_MSG_V2') | bit('IOTLB_BATCH') | bit('IOTLB_ASID');
const DRIVER_OK: Action = { t: 'setStatus', status: 0xf };
/** Per clause: the parent its search runs on, and a trace whose last step is its first breach of it. */
const WITNESS: Record<string, { parent: Parent; trace: Action[] }> = {
  // the kernel refuses an unoffered DESC_ASID itself; ENABLE_AFTER_DRIVER_OK it takes unchecked, and platform does not offer it
  'ack-only-offered': { parent: 'platform', trace: [...OPEN, { t: 'setBackendFeatures', features: BASE | bit('ENABLE_AFTER_DRIVER_OK') }] },
  'asid-needs-iotlb-asid': { parent: 'mlx5', trace: [...OPEN, { t: 'iotlbUpdate', asid: 1, page: 0, npages: 2, host: 0 }] },
  'invalidate-whole-extents': { parent: 'mlx5', trace: [...OPEN, { t: 'iotlbUpdate', asid: 0, page: 0, npages: 2, host: 0 }, { t: 'iotlbInvalidate', asid: 0, page: 0, npages: 1 }] },
  'remap-after-reset': { parent: 'mlx5', trace: [...OPEN, { t: 'iotlbUpdate', asid: 0, page: 0, npages: 2, host: 0 }, { t: 'setStatus', status: 0 }, DRIVER_OK] },
  'group-asid-while-stopped': { parent: 'mlx5', trace: [...OPEN, DRIVER_OK, { t: 'setGroupAsid', group: 0, asid: 1 }] },
  'no-driver-ok-in-batch': { parent: 'mlx5', trace: [...OPEN, { t: 'iotlbBatchBegin', asid: 0 }, DRIVER_OK] },
  'batch-closed-before-reset': { parent: 'mlx5', trace: [...OPEN, { t: 'iotlbBatchBegin', asid: 0 }, { t: 'setStatus', status: 0 }] },
  'qemu-backend-mask': { parent: 'mlx5', trace: [...OPEN, { t: 'setBackendFeatures', features: BASE | bit('IOTLB_PERSIST') }] },
  'qemu-messages-in-batch': { parent: 'mlx5', trace: [...OPEN, { t: 'setBackendFeatures', features: BASE }, { t: 'iotlbUpdate', asid: 0, page: 0, npages: 2, host: 0 }] },
};

describe('each clause alone, over the search (6.12 any, depth 5)', async () => {
  const searches = new Map<Parent, { none: CheckRun; strict: Map<string, string> }>();
  for (const parent of ['mlx5', 'platform'] as const) {
    searches.set(parent, { none: runCheck(await target(parent, 'none')), strict: causeIds(runCheck(await target(parent, 'strict'))) });
  }

  test('every clause has a witness, and the searches compared against are complete', () => {
    expect(Object.keys(WITNESS).sort()).toEqual(ALL_CLAUSES.map((c) => c.id).sort());
    for (const s of searches.values()) expect(s.none.json.complete).toBe(true);
  });

  for (const clause of ALL_CLAUSES) {
    test(clause.id, async () => {
      const { parent, trace } = WITNESS[clause.id]!;
      const { none, strict } = searches.get(parent)!;
      const { run, model } = await checkWith(parent, [clause]);
      // its witness: taken without the clause, refused at its last step with it
      expect(refusedAt(modelWith(parent, []), trace)).toBe(0);
      expect(clausesBroken(model, trace, [clause])).toEqual([{ clause: clause.id, step: trace.length }]);
      expect(refusedAt(model, trace)).toBe(trace.length);
      // every trace it reports keeps the clause
      for (const v of run.explored.violations) expect(clausesBroken(model, v.actions as readonly Action[], [clause])).toEqual([]);
      // exactly the traces that break it: each of none's traces is refused at its first breach of the clause, and only then
      for (const v of none.explored.violations) {
        const t = v.actions as readonly Action[];
        expect(refusedAt(model, t), `${clause.id}: ${JSON.stringify(t)}`).toBe(clausesBroken(model, t, [clause])[0]?.step ?? 0);
      }
      // no cause of the strict contract's search disappears, nor changes class
      const found = causeIds(run);
      for (const [id, cls] of strict) expect(found.get(id), `${clause.id}: ${id}`).toBe(cls);
    }, 180_000);
  }
});
