// K5 of known-bugs.md, both ways: with seed 004's VFIO_DMA_MAP_FLAG_LIVE_UPDATE the kernel trusts
// the (persisted) page table; `any` userspace breaks that trust, the honest `cpr` one does not.
import { describe, expect, test } from 'vitest';
import { explore } from '../../explorer/bfs.js';
import type { Property } from '../../explorer/model.js';
import type { VfioAction } from '../../spec/vfio/actions.js';
import { MAP_LIVE_UPDATE } from '../../spec/vfio/constants.js';
import type { VfioWorld } from '../../spec/vfio/world.js';
import { check, kernelWith, vfioModel } from './helpers.js';

describe('K5: VFIO_DMA_MAP_FLAG_LIVE_UPDATE (seed 004)', () => {
  test('lu-rfc + any violates vfio-live-update and pin-accounting in one MAP_DMA(LIVE_UPDATE)', () => {
    const r = check('lu-rfc', 'any', 4, ['vfio-live-update', 'pin-accounting']);
    const byId = new Map(r.violations.map((v) => [v.propertyId, v]));
    for (const id of ['vfio-live-update', 'pin-accounting']) {
      const v = byId.get(id);
      expect(v, id).toBeDefined();
      // Shortest: the flag is accepted with no persisted table at all, iommu_map is skipped.
      expect(v!.actions).toHaveLength(1);
      const a = v!.actions[0]!;
      expect(a.t === 'mapDma' && (a.flags & MAP_LIVE_UPDATE) !== 0).toBe(true);
    }
    expect(byId.get('vfio-live-update')!.violation.message).toMatch(/IOVA 0x0: domain A maps it to nothing/);
    expect(byId.get('pin-accounting')!.violation.message).toMatch(/UNMAP will WARN, skip it and leak the pin/);
  });

  test('lu-rfc + cpr (re-map exactly what was persisted, with the flag) holds every invariant, complete', () => {
    const r = check('lu-rfc', 'cpr', 16);
    expect(r.violations).toEqual([]);
    expect(r.complete).toBe(true);
    expect(r.stoppedBy).toBe('exhausted');
    // The program ran to its end: kexec, attach to the persisted domain, two LIVE_UPDATE maps.
    expect(r.stats.depth).toBe(vfioModel('lu-rfc', 'cpr').alphabetActions.length);
    const kinds = r.coverage.filter((c) => c.newStates > 0).map((c) => c.kind);
    expect(kinds).toEqual(expect.arrayContaining(['mapDma', 'kexec', 'setContainer']));
  });

  test('6.12 refuses the flag: -EINVAL from the MAP_DMA mask, so no LIVE_UPDATE trust to abuse', () => {
    const m = vfioModel('6.12', 'any');
    expect(m.alphabetActions.some((a) => a.t === 'mapDma' && (a.flags & MAP_LIVE_UPDATE) !== 0)).toBe(false);
    const o = m.outcome(m.init()[0]!, { t: 'mapDma', iova: 0, size: 1, vaddr: 0, flags: 3 | MAP_LIVE_UPDATE });
    expect(o.ret).toBe('-EINVAL');
    expect(o.reason).toMatch(/outside the MAP_DMA mask of 6\.12/);
  });
});

describe('K5 mechanism, found by the search (no scenario written)', () => {
  // On ARM (-EEXIST) the flag is the only way past a persisted PTE, so the search can only find it there.
  test('UNMAP after a LIVE_UPDATE map over a stale persisted PTE unpins a page this kernel never pinned (ARM)', () => {
    const m = vfioModel(kernelWith('lu-rfc', { mapOverPresentPte: 'eexist' }), 'any');
    // A probe property over the same model: a pin count below zero is a reference dropped that was never taken.
    const probe: Property<VfioWorld, VfioAction> = {
      kind: 'invariant',
      id: 'probe-negative-pin',
      check: (w) => (w.pins.some((n) => n < 0) ? { message: 'a pin count went below zero' } : undefined),
    };
    // A smaller alphabet keeps the test fast: one-page calls, no munmap/exec (the search is still blind).
    const small = (a: VfioAction): boolean => a.t !== 'userFree' && a.t !== 'exec' && !((a.t === 'mapDma' || a.t === 'unmapDma') && a.size > 1);
    const actions = (s: VfioWorld, out: VfioAction[]): void => {
      const all: VfioAction[] = [];
      m.actions(s, all);
      for (const a of all) if (small(a)) out.push(a);
    };
    const r = explore({ ...m, actions, properties: () => [probe] }, { maxDepth: 5 });
    expect(r.violations).toHaveLength(1);
    const steps = r.violations[0]!.actions.map((a) => m.label(a));
    expect(steps).toHaveLength(5);
    expect(steps[1]).toMatch(/^kexec/);
    expect(steps[2]).toMatch(/SET_PERSISTENT_PGTABLES/);
    expect(steps[3]).toMatch(/flags=READ\|WRITE\|LIVE_UPDATE$/);
    expect(steps[4]).toMatch(/^VFIO_IOMMU_UNMAP_DMA/);
  });

  test('on intel (keep-old), the same unpin needs no flag: a plain MAP_DMA replayed into the persisted table', () => {
    const m = vfioModel(kernelWith('lu-rfc-noflag', { mapOverPresentPte: 'keep-old' }), 'any');
    const probe: Property<VfioWorld, VfioAction> = {
      kind: 'invariant',
      id: 'probe-negative-pin',
      check: (w) => (w.pins.some((n) => n < 0) ? { message: 'a pin count went below zero' } : undefined),
    };
    const r = explore({ ...m, properties: () => [probe] }, { maxDepth: 5 });
    expect(r.violations).toHaveLength(1);
    const steps = r.violations[0]!.actions.map((a) => m.label(a));
    expect(steps.some((l) => /LIVE_UPDATE/.test(l))).toBe(false);
    expect(steps).toEqual([
      'VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f0000 flags=READ|WRITE',
      'kexec live update (pkernfs: guest RAM and IOMMU page tables persisted, device keeps running)',
      'VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f1000 flags=READ|WRITE',
      'VFIO_CONTAINER_SET_PERSISTENT_PGTABLES; VFIO_GROUP_SET_CONTAINER group A',
      'VFIO_IOMMU_UNMAP_DMA iova=0x0 size=0x1000 flags=0',
    ]);
  });
});
