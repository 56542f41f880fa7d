// Long random walks (fast-check), deeper than the BFS bounds: the model's own structure stays sound
// on every kernel, and on 6.12 the properties the stock kernel guarantees hold at any length.
import '../fc-seed.js';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { DMA_ENTRY_LIMIT, NP } from '../../spec/vfio/constants.js';
import { guard } from '../../spec/vfio/transitions.js';
import { initialWorld, type VfioWorld } from '../../spec/vfio/world.js';
import type { VfioModel } from '../../systems/vfio/model.js';
import { kernelWith, vfioModel } from './helpers.js';

/** Walks `picks` through the alphabet, taking each pick modulo the alphabet size; returns every world. */
function walk(m: VfioModel, picks: readonly number[]): VfioWorld[] {
  const out = [initialWorld()];
  let w = out[0]!;
  for (const i of picks) {
    const a = m.alphabetActions[i % m.alphabetActions.length]!;
    const v = guard(m.ctx, w, a);
    const next = m.next(w, a);
    // next() moves exactly when the guards allow; outcome() says the same as the guards.
    expect(next === undefined).toBe(!v.ok);
    const o = m.outcome(w, a);
    if (!v.ok) expect(o.ret).toBe(v.ret);
    else expect(o.ret.startsWith('0')).toBe(true);
    if (next !== undefined) {
      w = next;
      out.push(w);
    }
  }
  return out;
}

function sound(w: VfioWorld): void {
  expect(w.dmas.length).toBeLessThanOrEqual(DMA_ENTRY_LIMIT);
  for (let i = 0; i < w.dmas.length; i++) {
    const d = w.dmas[i]!;
    expect(d.iova + d.size).toBeLessThanOrEqual(NP);
    if (i > 0) expect(w.dmas[i - 1]!.iova + w.dmas[i - 1]!.size).toBeLessThanOrEqual(d.iova);
  }
  for (let p = 0; p < NP; p++) {
    if (w.pinnedPfn[p]! < 0) continue;
    const d = w.dmas.find((e) => e.iova <= p && p < e.iova + e.size);
    expect(d?.iommuMapped).toBe(true);
  }
}

const picks = fc.array(fc.nat(), { minLength: 10, maxLength: 30 });

describe('random walks', () => {
  test('lu-rfc + any: guards, next() and outcome() agree; the vfio_dma list stays sorted, disjoint, bounded', () => {
    const m = vfioModel('lu-rfc', 'any');
    fc.assert(fc.property(picks, (ps) => { for (const w of walk(m, ps)) sound(w); }), { numRuns: 80, seed: 5 });
  });

  // Each kernel knob's other settings (the IOMMU drivers over a persisted PTE, the pre-v6.3
  // VFIO_UPDATE_VADDR pair): guards, next() and outcome() still agree, the list stays sound.
  const variants = [
    kernelWith('lu-rfc', { mapOverPresentPte: 'overwrite' }),
    kernelWith('lu-rfc-noflag', { mapOverPresentPte: 'eexist' }),
    kernelWith('6.12', { lockedVmFollowsTask: true, attachBlocksOnInvalidVaddr: true }),
  ];
  test.each(variants.map((k) => [k.name, k] as const))('%s + any: guards, next() and outcome() agree (seed 7)', (_name, k) => {
    const m = vfioModel(k, 'any');
    fc.assert(fc.property(picks, (ps) => { for (const w of walk(m, ps)) sound(w); }), { numRuns: 60, seed: 7 });
  });

  test('6.12 + any: pin-accounting, dma-isolation and no-dma-window hold at any length', () => {
    const m = vfioModel('6.12', 'any');
    const props = m.properties().filter((p) => p.id !== 'vfio-live-update');
    expect(props).toHaveLength(3);
    fc.assert(
      fc.property(picks, (ps) => {
        for (const w of walk(m, ps)) {
          sound(w);
          for (const p of props) if (p.kind === 'invariant') expect(p.check(w)?.message).toBeUndefined();
        }
      }),
      { numRuns: 80, seed: 12 },
    );
  });
});
