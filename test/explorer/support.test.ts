import { afterEach, describe, expect, it } from 'vitest';
import { autoFreezeEnabled, castDraft, produce, setAt, setAutoFreeze } from '../../model/immer.js';
import { mulberry32, randomWalks } from '../../explorer/random.js';
import type { Property } from '../../explorer/model.js';
import { bitsModel, countTrue, gridModel, type Bits, type Flip } from './toys.js';

describe('the shared Immer instance', () => {
  // test/setup-immer.ts switches auto-freeze on for every test file; put it back after each test
  const before = autoFreezeEnabled();
  afterEach(() => setAutoFreeze(before));

  it('is on in tests (test/setup-immer.ts), off when switched off (hot path), on again when switched on', () => {
    expect(autoFreezeEnabled()).toBe(true);
    setAutoFreeze(false);
    expect(autoFreezeEnabled()).toBe(false);
    const base = { a: 1, l: [1, 2] };
    const loose = produce(base, (d) => {
      d.a = 2;
    });
    expect(Object.isFrozen(loose)).toBe(false);
    setAutoFreeze(true);
    const frozen = produce(base, (d) => {
      d.l = setAt(base.l, 0, 9);
    });
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(frozen.l).toEqual([9, 2]);
    expect(base.l).toEqual([1, 2]);
    expect(() => {
      (frozen as { a: number }).a = 3;
    }).toThrow(TypeError);
  });

  it('castDraft lets a reducer share a read-only constant', () => {
    const EMPTY: readonly number[] = [];
    const next = produce({ l: [1] as readonly number[] }, (d) => {
      d.l = castDraft(EMPTY);
    });
    expect(next.l).toBe(EMPTY);
  });
});

describe('random walks', () => {
  it('mulberry32 is deterministic per seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(new Set(xs).size).toBe(3);
  });

  it('finds a planted violation, with actions that reproduce it, deterministically', () => {
    const manyBits: Property<Bits, Flip> = { kind: 'invariant', id: 'few', check: (w) => (countTrue(w) >= 4 ? { message: 'four' } : undefined) };
    const model = bitsModel(6, { properties: [manyBits] });
    const r = randomWalks(model, { walks: 200, length: 20, seed: 7 });
    expect(r.violation?.propertyId).toBe('few');
    let w = model.init()[0]!;
    for (const a of r.violation!.actions) w = model.next(w, a) ?? w;
    expect(countTrue(w)).toBe(4);
    expect(randomWalks(model, { walks: 200, length: 20, seed: 7 })).toMatchObject({ violation: r.violation, steps: r.steps });
  });

  it('reports no violation when there is none, after all walks', () => {
    const r = randomWalks(gridModel(5, 5), { walks: 30, length: 10, seed: 1 });
    expect(r.violation).toBeUndefined();
    expect(r.walks).toBe(30);
    expect(r.steps).toBe(30 * 8); // every walk stops at the corner, 8 steps away
  });
});
