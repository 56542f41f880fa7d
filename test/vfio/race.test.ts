// The race seed 004 avoids: after a kexec live update with persisted page tables and a running
// device, re-mapping without the flag either goes through a fresh domain (ARM: a plain MAP_DMA over a
// live PTE is -EEXIST, so unmap-then-map is forced) or rewrites the live PTEs (AMD: free_clear_pte
// then the new PTE), and the device can fault in between. Intel keeps the PTE (WARN) and has no
// window. With the flag and an honest userspace, no vendor has one.
import { describe, expect, test } from 'vitest';
import { MAP_OVER_PRESENT_PTE } from '../../spec/vfio/kernels.js';
import { check, kernelWith, vfioModel, run, map, KEXEC, attach, verdictOf } from './helpers.js';

const noflag = (v: (typeof MAP_OVER_PRESENT_PTE)[number]) => kernelWith('lu-rfc-noflag', { mapOverPresentPte: v });

describe('no-dma-window across a kexec live update', () => {
  test('without the flag on ARM (-EEXIST), the honest re-map through a fresh domain opens a DMA window', () => {
    const r = check(noflag('eexist'), 'cpr', 16);
    const v = r.violations.find((x) => x.propertyId === 'no-dma-window');
    expect(v).toBeDefined();
    const m = vfioModel(noflag('eexist'), 'cpr');
    expect(v!.actions.map((a) => m.label(a))).toEqual([
      'VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f0000 flags=READ|WRITE',
      'VFIO_IOMMU_MAP_DMA iova=0x1000 size=0x1000 vaddr=0x7f1000 flags=READ|WRITE',
      'kexec live update (pkernfs: guest RAM and IOMMU page tables persisted, device keeps running)',
      'VFIO_GROUP_SET_CONTAINER group A (compatible IOMMU: joins the container\'s domain, or a new one)',
      'VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f0000 flags=READ|WRITE',
    ]);
    expect(v!.violation.message).toMatch(/IOVA 0x0: mapped before the live update and mapped again now/);
    // Nothing else goes wrong on that path: the window is the whole problem.
    expect(r.violations.map((x) => x.propertyId)).toEqual(['no-dma-window']);
  });

  test('without the flag on AMD (overwrite), re-mapping over the persisted PTEs opens the free_clear_pte window', () => {
    const r = check(noflag('overwrite'), 'cpr', 16);
    expect(r.violations.map((x) => x.propertyId)).toEqual(['no-dma-window']);
    const m = vfioModel(noflag('overwrite'), 'cpr');
    const steps = r.violations[0]!.actions.map((a) => m.label(a));
    expect(steps).toHaveLength(5);
    expect(steps[3]).toMatch(/SET_PERSISTENT_PGTABLES/);
    expect(steps[4]).toBe('VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f0000 flags=READ|WRITE');
  });

  test('without the flag on Intel (keep-old), the honest re-map over the persisted PTEs has no window', () => {
    const r = check(noflag('keep-old'), 'cpr', 16);
    expect(r.violations).toEqual([]);
    expect(r.complete).toBe(true);
    expect(r.stats.depth).toBe(6);
  });

  test('ARM: a plain MAP_DMA over the persisted PTEs is refused (-EEXIST from iommu_map); Intel and AMD accept it', () => {
    for (const v of MAP_OVER_PRESENT_PTE) {
      const m = vfioModel(noflag(v), 'any');
      const w = run(m, [map(0, 1, 0), KEXEC, attach(0, true)]);
      expect(verdictOf(m, w, map(0, 1, 0)), v).toMatchObject(v === 'eexist' ? { ok: false, ret: '-EEXIST' } : { ok: true });
    }
  });

  test.each(MAP_OVER_PRESENT_PTE)('with the flag, the honest userspace re-maps with no window (%s)', (v) => {
    const r = check(kernelWith('lu-rfc', { mapOverPresentPte: v }), 'cpr', 16, ['no-dma-window']);
    expect(r.violations).toEqual([]);
    expect(r.complete).toBe(true);
  });
});
