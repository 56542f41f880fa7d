// `compare --system vfio`: each invariant on each side alone (shared with vDPA), and the behaviour
// as userspace sees it (systems/vfio/compare.ts): returns, and where the device's DMA lands.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { explore } from '../../explorer/bfs.js';
import { compareVfioBehaviour } from '../../systems/vfio/compare.js';
import { run as cli } from '../cli/helpers.js';
import { ROOT } from '../variants/helpers.js';
import { kernelWith, vfioModel } from './helpers.js';

const example = (name: string): string => join(ROOT, 'examples/variants/vfio', name);

describe('compare --system vfio', () => {
  test('6.12 → the pre-v6.3 VFIO_UPDATE_VADDR (cpr): pin-accounting regressed, exit 12; nothing userspace sees differs', async () => {
    const r = await cli(['compare', '--system', 'vfio', '--base', '6.12', '--patched', example('vaddr-update-before-6.3.ts'), '--userspace', 'cpr', '--json']);
    expect(r.code).toBe(12);
    const j = JSON.parse(r.stdout);
    expect(j.patched).toMatchObject({ kernel: 'vaddr-update-before-6.3', module: example('vaddr-update-before-6.3.ts') });
    expect(j.invariants.map((i: { id: string; change: string }) => [i.id, i.change])).toEqual([
      ['vfio-live-update', 'unchanged'], ['pin-accounting', 'regressed'], ['no-dma-window', 'unchanged'], ['dma-isolation', 'unchanged'],
    ]);
    // locked_vm is kernel accounting, not a return or a DMA: the behaviour is the same
    expect([j.differences, j.behaviour.complete]).toEqual([[], true]);
  });

  test('ARM → intel (lu-rfc, any, depth 4): the persisted attach over a linked vfio_dma returns -EEXIST on one side, 0 on the other', async () => {
    const r = await cli(['compare', '--system', 'vfio', '--base', example('lu-rfc-arm.ts'), '--patched', 'lu-rfc', '--userspace', 'any', '--max-depth', '4', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.differences).toHaveLength(1);
    const d = j.differences[0];
    expect(d.kind).toBe('return');
    expect(d.steps.map((s: { action: string }) => s.action)).toEqual(['mapDma', 'kexec', 'mapDma', 'setContainer']);
    expect([d.steps[3].base, d.steps[3].patched]).toEqual(['-EEXIST', '0']);
  });

  test('intel → AMD over a persisted PTE: the device\'s DMA lands on the old page on one side, the new one on the other', () => {
    const b = vfioModel(kernelWith('lu-rfc', { mapOverPresentPte: 'keep-old' }), 'any');
    const p = vfioModel(kernelWith('lu-rfc', { mapOverPresentPte: 'overwrite' }), 'any');
    const c = compareVfioBehaviour(b, p, { maxDepth: 4 }, explore);
    const dma = c.differences.find((d) => d.kind === 'dma' && d.key === 'dma h:h');
    expect(dma).toBeDefined();
    // replayed at the persisted attach: intel keeps IOVA 0 → h0, AMD rewrites it to the page behind the new vaddr
    expect(dma!.steps.map((s) => s.kind)).toEqual(['mapDma', 'kexec', 'mapDma', 'setContainer']);
    expect(dma!.base).toMatch(/IOVA 0x0: h0$/);
    expect(dma!.patched).toMatch(/IOVA 0x0: h1$/);
    expect(c.complete).toBe(true);
  });

  test('the same kernel on both sides: no difference (complete)', () => {
    const c = compareVfioBehaviour(vfioModel('6.12', 'any'), vfioModel('6.12', 'any'), { maxDepth: 3 }, explore);
    expect([c.differences, c.complete]).toEqual([[], true]);
    expect(c.distinctStates).toBeGreaterThan(100);
  });

  test('scripted: the no-flag programs of intel and ARM make another call after kexec', () => {
    const b = vfioModel(kernelWith('lu-rfc-noflag', { mapOverPresentPte: 'keep-old' }), 'cpr');
    const p = vfioModel(kernelWith('lu-rfc-noflag', { mapOverPresentPte: 'eexist' }), 'cpr');
    const c = compareVfioBehaviour(b, p, { maxDepth: 16 }, explore);
    expect(c.differences.map((d) => [d.kind, d.steps.length])).toEqual([['next-call', 4]]);
    expect(c.differences[0]!.steps[3]).toMatchObject({ base: '0', patched: 'not called' });
  });
});
