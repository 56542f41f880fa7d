// The race seed 004 avoids: after a kexec live update with persisted page tables and a running
// device, re-mapping without the flag forces unmap-then-map (a plain MAP_DMA over live PTEs fails),
// and the device faults in between. With the flag and an honest userspace it does not.
import { describe, expect, test } from 'vitest';
import { check, vfioModel, run, map, KEXEC, attach, verdictOf } from './helpers.js';

describe('no-dma-window across a kexec live update', () => {
  test('without the flag (pkernfs without seed 004), the honest re-map through a fresh domain opens a DMA window', () => {
    const r = check('lu-rfc-noflag', 'cpr', 16);
    const v = r.violations.find((x) => x.propertyId === 'no-dma-window');
    expect(v).toBeDefined();
    const m = vfioModel('lu-rfc-noflag', 'cpr');
    expect(v!.actions.map((a) => m.label(a))).toEqual([
      'VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f0000 flags=READ|WRITE',
      'VFIO_IOMMU_MAP_DMA iova=0x1000 size=0x1000 vaddr=0x7f1000 flags=READ|WRITE',
      'kexec live update (pkernfs: guest RAM and IOMMU page tables persisted, device keeps running)',
      'VFIO_GROUP_SET_CONTAINER group A (new IOMMU domain)',
      'VFIO_IOMMU_MAP_DMA iova=0x0 size=0x1000 vaddr=0x7f0000 flags=READ|WRITE',
    ]);
    expect(v!.violation.message).toMatch(/IOVA 0x0: mapped before the live update and mapped again now/);
    // Nothing else goes wrong on that path: the window is the whole problem.
    expect(r.violations.map((x) => x.propertyId)).toEqual(['no-dma-window']);
  });

  test('a plain MAP_DMA over the persisted PTEs is refused (-EEXIST from iommu_map): unmap-then-map is forced', () => {
    const m = vfioModel('lu-rfc-noflag', 'any');
    const w = run(m, [map(0, 1, 0), KEXEC, attach(0, true)]);
    const v = verdictOf(m, w, map(0, 1, 0));
    expect(v).toMatchObject({ ok: false, ret: '-EEXIST' });
  });

  test('with the flag, the honest userspace re-maps with no window', () => {
    const r = check('lu-rfc', 'cpr', 16, ['no-dma-window']);
    expect(r.violations).toEqual([]);
    expect(r.complete).toBe(true);
  });
});
