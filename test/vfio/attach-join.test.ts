// VFIO_GROUP_SET_CONTAINER joins a compatible domain (drivers/vfio/vfio_iommu_type1.c,
// vfio_iommu_type1_attach_group:2273-2295, v6.12): when the new domain's iommu_ops and
// enforce_cache_coherency match a domain already on domain_list, the group is attached to that
// domain, the new one freed, and nothing is replayed; otherwise the new domain is replayed
// (vfio_iommu_replay) and list_add()ed first. Both ways, and what the search finds with it.
import { beforeAll, describe, expect, test } from 'vitest';
import { setAutoFreeze } from '../../model/immer.js';
import { noDmaWindow } from '../../invariants/vfio/no-dma-window.js';
import { pinAccounting } from '../../invariants/vfio/pin-accounting.js';
import { domainList, deviceReach, firstDomain } from '../../spec/vfio/world.js';
import { EXEC, KEXEC, attach, check, checkWith, join, map, run, unmap, unmapVaddr, verdictOf, vfioModel } from './helpers.js';

beforeAll(() => setAutoFreeze(true));

const m612 = vfioModel('6.12', 'any');
const mlu = vfioModel('lu-rfc', 'any');

describe('attach of a compatible group', () => {
  test('joins the container\'s domain: one domain on domain_list, nothing replayed, nothing pinned again', () => {
    const before = run(m612, [map(0, 2, 0)]);
    const o = m612.outcome(before, join(1));
    expect(o.calls.map((c) => c.label).join('\n')).toMatch(/domain A on domain_list matches .* no replay/);
    expect(o.calls.some((c) => /replay/.test(c.label) && !/no replay/.test(c.label))).toBe(false);
    const w = run(m612, [join(1)], before);
    expect([w.joined, domainList(w), w.bIn]).toEqual(['B-in-A', ['A'], true]);
    expect(w.ptB).toEqual([-1, -1, -1]);
    expect(w.pins).toEqual(before.pins);
    expect(w.lockedVm).toBe(before.lockedVm);
    // UNMAP unmaps and unpins through the one domain
    const after = run(m612, [unmap(0, 2)], w);
    expect(after.pins).toEqual([0, 0, 0, 0]);
    expect(checkWith(m612, pinAccounting, after)).toBeUndefined();
  });

  test('the other way: an incompatible group gets a new domain, replayed, first on domain_list', () => {
    const w = run(m612, [map(0, 2, 0), attach(1)]);
    expect([w.joined, domainList(w), firstDomain(w)]).toEqual(['none', ['B', 'A'], 'B']);
    expect(w.ptB).toEqual([0, 1, -1]);
  });

  test('with no domain in the container (after kexec) a compatible group still gets a new domain', () => {
    const w = run(mlu, [KEXEC, join(0)]);
    expect([w.joined, domainList(w), w.aPersisted]).toEqual(['none', ['A'], false]);
  });

  test('the attach checks come first: -EBUSY while a vaddr is invalid, -EINVAL for a group already in', () => {
    const w = run(m612, [map(0, 1, 0), unmapVaddr(0, 1)]);
    expect(verdictOf(m612, w, join(1))).toMatchObject({ ok: false, ret: '-EBUSY' });
    expect(verdictOf(m612, run(m612, [join(1)]), join(1))).toMatchObject({ ok: false, ret: '-EINVAL' });
  });

  test('after kexec, group A joining the domain group B got moves the device off the persisted table', () => {
    const w = run(mlu, [map(0, 1, 0), KEXEC, attach(1), join(0)]);
    expect([w.joined, domainList(w), w.aPersisted]).toEqual(['A-in-B', ['B'], false]);
    expect(deviceReach(w, 0)).toBe(-1); // domain B has nothing at IOVA 0: the device faults there
    expect(w.faulted[0]).toBe(true);
    const back = run(mlu, [map(0, 1, 0)], w);
    expect(checkWith(mlu, noDmaWindow, back)?.message).toMatch(/IOVA 0x0: mapped before the live update and mapped again now/);
  });
});

describe('what the search finds', () => {
  test('6.12 + any: only vfio-live-update is violated (exec over private memory, 2 steps); the others hold to depth 4', () => {
    const r = check('6.12', 'any', 4);
    expect(r.violations.map((v) => [v.propertyId, v.actions.length])).toEqual([['vfio-live-update', 2]]);
    expect(r.complete).toBe(true);
    // a compatible group B was attached on some path (coverage)
    expect(r.coverage.find((c) => c.kind === 'setContainer')!.newStates).toBeGreaterThan(0);
  });

  test('exec after B joined A: locked_vm still moves to the new mm with MAP_DMA|VADDR', () => {
    const w = run(m612, [map(0, 1, 0), join(1), unmap(0, 0, 6), EXEC, map(0, 1, 0, 4)]);
    expect(checkWith(m612, pinAccounting, w)).toBeUndefined();
  });
});
