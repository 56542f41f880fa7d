// The TraceModel side of the VFIO model: labels, JSON round trip, views, outcomes, the target.
import { describe, expect, test } from 'vitest';
import { UsageError, type Config } from '../../spec/config.js';
import { buildVfioTarget } from '../../systems/vfio/target.js';
import { initialWorld } from '../../spec/vfio/world.js';
import { KEXEC, attach, map, mapLU, run, vfioModel } from './helpers.js';

const config = (kernel: string, userspace: string): Config => ({
  system: 'vfio', kernel, parent: undefined, userspace, invariants: undefined, bounds: {},
});

describe('VFIO trace model', () => {
  test('labels read like a kernel developer\'s note, bytes in hex', () => {
    const m = vfioModel('lu-rfc', 'any');
    expect(m.label(mapLU(1, 2, 0))).toBe('VFIO_IOMMU_MAP_DMA iova=0x1000 size=0x2000 vaddr=0x7f0000 flags=READ|WRITE|LIVE_UPDATE');
    expect(m.label({ t: 'unmapDma', iova: 0, size: 0, flags: 6 })).toBe('VFIO_IOMMU_UNMAP_DMA iova=0x0 size=0x0 flags=ALL|VADDR');
  });

  test('every action of every alphabet survives the JSON round trip', () => {
    for (const [k, u] of [['6.12', 'any'], ['lu-rfc', 'any'], ['lu-rfc', 'cpr'], ['6.12', 'cpr']] as const) {
      const m = vfioModel(k, u);
      for (const a of m.alphabetActions) expect(m.actionFromJson(JSON.parse(JSON.stringify(m.actionToJson(a))))).toEqual(a);
    }
    const m = vfioModel('6.12', 'any');
    expect(m.actionFromJson({ kind: 'map', iova: 0x800, size: 0x1000, vaddr: '0x7f0000', flags: 3 })).toBeUndefined();
    expect(m.actionFromJson({ kind: 'nope' })).toBeUndefined();
    // out of the model's ranges in the current form
    expect(m.actionFromJson({ t: 'mapDma', iova: 2, size: 2, vaddr: 0, flags: 3 })).toBeUndefined();
    expect(m.actionFromJson({ t: 'setContainer', group: 2, persisted: false })).toBeUndefined();
    // traces written before the tags were unified: `kind`, bytes in hex
    expect(m.actionFromJson({ kind: 'map', iova: 0x1000, size: 0x1000, vaddr: '0x7f0000', flags: 3 })).toEqual(map(1, 1, 0));
    expect(m.actionFromJson({ kind: 'attach', group: 1, persisted: false })).toEqual(attach(1));
    expect(m.actionFromJson({ kind: 'free', vaddr: '0x7f2000' })).toEqual({ t: 'userFree', vaddr: 2 });
  });

  test('outcome: errno and reason of a refused call; the calls of an accepted one', () => {
    const m = vfioModel('lu-rfc', 'any');
    const w = run(m, [map(0, 1, 0)]);
    const o = m.outcome(w, map(0, 1, 1));
    expect(o.ret).toBe('-EEXIST');
    expect(o.reason).toMatch(/overlaps vfio_dma \[0x0,0x1000\)/);
    const ok = m.outcome(run(m, [KEXEC, attach(0, true)], w), mapLU(0, 1, 0));
    expect(ok.ret).toBe('0');
    expect(ok.calls[0]).toEqual({ from: 'userspace', to: 'vfio type1', label: m.label(mapLU(0, 1, 0)) });
    expect(ok.calls.map((c) => c.label)).toContain('LIVE_UPDATE: iommu_map skipped (persisted tables trusted)');
    for (const c of ok.calls) expect(m.lanes).toContain(c.to);
  });

  test('view: layers with stable field names, IOVA ranges in hex', () => {
    const m = vfioModel('lu-rfc', 'any');
    const a = m.view(initialWorld());
    const b = m.view(run(m, [map(0, 1, 0), KEXEC]));
    expect(a.map((l) => l.layer)).toEqual(['userspace', 'vfio type1', 'iommu', 'device', 'host memory']);
    expect(a.map((l) => l.fields.map((f) => f.name))).toEqual(b.map((l) => l.fields.map((f) => f.name)).map((names, i) =>
      // the device layer gains the update's fields once an update has started
      i === 3 ? names.slice(0, 4) : names));
    expect(JSON.stringify(b)).toMatch(/\(persisted\) \(not in the container\) \[0x0,0x1000\) → h0/);
    expect(m.worldToJson(initialWorld())).toMatchObject({ phase: 'boot', dmas: [] });
  });

  test('target: shipped names, defaults, and one-line usage errors', async () => {
    const t = await buildVfioTarget(config('lu-rfc', 'any'));
    expect(t.config).toMatchObject({ system: 'vfio', kernel: 'lu-rfc', userspace: 'any', bounds: { maxDepth: 7 } });
    expect(t.applicable).toEqual(['vfio-live-update', 'pin-accounting', 'no-dma-window', 'dma-isolation']);
    expect(t.alphabet.join('\n')).toMatch(/IOVA pages: 0x0, 0x1000, 0x2000/);
    await expect(buildVfioTarget(config('6.12', 'qemu-persist'))).rejects.toBeInstanceOf(UsageError);
    await expect(buildVfioTarget(config('7.0', 'any'))).rejects.toThrow(/--kernel "7\.0" is not a vfio kernel/);
    await expect(buildVfioTarget({ ...config('6.12', 'any'), invariants: ['asid-routing'] })).rejects.toBeInstanceOf(UsageError);
  });

  test('target: a kernel variant module given by path', async () => {
    const t = await buildVfioTarget(config('test/vfio/fixtures/lu-rfc-noflag.ts', 'cpr'));
    expect(t.config.kernel).toBe('lu-rfc-noflag-arm');
    // ARM: a plain MAP_DMA over the persisted PTEs fails, so the honest program takes a fresh domain
    expect(t.alphabet.join('\n')).toMatch(/3\. kexec.*\n4\. VFIO_GROUP_SET_CONTAINER group A \(compatible IOMMU/);
    await expect(buildVfioTarget(config('test/vfio/fixtures/bad-kernel.ts', 'cpr'))).rejects.toThrow(/not a vfio variant/);
  });
});
