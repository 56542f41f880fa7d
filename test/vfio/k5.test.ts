// K5 of known-bugs.md, both ways: with seed 004's VFIO_DMA_MAP_FLAG_LIVE_UPDATE the kernel trusts
// the (persisted) page table; `any` userspace breaks that trust, the honest `cpr` one does not.
import { describe, expect, test } from 'vitest';
import { MAP_LIVE_UPDATE } from '../../spec/vfio/constants.js';
import { check, vfioModel } from './helpers.js';

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
      expect(a.kind === 'map' && (a.flags & MAP_LIVE_UPDATE) !== 0).toBe(true);
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
    expect(kinds).toEqual(expect.arrayContaining(['map', 'kexec', 'attach']));
  });

  test('6.12 refuses the flag: -EINVAL from the MAP_DMA mask, so no LIVE_UPDATE trust to abuse', () => {
    const m = vfioModel('6.12', 'any');
    expect(m.alphabetActions.some((a) => a.kind === 'map' && (a.flags & MAP_LIVE_UPDATE) !== 0)).toBe(false);
    const o = m.outcome(m.init()[0]!, { kind: 'map', iova: 0, size: 1, vaddr: 0, flags: 3 | MAP_LIVE_UPDATE });
    expect(o.ret).toBe('-EINVAL');
    expect(o.reason).toMatch(/outside the MAP_DMA mask of 6\.12/);
  });
});
