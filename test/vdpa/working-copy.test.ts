// The working copy is reused from step to step (model/working-copy.ts): what one step does to it
// (aliases, fresh arrays, a field added by a step that threw, a producer inside a recipe) must never
// reach a produced world or the next step.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { produceOnCopy, setSuccessorBuilder } from '../../model/working-copy.js';
import { blankWorld, type World } from '../../spec/vdpa/world.js';

const base = (): World => blankWorld(new Array<number>(8).fill(-2), new Array<number>(4).fill(-2));

// Both successor builders: Immer's produce (tests' default) and the explorer's copier.
for (const builder of ['produce', 'copy'] as const) describe(`the reused working copy (successor by ${builder})`, () => {
  beforeEach(() => { setSuccessorBuilder(builder); });
  afterEach(() => { setSuccessorBuilder(undefined); });

  it('a changed array is the world\'s own: the next step does not change it', () => {
    const w = base();
    const a = produceOnCopy(w, (m) => { m.pinned[0] = 3; });
    const b = produceOnCopy(w, (m) => { m.pinned[1] = 5; });
    expect(a.pinned).toEqual([3, 0, 0, 0]);
    expect(b.pinned).toEqual([0, 5, 0, 0]);
    expect(w.pinned).toEqual([0, 0, 0, 0]);
    const c = produceOnCopy(a, (m) => { m.pinned[2] = 1; });
    expect(c.pinned).toEqual([3, 0, 1, 0]);
    expect(a.pinned).toEqual([3, 0, 0, 0]);
  });

  it('an alias of one array in another field, and a fresh array, are committed as values', () => {
    const w = base();
    const a = produceOnCopy(w, (m) => { m.uMap[0] = 1; m.uTxnBefore = m.uMap; m.vHost = [2, -1, -1, -1, -1, -1, -1, -1]; });
    expect(a.uMap).toEqual([1, -1, -1, -1, -1, -1, -1, -1]);
    expect(a.uTxnBefore).toEqual(a.uMap);
    expect(a.uTxnBefore).not.toBe(a.uMap);
    const b = produceOnCopy(w, (m) => { m.uMap[1] = 2; });
    expect(b.uTxnBefore).toEqual(w.uTxnBefore);
    expect(b.vHost).toEqual(w.vHost);
    expect(a.uMap).toEqual([1, -1, -1, -1, -1, -1, -1, -1]);
    expect(a.vHost[0]).toBe(2);
  });

  it('a producer inside a recipe, and a step that threw after adding a field, leave the next step clean', () => {
    const w = base();
    let inner: World | undefined;
    const outer = produceOnCopy(w, (m) => { m.pc = 1; inner = produceOnCopy(w, (n) => { n.pc = 2; }); m.pinned[0] = 1; });
    expect(outer.pc).toBe(1);
    expect(outer.pinned[0]).toBe(1);
    expect(inner!.pc).toBe(2);
    expect(inner!.pinned[0]).toBe(0);
    expect(() => produceOnCopy(w, (m) => { Object.assign(m, { extra: 1 }); throw new Error('op failed'); })).toThrow('op failed');
    const next = produceOnCopy(w, (m) => { m.pc = 3; expect('extra' in m).toBe(false); });
    expect(next.pc).toBe(3);
    expect('extra' in next).toBe(false);
  });

  // The next step from the same base world skips copying buffers the step before left equal to it.
  it('a buffer written and then swapped out of its field is copied again for the next step from the same world', () => {
    const w = base();
    const a = produceOnCopy(w, (m) => { m.pinned[0] = 9; m.pinned = [0, 0, 0, 0]; });
    expect(a).toBe(w); // the field ends as it was: nothing changed
    const b = produceOnCopy(w, (m) => { expect(m.pinned).toEqual([0, 0, 0, 0]); m.pc = 1; });
    expect(b.pinned).toEqual([0, 0, 0, 0]);
  });

  it('a buffer written by a step that threw is copied again for the next step from the same world', () => {
    const w = base();
    produceOnCopy(w, (m) => { m.pc = 1; }); // fills the buffers from w
    expect(() => produceOnCopy(w, (m) => { m.uMap[3] = 2; throw new Error('op failed'); })).toThrow('op failed');
    const b = produceOnCopy(w, (m) => { expect(m.uMap[3]).toBe(-1); m.pc = 2; });
    expect(b.uMap).toEqual(w.uMap);
  });

  it('a buffer changed through an alias in another field is copied again for the next step from the same world', () => {
    const w = base();
    const a = produceOnCopy(w, (m) => { m.uTxnBefore = m.uMap; m.uTxnBefore[0] = 3; });
    expect(a.uMap[0]).toBe(3);
    const b = produceOnCopy(w, (m) => { expect(m.uMap[0]).toBe(-1); expect(m.uTxnBefore[0]).toBe(-1); m.pc = 4; });
    expect(b.uMap).toEqual(w.uMap);
    expect(b.uTxnBefore).toEqual(w.uTxnBefore);
  });

  // The refill and the comparison are unrolled over the schema's lengths; a buffer of another length takes the loop.
  it('a buffer a step lengthened is refused, and the next step gets it back at the schema\'s length', () => {
    const w = base();
    expect(() => produceOnCopy(w, (m) => { m.pinned.push(1); })).toThrow(/world\.pinned = \[0, 0, 0, 0, 1\]/);
    const b = produceOnCopy(w, (m) => { expect(m.pinned).toEqual([0, 0, 0, 0]); m.pinned[3] = 2; });
    expect(b.pinned).toEqual([0, 0, 0, 2]);
    expect(() => produceOnCopy(b, (m) => { m.pinned.length = 3; })).toThrow(/world\.pinned = \[0, 0, 0\]/);
    expect(produceOnCopy(b, (m) => { m.pc = 5; }).pinned).toEqual([0, 0, 0, 2]);
  });
});
