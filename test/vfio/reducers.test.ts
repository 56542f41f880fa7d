// The subtle rules of drivers/vfio/vfio_iommu_type1.c (v6.12), one world at a time.
import { beforeAll, describe, expect, test } from 'vitest';
import { setAutoFreeze } from '../../model/immer.js';
import { pinAccounting } from '../../invariants/vfio/pin-accounting.js';
import { vfioLiveUpdate } from '../../invariants/vfio/vfio-live-update.js';
import { dmaIsolation } from '../../invariants/vfio/dma-isolation.js';
import { initialWorld } from '../../spec/vfio/world.js';
import {
  EXEC, KEXEC, attach, checkWith, free, map, mapLU, mapVaddr, run, unmap, unmapAll, unmapVaddr, verdictOf, vfioModel,
} from './helpers.js';

beforeAll(() => setAutoFreeze(true)); // a reducer that mutates its input throws

const m612 = vfioModel('6.12', 'any');
const mlu = vfioModel('lu-rfc', 'any');

describe('MAP_DMA', () => {
  test('any overlap with a vfio_dma is -EEXIST', () => {
    const w = run(m612, [map(0, 2, 0)]);
    expect(verdictOf(m612, w, map(1, 1, 2))).toMatchObject({ ok: false, ret: '-EEXIST' });
    expect(verdictOf(m612, w, map(1, 2, 0))).toMatchObject({ ok: false, ret: '-EEXIST' });
    expect(verdictOf(m612, w, map(2, 1, 2))).toEqual({ ok: true });
  });

  test('-ENOSPC when dma_avail is 0 (dma_entry_limit=2)', () => {
    const w = run(m612, [map(0, 1, 0), map(1, 1, 1)]);
    expect(verdictOf(m612, w, map(2, 1, 2))).toMatchObject({ ok: false, ret: '-ENOSPC' });
  });

  test('READ/WRITE xor VADDR, else -EINVAL', () => {
    const w = run(m612, [map(0, 1, 0)]);
    expect(verdictOf(m612, w, map(0, 1, 0, 3 | 4))).toMatchObject({ ok: false, ret: '-EINVAL' });
    expect(verdictOf(m612, w, map(0, 1, 0, 0))).toMatchObject({ ok: false, ret: '-EINVAL' });
  });

  test('pins the pages behind vaddr, maps every domain, charges locked_vm', () => {
    const w = run(m612, [attach(1), map(0, 2, 0)]);
    expect(w.ptA).toEqual([0, 1, -1]);
    expect(w.ptB).toEqual([0, 1, -1]);
    expect(w.pins).toEqual([1, 1, 0, 0]);
    expect(w.pinnedPfn).toEqual([0, 1, -1]);
    expect(w.lockedVm).toBe(2);
  });

  test('-EFAULT when nothing is mapped at vaddr', () => {
    const w = run(m612, [free(1)]);
    expect(verdictOf(m612, w, map(0, 2, 0))).toMatchObject({ ok: false, ret: '-EFAULT' });
  });
});

describe('MAP_DMA|VADDR and UNMAP_DMA|VADDR (VFIO_UPDATE_VADDR)', () => {
  test('no vfio_dma overlapping → -ENOENT', () => {
    expect(verdictOf(m612, initialWorld(), mapVaddr(0, 1, 0))).toMatchObject({ ok: false, ret: '-ENOENT' });
  });
  test('vaddr still valid → -EINVAL', () => {
    const w = run(m612, [map(0, 2, 0)]);
    expect(verdictOf(m612, w, mapVaddr(0, 2, 0))).toMatchObject({ ok: false, ret: '-EINVAL' });
  });
  test('iova and size must match the vfio_dma exactly → -EINVAL otherwise', () => {
    const w = run(m612, [map(0, 2, 0), unmapVaddr(0, 2)]);
    expect(verdictOf(m612, w, mapVaddr(0, 1, 0))).toMatchObject({ ok: false, ret: '-EINVAL', reason: expect.stringMatching(/exactly/) });
    expect(verdictOf(m612, w, mapVaddr(1, 1, 0))).toMatchObject({ ok: false, ret: '-EINVAL' });
    expect(verdictOf(m612, w, mapVaddr(0, 2, 1))).toEqual({ ok: true });
  });
  test('invalidating an already invalid vaddr → -EINVAL, the marks of the call rolled back', () => {
    const w = run(m612, [map(0, 1, 0), map(1, 1, 1), unmapVaddr(1, 1)]);
    expect(verdictOf(m612, w, unmapVaddr(0, 2))).toMatchObject({ ok: false, ret: '-EINVAL' });
    expect(m612.next(w, unmapVaddr(0, 2))).toBeUndefined();
  });
  test('DMA continues: UNMAP|VADDR leaves page tables and pins alone', () => {
    const before = run(m612, [map(0, 2, 0)]);
    const w = run(m612, [unmapVaddr(0, 2)], before);
    expect(w.ptA).toEqual(before.ptA);
    expect(w.pins).toEqual(before.pins);
    expect(w.dmas[0]!.vaddrInvalid).toBe(true);
  });
  test('group attach while a vaddr is invalid → -EBUSY', () => {
    const w = run(m612, [map(0, 1, 0), unmapAll(4)]);
    expect(verdictOf(m612, w, attach(1))).toMatchObject({ ok: false, ret: '-EBUSY' });
    const back = run(m612, [mapVaddr(0, 1, 0)], w);
    expect(verdictOf(m612, back, attach(1))).toEqual({ ok: true });
  });
  test('exec then MAP|VADDR moves locked_vm to the new mm (vfio_change_dma_owner)', () => {
    const w = run(m612, [map(0, 2, 0), unmapAll(4), EXEC]);
    expect(w.lockedVm).toBe(0);
    const after = run(m612, [mapVaddr(0, 2, 0)], w);
    expect(after.lockedVm).toBe(2);
    expect(checkWith(m612, pinAccounting, after)).toBeUndefined();
    expect(checkWith(m612, vfioLiveUpdate, after)).toBeUndefined();
  });
});

describe('UNMAP_DMA', () => {
  test('v2: a range that bisects a vfio_dma → -EINVAL at either end; covering it whole succeeds', () => {
    const w = run(m612, [map(0, 2, 0)]);
    expect(verdictOf(m612, w, unmap(1, 1))).toMatchObject({ ok: false, ret: '-EINVAL', reason: expect.stringMatching(/starts inside/) });
    expect(verdictOf(m612, w, unmap(0, 1))).toMatchObject({ ok: false, ret: '-EINVAL', reason: expect.stringMatching(/ends inside/) });
    const after = run(m612, [unmap(0, 3)], w);
    expect(after.dmas).toEqual([]);
    expect(after.pins).toEqual([0, 0, 0, 0]);
    expect(after.ptA).toEqual([-1, -1, -1]);
    expect(after.lockedVm).toBe(0);
  });
  test('no mapping in the range: success with size 0, a self-loop', () => {
    const w = run(m612, [map(0, 1, 0)]);
    expect(verdictOf(m612, w, unmap(1, 2))).toMatchObject({ ok: false, ret: '0' });
    expect(m612.outcome(w, unmap(1, 2)).ret).toBe('0');
    expect(m612.outcome(w, unmap(0, 3)).ret).toBe('0 (size=0x1000)');
  });
  test('the pfns to unpin are read from the first domain (the most recently attached)', () => {
    const w = run(m612, [map(0, 1, 0), attach(1)]);
    expect(w.bFirst).toBe(true);
    expect(w.ptB).toEqual([0, -1, -1]); // replayed from domain A
    const o = m612.outcome(w, unmap(0, 1));
    const labels = o.calls.map((c) => c.label);
    expect(labels.indexOf('iommu_unmap domain A [0x0,0x1000)')).toBeLessThan(labels.findIndex((l) => l.startsWith('unpin h0 (read from domain B)')));
  });
  test('LIVE_UPDATE over a stale persisted PTE: UNMAP unpins the page in the table, not the one MAP pinned', () => {
    // Before kexec IOVA 0 → h0; after kexec the VMM claims IOVA 0 is vaddr 0x7f1000 (h1).
    const w = run(mlu, [map(0, 1, 0), KEXEC, attach(0, true), mapLU(0, 1, 1)]);
    expect(w.pinnedPfn[0]).toBe(1);
    expect(w.ptA[0]).toBe(0);
    expect(checkWith(mlu, vfioLiveUpdate, w)?.message).toMatch(/domain A \(persisted page table\) maps it to h0.*maps to h1/);
    expect(checkWith(mlu, pinAccounting, w)?.message).toMatch(/MAP pinned h1 .* UNMAP will unpin h0 instead/);
    const after = run(mlu, [unmap(0, 1)], w);
    expect(after.pins).toEqual([-1, 1, 0, 0]); // h0 unpinned though never pinned by this kernel, h1 leaked
    expect(after.owner[0]).toBe('freed');
  });
  test('LIVE_UPDATE over an absent PTE: UNMAP WARNs, skips the page and leaks the pin', () => {
    const w = run(mlu, [KEXEC, attach(0, true), mapLU(0, 1, 0)]);
    const o = mlu.outcome(w, unmap(0, 1));
    expect(o.calls.some((c) => c.label.startsWith('WARN_ON(!phys)'))).toBe(true);
    const after = run(mlu, [unmap(0, 1)], w);
    expect(after.pins[0]).toBe(1);
    expect(after.lockedVm).toBe(1);
    expect(checkWith(mlu, pinAccounting, after)?.message).toMatch(/h0 has 1 VFIO pins, the vfio_dma list accounts for 0/);
  });
  test('a domain attached after kexec gets nothing for LIVE_UPDATE ranges', () => {
    const w = run(mlu, [map(0, 1, 0), KEXEC, attach(0, true), attach(1), mapLU(0, 1, 0)]);
    expect(w.ptB[0]).toBe(-1);
    expect(checkWith(mlu, vfioLiveUpdate, w)?.message).toMatch(/domain B maps it to nothing/);
  });
});

describe('process and kexec', () => {
  test('munmap of a pinned page keeps it the owner\'s until VFIO unpins it', () => {
    const w = run(m612, [map(0, 1, 0), free(0)]);
    expect(w.owner[0]).toBe('proc');
    expect(checkWith(m612, dmaIsolation, w)).toBeUndefined();
    const after = run(m612, [unmap(0, 1)], w);
    expect(after.owner[0]).toBe('freed');
  });
  test('kexec keeps group A\'s table and the device on it; private memory goes to the new kernel', () => {
    const w = run(mlu, [map(0, 1, 0), map(1, 1, 2), KEXEC]);
    expect(w.ptA).toEqual([0, 2, -1]);
    expect(w.dmas).toEqual([]);
    expect(w.pins).toEqual([0, 0, 0, 0]);
    expect(w.owner).toEqual(['proc', 'proc', 'other', 'proc']);
    expect(checkWith(mlu, dmaIsolation, w)?.message).toMatch(/IOVA 0x1000.*h2, which is another user's/);
  });
  test('the model never mutates its input (auto-freeze on)', () => {
    const w0 = initialWorld();
    const snapshot = JSON.stringify(w0);
    for (const a of mlu.alphabetActions) mlu.next(w0, a);
    expect(JSON.stringify(w0)).toBe(snapshot);
  });
});
