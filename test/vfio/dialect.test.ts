// VFIO speaks vDPA's dialect (issue 12): the guard's Verdict, the invariant module's shape, action
// tags `t`, reducers named as the kernel names them and each commented with its source and version.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Verdict as SharedVerdict } from '../../spec/verdict.js';
import type { Verdict as VdpaVerdict } from '../../spec/vdpa/transitions.js';
import type { Verdict as VfioVerdict } from '../../spec/vfio/transitions.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import { VFIO_INVARIANTS } from '../../invariants/vfio/index.js';
import { ACTION_KINDS } from '../../spec/vfio/actions.js';
import * as type1 from '../../model/vfio-type1.js';
import * as processReducers from '../../model/vfio/process.js';
import { verdictOf, vfioModel } from './helpers.js';

// Compile-time: the three Verdict types are one shape (tsc fails here if they drift apart).
const fromVdpa = (v: VdpaVerdict): VfioVerdict => v;
const toVdpa = (v: SharedVerdict): VdpaVerdict => v;

describe('one dialect with vDPA', () => {
  test('Verdict: { ok: true } or { ok: false, ret, reason }, from the guard of both systems', () => {
    const m = vfioModel('6.12', 'any');
    const w = m.init()[0]!;
    const verdicts = m.alphabetActions.map((a) => toVdpa(fromVdpa(verdictOf(m, w, a))));
    for (const v of verdicts) {
      if (v.ok) expect(Object.keys(v)).toEqual(['ok']);
      else expect(Object.keys(v).sort()).toEqual(['ok', 'reason', 'ret']);
    }
    expect(verdicts.some((v) => !v.ok && v.ret === '-ENOENT')).toBe(true); // MAP_DMA|VADDR with no vfio_dma
    expect(verdicts.some((v) => !v.ok && v.ret === '0')).toBe(true); // UNMAP_DMA of an empty range: 0, nothing changes
  });

  test('invariant modules have vDPA\'s shape: id, title, guards, applies(ctx), property(ctx)', () => {
    const keys = (o: object): string[] => Object.keys(o).sort();
    for (const inv of VFIO_INVARIANTS) expect(keys(inv)).toEqual(keys(VDPA_INVARIANTS[0]!));
    const m = vfioModel('lu-rfc', 'any');
    for (const inv of VFIO_INVARIANTS) expect(inv.property(m.ctx)).toMatchObject({ kind: 'invariant', id: inv.id });
  });

  test('actions are tagged `t`, named after the ioctl or event', () => {
    for (const k of ['6.12', 'lu-rfc'] as const) {
      for (const a of vfioModel(k, 'any').alphabetActions) {
        expect(ACTION_KINDS).toContain(a.t);
        expect('kind' in a).toBe(false);
      }
    }
  });

  test('reducers are named as the kernel names them, each with a comment naming the function and the version', () => {
    expect(typeof type1.vfio_dma_do_map).toBe('function');
    expect(typeof type1.vfio_dma_do_unmap).toBe('function');
    expect(typeof type1.vfio_iommu_type1_attach_group).toBe('function');
    expect(typeof processReducers.begin_new_exec).toBe('function');
    for (const file of ['model/vfio-type1.ts', 'model/vfio/process.ts']) {
      const src = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
      const fns = [...src.matchAll(/^(?:export )?function (\w+)\(/gm)].map((m) => m[1]!);
      expect(fns.length).toBeGreaterThan(2);
      for (const fn of fns) {
        if (fn === 'pt' || fn === 'newProcessMemory') continue; // helpers, not reducers
        const at = src.indexOf(`function ${fn}(`);
        // the comment block right above the function
        const above = src.slice(0, at).split('\n').slice(0, -1);
        const block: string[] = [];
        while (above.length > 0 && above[above.length - 1]!.startsWith('//')) block.unshift(above.pop()!);
        const comment = block.join(' ');
        expect(comment, `${file}: ${fn}`).toMatch(new RegExp(`\\b${fn === 'userFree' ? 'munmap' : fn}\\b`));
        expect(comment, `${file}: ${fn}`).toMatch(/v6\.\d+|RFC/);
      }
    }
  });
});
