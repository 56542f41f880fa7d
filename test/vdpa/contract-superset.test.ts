// `--contract none` finds every cause `--contract strict` finds (issue 13): a kernel defect behind a
// contract-keeping trace must not vanish, nor be blamed on the userspace, when the userspace is left
// free. A cause's identity is (invariant, cause key): the call that first made the layers disagree,
// with its flags, errno and whether its caller ignored it (systems/vdpa/cause.ts, callKey).
//
// This failed before `any` under `none` remembered whether its trace so far kept the strict contract
// (World.uBroke): on 6.1 mlx5 at depth 4, [open, owner, SET_GROUP_ASID, DRIVER_OK] and [open, owner,
// DRIVER_OK, SET_GROUP_ASID] reach one world; `none` met it by the second path first, so it judged it
// by that path's cause (SET_GROUP_ASID while running: a contract breach) and the kernel defect strict
// finds (DRIVER_OK starts the hardware VQs on the MR of asid 0) was missing.
import '../fc-seed.js';
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import { runCheck, type CheckJson } from '../../cli/check.js';
import { INVARIANT_IDS, VDPA_KERNELS, VDPA_PARENTS, type ContractName, type InvariantId, type ParentName } from '../../spec/config.js';

async function check(kernel: string, parent: ParentName, contract: ContractName, depth: number, invariants: readonly InvariantId[]): Promise<CheckJson> {
  const all = await buildVdpaTarget({ system: 'vdpa', kernel, parent, userspace: 'any', invariants: undefined, bounds: { maxDepth: depth, timeLimit: 1000 }, contract });
  const chosen = invariants.filter((id) => all.applicable.includes(id));
  const target = chosen.length === 0 ? all
    : await buildVdpaTarget({ system: 'vdpa', kernel, parent, userspace: 'any', bounds: { maxDepth: depth, timeLimit: 1000 }, contract, invariants: chosen });
  const json = runCheck(target).json;
  expect(json.complete, `${kernel} ${parent} --contract ${contract} depth ${depth}: the search must finish`).toBe(true);
  return json;
}

/** Every strict cause is in none, with the same class, and none's shortest trace of it is no longer. */
function missingFromNone(strict: CheckJson, none: CheckJson): string[] {
  const byId = new Map(none.violations.map((v) => [`${v.invariant} | ${v.cause!.key}`, v]));
  const out: string[] = [];
  for (const v of strict.violations) {
    const id = `${v.invariant} | ${v.cause!.key}`;
    const n = byId.get(id);
    if (n === undefined) out.push(`${id}: not found by none`);
    else if (n.class !== v.class) out.push(`${id}: ${v.class} under strict, ${n.class!} under none`);
    else if (n.length > v.length) out.push(`${id}: ${v.length} steps under strict, ${n.length} under none`);
  }
  return out;
}

const parentsOf = (kernel: string): ParentName[] => VDPA_PARENTS.filter((p) => !(p === 'vdpa_sim_va' && kernel === '6.1'));
const config = fc.constantFrom(...VDPA_KERNELS).chain((kernel) => fc.record({
  kernel: fc.constant(kernel),
  parent: fc.constantFrom(...parentsOf(kernel)),
  // a few invariants, or (empty) every one that applies
  invariants: fc.subarray([...INVARIANT_IDS], { maxLength: 3 }),
  depth: fc.integer({ min: 3, max: 5 }),
}));

describe('--contract none finds a superset of the causes --contract strict finds', () => {
  test('6.1 mlx5 asid-routing at depth 4: the commuted SET_GROUP_ASID / DRIVER_OK (the case that failed)', async () => {
    const strict = await check('6.1', 'mlx5', 'strict', 4, ['asid-routing']);
    const none = await check('6.1', 'mlx5', 'none', 4, ['asid-routing']);
    expect(strict.violations.map((v) => [v.class, v.length, v.cause!.key])).toEqual([['kernel-defect', 4, 'setStatus → vdpa_set_status(0xf)']]);
    expect(missingFromNone(strict, none)).toEqual([]);
    // and the breach is still reported, as the contract's
    expect(none.violations.map((v) => [v.class, v.cause!.key])).toContainEqual(['userspace-contract', 'setGroupAsid → ops->set_group_asid(group=0, asid=1)']);
  }, 180_000);

  test.prop([config], { numRuns: 12 })('kernels × parents × invariants, depth 3–5', async ({ kernel, parent, invariants, depth }) => {
    const strict = await check(kernel, parent, 'strict', depth, invariants);
    const none = await check(kernel, parent, 'none', depth, invariants);
    expect(missingFromNone(strict, none)).toEqual([]);
  }, 120_000);
});
