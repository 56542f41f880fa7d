// K1 and K2 of docs/known-behaviours.md, found where they must be and not where they must not.
import { describe, expect, test } from 'vitest';
import { checkVdpa } from './helpers.js';

describe('K1: RFC v2 patch 4/4 accepts IOTLB_PERSIST on a parent without persistent maps', () => {
  test('rfc-v2 + vdpa_sim (pre-series, no reset_map) + any violates feature-negotiation in 2 steps', async () => {
    const r = await checkVdpa('rfc-v2', 'vdpa_sim', 'any', 'feature-negotiation', 4);
    expect(r.violated).toBe(true);
    expect(r.length).toBe(2);
    expect(r.labels[0]).toContain('open');
    expect(r.labels[1]).toContain('VHOST_SET_BACKEND_FEATURES');
    expect(r.message).toMatch(/IOTLB_PERSIST|DESC_ASID/);
  });
  test('rfc-v3 + vdpa_sim + any: feature-negotiation holds', async () => {
    const r = await checkVdpa('rfc-v3', 'vdpa_sim', 'any', 'feature-negotiation', 4);
    expect(r.violated).toBe(false);
    expect(r.stoppedBy).toMatch(/max-depth|exhausted/);
  });
});

describe('K2: before 6.7 the parents\' reset dropped on-chip maps behind vhost-vdpa', () => {
  test('6.6 + mlx5 + any violates kernel-device-agreement in 5 steps', async () => {
    const r = await checkVdpa('6.6', 'mlx5', 'any', 'kernel-device-agreement', 5);
    expect(r.violated).toBe(true);
    expect(r.length).toBe(5);
  });
  test('6.6 + mlx5 + any: dma-isolation once DMA runs on the 1:1 map: open, owner, UPDATE, reset, DRIVER_OK', async () => {
    const r = await checkVdpa('6.6', 'mlx5', 'any', 'dma-isolation', 5);
    expect(r.violated).toBe(true);
    expect(r.length).toBe(5);
    expect(r.labels.join('\n')).toMatch(/VHOST_IOTLB_UPDATE[\s\S]*SET_STATUS, 0x0[\s\S]*SET_STATUS, 0xf/);
    expect(r.message).toContain('1:1 map');
  });
});

describe('--exclude-actions', () => {
  test('leaving a kind out of any\'s alphabet changes what is reachable: no reset, no K2', async () => {
    const { buildVdpaTarget } = await import('../../systems/vdpa/target.js');
    const { explore } = await import('../../explorer/bfs.js');
    const t = await buildVdpaTarget({
      system: 'vdpa', kernel: '6.6', parent: 'mlx5', userspace: 'any', invariants: ['dma-isolation'], bounds: {},
      excludeActions: ['setStatus', 'bindVirtio'],
    });
    expect(t.alphabet.some((l) => l.includes('VHOST_VDPA_SET_STATUS'))).toBe(false);
    const r = explore(t.model, { maxDepth: 6, propertyIds: ['dma-isolation'] });
    expect(r.violations).toEqual([]);
  });
  test('an unknown kind, or a scripted userspace, is a usage error', async () => {
    const { buildVdpaTarget } = await import('../../systems/vdpa/target.js');
    const base = { system: 'vdpa', kernel: '6.12', parent: 'mlx5', invariants: undefined, bounds: {} } as const;
    await expect(buildVdpaTarget({ ...base, userspace: 'any', excludeActions: ['frob'] })).rejects.toThrow(/not an action kind/);
    await expect(buildVdpaTarget({ ...base, userspace: 'qemu', excludeActions: ['open'] })).rejects.toThrow(/--userspace any only/);
  });
});

describe('errors vhost-vdpa swallows', () => {
  test('with the reset left out, a failing set_map behind an INVALIDATE (return value ignored) violates kernel-device-agreement', async () => {
    const { buildVdpaTarget } = await import('../../systems/vdpa/target.js');
    const { explore } = await import('../../explorer/bfs.js');
    const t = await buildVdpaTarget({
      system: 'vdpa', kernel: '6.12', parent: 'vdpa_sim', userspace: 'any', invariants: ['kernel-device-agreement'],
      bounds: {}, excludeActions: ['setStatus(status=0)'],
    });
    const r = explore(t.model, { maxDepth: 6, propertyIds: ['kernel-device-agreement'] });
    const v = r.violations[0];
    expect(v?.actions.length).toBe(6);
    const labels = (v?.actions ?? []).map((a) => t.model.label(a)).join('\n');
    expect(labels).toMatch(/fault injection[\s\S]*VHOST_IOTLB_(INVALIDATE|BATCH_END)/);
    expect(v?.violation.message).toMatch(/vhost-vdpa's iotlb has h\d, the device translates to fault/);
  });
});
