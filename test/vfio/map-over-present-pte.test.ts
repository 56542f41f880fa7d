// iommu_map over a present PTE (only a persisted page table gives VFIO one), as each IOMMU driver of
// Linux 6.12 does it (model/vfio/iommu.ts):
// - intel: drivers/iommu/intel/iommu.c __domain_mapping:1872-1885 (cmpxchg fails, WARN_ON, old PTE kept, 0)
// - AMD:   drivers/iommu/amd/io_pgtable.c iommu_v1_map_pages:376-394 (free_clear_pte, then the new PTE)
// - ARM:   drivers/iommu/io-pgtable-arm.c arm_lpae_init_pte:333-335 (-EEXIST; iommu.c:2503 unwinds)
// Each both ways: over a present PTE, and over an empty one (where all three just map).
import { beforeAll, describe, expect, test } from 'vitest';
import { setAutoFreeze } from '../../model/immer.js';
import { recordCalls } from '../../model/call-log.js';
import { noDmaWindow } from '../../invariants/vfio/no-dma-window.js';
import { pinAccounting } from '../../invariants/vfio/pin-accounting.js';
import { vfioLiveUpdate } from '../../invariants/vfio/vfio-live-update.js';
import { MAP_OVER_PRESENT_PTE } from '../../spec/vfio/kernels.js';
import { KEXEC, attach, check, checkWith, kernelWith, map, run, unmap, verdictOf, vfioModel } from './helpers.js';

beforeAll(() => setAutoFreeze(true));

const noflag = (v: (typeof MAP_OVER_PRESENT_PTE)[number]) => vfioModel(kernelWith('lu-rfc-noflag', { mapOverPresentPte: v }), 'any');
/** After kexec, group A on the persisted table, where IOVA 0 → h0 and IOVA 1 has no PTE. */
const adopted = (m: ReturnType<typeof noflag>) => run(m, [map(0, 1, 0), KEXEC, attach(0, true)]);

describe('intel (keep-old): the old PTE stays, MAP_DMA succeeds', () => {
  const m = noflag('keep-old');
  test('over h0, a MAP_DMA of vaddr 0x7f1000 (h1) pins h1 and leaves IOVA 0 → h0; UNMAP would unpin h0', () => {
    const w = adopted(m);
    const { result, calls } = recordCalls(() => m.next(w, map(0, 1, 1)));
    expect(result!.ptA[0]).toBe(0);
    expect(result!.pinnedPfn[0]).toBe(1);
    expect(calls.map((c) => c.fn).join('\n')).toMatch(/DMA PTE already set \(→ h0\), WARN_ON, kept; returns 0/);
    expect(checkWith(m, pinAccounting, result!)?.message).toMatch(/MAP pinned h1 .* UNMAP will unpin h0 instead/);
    expect(checkWith(m, vfioLiveUpdate, result!)?.message).toMatch(/maps it to h0, but .* maps to h1/);
  });
  test('over an empty PTE, the page is mapped as on any kernel', () => {
    const w = run(m, [map(1, 1, 1)], adopted(m));
    expect(w.ptA[1]).toBe(1);
    expect(checkWith(m, pinAccounting, w)).toBeUndefined();
  });
});

describe('AMD (overwrite): the PTE is cleared, then replaced', () => {
  const m = noflag('overwrite');
  test('over h0, IOVA 0 → h1 afterwards, and the running device may fault in between', () => {
    const w = run(m, [map(0, 1, 1)], adopted(m));
    expect(w.ptA[0]).toBe(1);
    expect(w.faulted[0]).toBe(true);
    expect(checkWith(m, vfioLiveUpdate, w)).toBeUndefined();
    expect(checkWith(m, noDmaWindow, w)?.message).toMatch(/IOVA 0x0: mapped before the live update and mapped again now/);
    expect(m.outcome(adopted(m), map(0, 1, 1)).calls.map((c) => c.label).join('\n')).toMatch(/free_clear_pte \(was → h0\)/);
  });
  test('over an empty PTE, no clear and no window', () => {
    const w = run(m, [map(1, 1, 1)], adopted(m));
    expect(w.ptA[1]).toBe(1);
    expect(w.faulted).toEqual([false, false, false]);
  });
});

describe('ARM (eexist): -EEXIST, the MAP_DMA unwound', () => {
  const m = noflag('eexist');
  test('over h0: refused, the world unchanged', () => {
    const w = adopted(m);
    expect(verdictOf(m, w, map(0, 1, 1))).toMatchObject({ ok: false, ret: '-EEXIST', reason: expect.stringMatching(/already has a PTE in domain A/) });
    expect(m.next(w, map(0, 1, 1))).toBeUndefined();
    // the same at attach: replaying a vfio_dma into the persisted table meets the PTE
    const linked = run(m, [map(0, 1, 0), KEXEC, map(0, 1, 0)]);
    expect(verdictOf(m, linked, attach(0, true))).toMatchObject({ ok: false, ret: '-EEXIST' });
  });
  test('over an empty PTE: mapped', () => {
    expect(run(m, [map(1, 1, 1)], adopted(m)).ptA[1]).toBe(1);
  });
});

describe('each vendor checked (pkernfs RFC without the LIVE_UPDATE patch (K5), userspace any, depth 4)', () => {
  test('intel: replaying another vaddr into the persisted table keeps the old PTE: pin-accounting violated in 4 steps', () => {
    const r = check(kernelWith('lu-rfc-noflag', { mapOverPresentPte: 'keep-old' }), 'any', 4, ['pin-accounting']);
    expect(r.violations).toHaveLength(1);
    const m = noflag('keep-old');
    const steps = r.violations[0]!.actions.map((a) => m.label(a));
    expect(steps).toEqual([
      'VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f0000 flags=READ|WRITE',
      'kexec live update (pkernfs: guest RAM and IOMMU page tables persisted, device keeps running)',
      'VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f1000 flags=READ|WRITE',
      'VFIO_CONTAINER_SET_PERSISTENT_PGTABLES; VFIO_GROUP_SET_CONTAINER group A',
    ]);
  });
  test.each(['overwrite', 'eexist'] as const)('%s: pin-accounting holds to depth 4 (complete)', (v) => {
    const r = check(kernelWith('lu-rfc-noflag', { mapOverPresentPte: v }), 'any', 4, ['pin-accounting']);
    expect(r.violations).toEqual([]);
    expect(r.complete).toBe(true);
  });
  test('6.12 (no persisted tables): the three behaviours reach the same worlds', () => {
    const counts = MAP_OVER_PRESENT_PTE.map((v) => check(kernelWith('6.12', { mapOverPresentPte: v }), 'any', 3).stats.distinctStates);
    expect(new Set(counts).size).toBe(1);
  });
  test('UNMAP after the intel keep: h0 unpinned though this kernel never pinned it, h1 leaked', () => {
    const m = noflag('keep-old');
    const w = run(m, [map(0, 1, 1), unmap(0, 1)], adopted(m));
    expect(w.pins).toEqual([-1, 1, 0, 0]);
  });
});
