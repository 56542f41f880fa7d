// A contract clause names the action kinds it can break on (model/contract.ts `kinds`), and the
// belief update asks only those (clausesByKind). Checked: on worlds reached by random walks of `any`
// (and those worlds with the fields the clauses read pushed to their extremes), no clause breaks on an
// action of a kind it does not name; clausesByKind keeps the order and a clause without kinds.
import '../fc-seed.js';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { VdpaCtx } from '../../model/context.js';
import { ALL_CLAUSES, clausesByKind, type ContractClause } from '../../model/contract.js';
import { anyAlphabet, anyUserspace } from '../../model/userspace-any.js';
import { VDPA_KERNELS, VDPA_PARENTS } from '../../spec/config.js';
import { ACTION_KINDS } from '../../spec/vdpa/actions.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import type { World } from '../../spec/vdpa/world.js';
import { buildVdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { randomWalk } from './helpers.js';

const configs: VdpaCtx[] = VDPA_KERNELS.flatMap((k) => VDPA_PARENTS.filter((p) => p !== 'vdpa_sim_va' || VDPA_KERNEL_TABLE[k]!.vdpaSimUseVa).map((p) => {
  const kernel = VDPA_KERNEL_TABLE[k]!;
  return { kernel, ops: makeParent(p, kernel) };
}));

describe('contract clauses break only on the kinds they name', () => {
  test.prop([fc.integer({ min: 0, max: configs.length - 1 }), fc.array(fc.nat(), { minLength: 0, maxLength: 14 })], { numRuns: 80 })(
    'no clause breaks on an action of another kind (reached worlds, and each with every clause field at its extremes)',
    (ci, walk) => {
      const ctx = configs[ci]!;
      const w = randomWalk(buildVdpaModel(ctx, anyUserspace(), []), walk);
      const worlds: World[] = [w, { ...w, acked: 0x1ff, status: 0xff, uStale: 0xff, inBatch: true, devSuspended: false, uMap: [0, 1, 2, 3, 0, 1, 2, 3] },
        { ...w, acked: 0, status: 0, uStale: 0, inBatch: false, devSuspended: true, uMap: [-1, -1, -1, -1, -1, -1, -1, -1] }];
      for (const c of ALL_CLAUSES) {
        expect(c.kinds, c.id).toBeDefined();
        for (const a of anyAlphabet(ctx)) {
          if (c.kinds!.includes(a.t)) continue;
          for (const x of worlds) expect(c.breaks(ctx, x, a), `${c.id} on ${a.t}`).toBe(false);
        }
      }
    },
  );

  it('clausesByKind: in order, a clause without kinds under every kind', () => {
    const any: ContractClause = { id: 'any-kind', title: '', source: '', breaks: () => false };
    const list = [ALL_CLAUSES[0]!, any, ...ALL_CLAUSES.slice(1)];
    const by = clausesByKind(list);
    for (const t of ACTION_KINDS) {
      expect(by[t]).toEqual(list.filter((c) => c === any || c.kinds!.includes(t)));
    }
    expect(by.setStatus.map((c) => c.id)).toEqual(['any-kind', 'remap-after-reset', 'no-driver-ok-in-batch', 'batch-closed-before-reset']);
  });
});
