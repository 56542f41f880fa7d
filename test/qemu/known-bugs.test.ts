// K2, K4 and K6 of docs/known-behaviours.md with QEMU as the userspace: found where they must be, not where
// they must not, with default bounds and the whole script explored.
import { describe, expect, test } from 'vitest';
import { referenceCycle } from '../../systems/vdpa/cost.js';
import { runQemu } from './helpers.js';

describe('K2 must not: QEMU unmaps everything around a reset and remaps before DRIVER_OK', () => {
  test('6.6 + mlx5 + qemu: kernel-device-agreement holds over the whole script', async () => {
    const r = await runQemu('6.6', 'mlx5', 'qemu', ['kernel-device-agreement']);
    expect(r.result.stoppedBy).toBe('exhausted');
    expect(r.result.complete).toBe(true);
    expect(r.result.violations).toEqual([]);
    // The script did reset a device holding maps (stop), so the property was exercised, not vacuous.
    const kinds = new Map(r.result.coverage.map((c) => [c.kind, c.newStates]));
    expect(kinds.get('setStatus')).toBeGreaterThan(4);
    expect(kinds.get('iotlbInvalidate')).toBeGreaterThan(0);
  });
  test('6.6 + mlx5 + any still finds it (the bug is in the kernel; QEMU hides it)', async () => {
    const r = await runQemu('6.6', 'mlx5', 'any', ['kernel-device-agreement']);
    expect(r.result.violations.map((v) => v.propertyId)).toContain('kernel-device-agreement');
  });
});

describe('K4: a RAM resize while running, deletes before adds in one batch', () => {
  const resize = [
    'VHOST_IOTLB_BATCH_BEGIN asid=0',
    'VHOST_IOTLB_INVALIDATE asid=0 iova=[0x2000,0x4000)',
    'VHOST_IOTLB_UPDATE asid=0 iova=[0x2000,0x3000)',
    'VHOST_IOTLB_BATCH_END asid=0',
  ];
  for (const parent of ['platform', 'vdpa_sim_dma'] as const) {
    test(`6.12 + ${parent} + qemu violates no-dma-window, ending with the resize`, async () => {
      const r = await runQemu('6.12', parent, 'qemu', ['no-dma-window']);
      const labels = r.labels('no-dma-window');
      expect(labels).toBeDefined();
      const tail = labels!.slice(-4);
      resize.forEach((want, i) => expect(tail[i]).toContain(want));
      // Boot to DRIVER_OK first: the device runs when the window opens.
      expect(labels![labels!.length - 5]).toContain('SET_STATUS, 0xf');
      expect(r.result.violations.find((v) => v.propertyId === 'no-dma-window')!.violation.message).toContain('IOVA 0x2000');
    });
  }
  for (const parent of ['mlx5', 'vdpa_sim'] as const) {
    test(`6.12 + ${parent} + qemu: no-dma-window holds (set_map applied once at BATCH_END)`, async () => {
      const r = await runQemu('6.12', parent, 'qemu', ['no-dma-window']);
      expect(r.result.complete).toBe(true);
      expect(r.result.violations).toEqual([]);
    });
  }
  test('6.1 + mlx5 + qemu: the resize rebuilds the MR with the VQs torn down, and no window', async () => {
    const r = await runQemu('6.1', 'mlx5', 'qemu', ['no-dma-window']);
    expect(r.result.complete).toBe(true);
    expect(r.result.violations).toEqual([]);
  });
});

describe('K6: 6.7 with a userspace that acks IOTLB_PERSIST keeps maps across reset', () => {
  test('6.7 + mlx5 + qemu-persist: every invariant holds', async () => {
    const r = await runQemu('6.7', 'mlx5', 'qemu-persist');
    expect(r.invariants.length).toBeGreaterThanOrEqual(8);
    expect(r.result.complete).toBe(true);
    expect(r.result.violations).toEqual([]);
  });
  test('6.7 + mlx5 + qemu-persist: the reboot cycle costs nothing (no message, pin or unpin)', async () => {
    const r = await runQemu('6.7', 'mlx5', 'qemu-persist', ['pin-accounting']);
    const c = referenceCycle(r.model)!;
    expect(c.cost).toEqual({
      iotlbMessages: 0, pagesPinned: 0, pagesUnpinned: 0, setMapCalls: 0, dmaMapCalls: 0, dmaUnmapCalls: 0, vqTeardowns: 0,
    });
    // Stop and start still happen: SUSPEND, reset, ACK|DRIVER, FEATURES_OK, SET_GROUP_ASID, DRIVER_OK.
    expect(c.cycle.map((a) => a.t)).toEqual(['suspend', 'setStatus', 'setStatus', 'setStatus', 'setGroupAsid', 'setStatus']);
  });
  test('6.7 + mlx5 + qemu: the cycle unpins and re-pins all guest RAM (4 pages) and the CVQ buffers (2)', async () => {
    const r = await runQemu('6.7', 'mlx5', 'qemu', ['pin-accounting']);
    const c = referenceCycle(r.model)!;
    // 2 INVALIDATE + 2 UPDATE of RAM in two batches (4 BB/BE), 2 + 2 CVQ buffer messages;
    // set_map: one per BATCH_END (2) and one per un-batched CVQ message (4).
    expect(c.cost).toEqual({
      iotlbMessages: 12, pagesPinned: 6, pagesUnpinned: 6, setMapCalls: 6, dmaMapCalls: 0, dmaUnmapCalls: 0, vqTeardowns: 0,
    });
    expect(c.bootCost.pagesPinned).toBe(6);
  });
});
