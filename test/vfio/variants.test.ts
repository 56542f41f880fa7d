// VFIO kernel variants (systems/vfio/variant.ts), as vDPA's: a module loaded by
// `--system vfio --kernel ./file.ts`, resolved against the kernel table, every broken one a one-line
// error (exit 2). And the pre-v6.3 VFIO_UPDATE_VADDR behaviour as two knobs, each tested both ways
// against the source:
// - v6.12 drivers/vfio/vfio_iommu_type1.c vfio_change_dma_owner:1516-1546 (called from
//   vfio_dma_do_map:1597) moves locked_vm to the new mm; before 046eca5018f8 / 90fdd158a695 (v6.3-rc1)
//   vfio_lock_acct charged dma->task's current mm and nothing moved it.
// - v6.12 vfio_iommu_type1_attach_group:2160-2162 "Attach could require pinning, so disallow while
//   vaddr is invalid" (-EBUSY); before ef3a3f6a294b / da4f1c2e1c9c, vfio_iommu_replay began with
//   vfio_wait_all_valid (still in Debian 6.1.192 at :655 and :1768, behind the backported -EBUSY).
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { pinAccounting } from '../../invariants/vfio/pin-accounting.js';
import { resolveVfioVariant, defineVfioVariant, loadVfioVariant } from '../../systems/vfio/variant.js';
import { isOneLineError, run as cli } from '../cli/helpers.js';
import { ROOT, tempModule } from '../variants/helpers.js';
import { EXEC, attach, check, checkWith, join as joinGroup, map, mapVaddr, run, unmap, unmapAll, unmapVaddr, verdictOf, vfioModel } from './helpers.js';

const example = (name: string): string => join(ROOT, 'examples/variants/vfio', name);
const API = join(ROOT, 'systems/vfio/variant.js');
const module = (name: string, body: string): string =>
  tempModule(name, `import { defineVfioVariant } from '${API}';\nexport default defineVfioVariant(${body});\n`);

describe('locked_vm across exec (lockedVmFollowsTask)', () => {
  const fixed = vfioModel('6.12', 'any');
  const old = vfioModel(resolveVfioVariant(defineVfioVariant({ base: '6.12', name: 'old', description: '', kernel: { lockedVmFollowsTask: true } }), 'test'), 'any');
  const cpr = [map(0, 2, 0), unmapAll(4), EXEC];

  test('v6.12: exec leaves the charge with the old mm, MAP_DMA|VADDR moves it (vfio_change_dma_owner)', () => {
    const w = run(fixed, cpr);
    expect([w.lockedVm, w.dmas[0]!.mmCur]).toEqual([0, false]);
    expect(checkWith(fixed, pinAccounting, w)).toBeUndefined();
    const o = fixed.outcome(w, mapVaddr(0, 2, 0));
    expect(o.calls.map((c) => c.label)).toContain('vfio_change_dma_owner: locked_vm += 2 in the new mm');
    const after = run(fixed, [mapVaddr(0, 2, 0), unmap(0, 2)], w);
    expect(after.lockedVm).toBe(0);
  });

  test('before v6.3: the new mm\'s locked_vm is 0 while the task\'s vfio_dmas hold 2; UNMAP takes it to -2', () => {
    const w = run(old, cpr);
    expect([w.lockedVm, w.dmas[0]!.mmCur]).toEqual([0, true]);
    expect(checkWith(old, pinAccounting, w)?.message).toMatch(/locked_vm is 0 pages \(0x0\), the vfio_dmas charged to this mm hold 2/);
    const o = old.outcome(w, mapVaddr(0, 2, 0));
    expect(o.calls.some((c) => /vfio_change_dma_owner/.test(c.label))).toBe(false);
    const after = run(old, [mapVaddr(0, 2, 0), unmap(0, 2)], w);
    expect(after.lockedVm).toBe(-2);
  });
});

describe('attach while a vaddr is invalid (attachBlocksOnInvalidVaddr)', () => {
  const old = vfioModel(resolveVfioVariant(defineVfioVariant({ base: '6.12', name: 'old', description: '', kernel: { attachBlocksOnInvalidVaddr: true } }), 'test'), 'any');
  const fixed = vfioModel('6.12', 'any');
  const w = run(fixed, [map(0, 1, 0), unmapVaddr(0, 1)]);

  test('v6.12: -EBUSY', () => {
    expect(verdictOf(fixed, w, attach(1))).toMatchObject({ ok: false, ret: '-EBUSY' });
    expect(verdictOf(fixed, w, joinGroup(1))).toMatchObject({ ok: false, ret: '-EBUSY' });
  });
  test('before v6.3: the replay sleeps in vfio_wait_all_valid; a group joining a compatible domain replays nothing and returns', () => {
    expect(verdictOf(old, w, attach(1))).toMatchObject({ ok: false, ret: 'blocks', reason: expect.stringMatching(/vfio_wait_all_valid/) });
    expect(old.next(w, attach(1))).toBeUndefined();
    expect(verdictOf(old, w, joinGroup(1))).toEqual({ ok: true });
    // with every vaddr valid again, the attach replays as on 6.12
    expect(verdictOf(old, run(old, [mapVaddr(0, 1, 0)], w), attach(1))).toEqual({ ok: true });
  });
});

describe('the example variant finds what it should', () => {
  test('vaddr-update-before-6.3 + cpr: pin-accounting violated at the exec (4 steps); 6.12 + cpr holds', async () => {
    const k = (await loadVfioVariant(example('vaddr-update-before-6.3.ts'))).kernel;
    expect([k.name, k.lockedVmFollowsTask, k.attachBlocksOnInvalidVaddr, k.mapFlagMask]).toEqual(['vaddr-update-before-6.3', true, true, 7]);
    const r = check(k, 'cpr', 16);
    expect(r.violations.map((v) => [v.propertyId, v.actions.length])).toEqual([['pin-accounting', 4]]);
    const m = vfioModel(k, 'cpr');
    expect(m.label(r.violations[0]!.actions[3]!)).toMatch(/^execve\(\) of the VMM/);
    expect(check('6.12', 'cpr', 16).violations).toEqual([]);
  });

  test('check --system vfio --kernel FILE: exit 12, the variant named in the result', async () => {
    const r = await cli(['check', '--system', 'vfio', '--kernel', example('vaddr-update-before-6.3.ts'), '--json']);
    expect(r.code).toBe(12);
    const j = JSON.parse(r.stdout);
    expect(j.config.kernel).toBe('vaddr-update-before-6.3');
    expect(j.violations.map((v: { invariant: string }) => v.invariant)).toEqual(['pin-accounting']);
  });

  test('lu-rfc-arm: a variant of lu-rfc with ARM\'s -EEXIST; cpr holds', async () => {
    const k = (await loadVfioVariant(example('lu-rfc-arm.ts'))).kernel;
    expect([k.mapOverPresentPte, k.persistentTables]).toEqual(['eexist', true]);
    expect(check(k, 'cpr', 16).violations).toEqual([]);
  });

  test('a variant of a variant composes', () => {
    const inner = defineVfioVariant({ base: 'lu-rfc', name: 'a', description: '', kernel: { mapOverPresentPte: 'overwrite' } });
    const k = resolveVfioVariant(defineVfioVariant({ base: inner, name: 'b', description: '', kernel: { lockedVmFollowsTask: true } }), 'test');
    expect([k.name, k.mapOverPresentPte, k.lockedVmFollowsTask, k.persistentTables]).toEqual(['b', 'overwrite', true, true]);
  });
});

describe('a broken vfio variant module: one line on stderr, exit 2', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown entry', `{ base: '6.12', name: 'x', description: '', kernel: { lockedVmFollowTask: true } as never }`, /kernel\.lockedVmFollowTask is not a vfio kernel behaviour/],
    ['entry of the wrong type', `{ base: '6.12', name: 'x', description: '', kernel: { lockedVmFollowsTask: 'yes' } as never }`, /kernel\.lockedVmFollowsTask must be a boolean/],
    ['not a driver behaviour', `{ base: 'lu-rfc', name: 'x', description: '', kernel: { mapOverPresentPte: 'amd' } as never }`, /must be one of keep-old, overwrite, eexist/],
    ['unknown base', `{ base: '6.1', name: 'x', description: '' }`, /base "6\.1" is not a vfio kernel/],
    ['a kernel\'s name', `{ base: '6.12', name: 'lu-rfc', description: '' }`, /the name of a kernel of the table/],
  ];
  for (const [what, body, message] of cases) {
    test(what, async () => {
      const r = await cli(['check', '--system', 'vfio', '--kernel', module(`${what.replace(/\W/g, '-')}.ts`, body), '--max-depth', '1']);
      expect(r.code).toBe(2);
      expect(isOneLineError(r)).toBe(true);
      expect(r.stderr).toMatch(message);
    });
  }
  test('a vDPA variant is not a vfio variant', async () => {
    const r = await cli(['check', '--system', 'vfio', '--kernel', join(ROOT, 'examples/variants/6.7-no-reset-map.ts')]);
    expect([r.code, isOneLineError(r)]).toEqual([2, true]);
    expect(r.stderr).toMatch(/not a vfio variant/);
  });
});
