import { describe, expect, test } from 'vitest';
import { INVARIANT_IDS, UsageError, VDPA_KERNELS, VDPA_PARENTS, VDPA_USERSPACES, VFIO_KERNELS, VFIO_USERSPACES } from '../../spec/config.js';
import { toyTarget } from './fixtures/toy-target.js';
import { run } from './helpers.js';

const firstWords = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '' && !l.endsWith(':')).map((l) => l.trim().split(/\s+/)[0]!);
/** Every line: a name, two spaces or more, a description that is not empty. */
const described = (s: string): boolean => s.split('\n').filter((l) => l.trim() !== '' && !l.endsWith(':')).every((l) => /^\s*\S+\s{2,}\S/.test(l));

describe('vdpa-mc list', () => {
  test('kernels: both systems in sections, each with a description; --system filters', async () => {
    const all = await run(['list', 'kernels']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^vdpa:\n/);
    expect(all.stdout).toContain('\nvfio:\n');
    expect(firstWords(all.stdout)).toEqual([...VDPA_KERNELS, ...VFIO_KERNELS]);
    expect(described(all.stdout)).toBe(true);
    expect(all.stdout).toContain('d2cf1b6e3b85 1d0f874bfe78');
    const vdpa = await run(['list', 'kernels', '--system', 'vdpa']);
    expect(firstWords(vdpa.stdout)).toEqual([...VDPA_KERNELS]);
  });

  test('userspaces, parents, invariants', async () => {
    expect(firstWords((await run(['list', 'userspaces', '--system', 'vfio'])).stdout)).toEqual([...VFIO_USERSPACES]);
    expect(firstWords((await run(['list', 'userspaces', '--system=vdpa'])).stdout)).toEqual([...VDPA_USERSPACES]);
    const parents = (await run(['list', 'parents'])).stdout;
    expect(firstWords(parents)).toEqual([...VDPA_PARENTS]);
    expect(described(parents)).toBe(true);
    expect((await run(['list', 'parents', '--system', 'vfio'])).stdout).toBe('(none: vfio has no parent)\n');
    const vdpa = (await run(['list', 'invariants', '--system', 'vdpa'])).stdout;
    const vfio = (await run(['list', 'invariants', '--system', 'vfio'])).stdout;
    expect(firstWords(vdpa)).toEqual(INVARIANT_IDS.filter((id) => id !== 'vfio-live-update'));
    expect(firstWords(vfio)).toEqual(['no-dma-window', 'dma-isolation', 'pin-accounting', 'vfio-live-update']);
    expect(described(vdpa) && described(vfio)).toBe(true);
    const both = (await run(['list', 'invariants'])).stdout.split('\n');
    expect([both[0], both.filter((l) => l === 'vfio:').length]).toEqual(['vdpa:', 1]);
  });

  test('actions: the action kinds of the default configuration\'s model', async () => {
    const r = await run(['list', 'actions', '--system', 'vdpa'], { buildTarget: async (c) => toyTarget(c) });
    expect([r.code, firstWords(r.stdout), r.stderr]).toEqual([0, ['incA', 'incB', 'never'], '']);
  });

  test('actions: while a model is not built in, the catalogue\'s list, with a note on stderr', async () => {
    const r = await run(['list', 'actions', '--system', 'vfio'], {
      buildTarget: async () => {
        throw new UsageError('not built');
      },
    });
    expect(r.code).toBe(0);
    expect(firstWords(r.stdout)).toEqual(['mapDma', 'unmapDma', 'setContainer', 'exec', 'kexec', 'userFree']);
    expect(r.stderr).toMatch(/^note: the vfio model is not available in this build/);
  });
});
