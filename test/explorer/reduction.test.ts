// Model.canonical (a reduction the model declares sound: symmetry, dead fields): the store keys on the
// representative, the frontier keeps concrete worlds, so traces replay and stay shortest; both
// engines give the same result. Nothing here is vDPA (test/vdpa/reduction.test.ts has the matrix).
import { describe, expect, it } from 'vitest';
import { explore } from '../../explorer/bfs.js';
import { exploreChunked, type ModelSource } from '../../explorer/chunked.js';
import type { ExploreResult } from '../../explorer/explore-api.js';
import { replayIndices } from '../../explorer/replay.js';
import { countTrue } from './toys.js';
import { toy, type ToyArg } from './chunked-models.js';

const sourceOf = (arg: ToyArg): ModelSource => ({ module: new URL('./chunked-models.ts', import.meta.url).href, export: 'toy', arg });
const comparable = <A>(r: ExploreResult<A>) => ({ ...r, stats: { ...r.stats, seconds: 0, statesPerSecond: 0, distinctPerSecond: 0 } });

describe('Model.canonical', () => {
  const n = 8;
  const reduced = toy({ n, symmetric: true });
  const { canonical: _c, ...full } = reduced;

  it('stores one world per class (1+1+1 instead of 1+8+28 within 2 steps), and the same verdict at the same shortest length', () => {
    expect(explore(full, { maxDepth: 2 }).stats.distinctStates).toBe(1 + 8 + 28);
    expect(explore(reduced, { maxDepth: 2 }).stats.distinctStates).toBe(3);
    const r = explore(reduced, { stopAtFirstViolation: false, maxDepth: n });
    const f = explore(full, { stopAtFirstViolation: false, maxDepth: n });
    expect(r.violations.map((v) => [v.propertyId, v.actions.length])).toEqual(f.violations.map((v) => [v.propertyId, v.actions.length]));
    expect(r.violations[0]!.actions.length).toBe(3);
  });

  it('traces are concrete: the stored path replays to a world that violates the property', () => {
    const r = explore(reduced, { maxDepth: n });
    const v = r.violations[0]!;
    const { worlds } = replayIndices(reduced, v.initIndex, (v.actions as { i: number }[]).map((a) => a.i));
    expect(countTrue(worlds[worlds.length - 1]!)).toBe(3);
    // three different bits flipped: a real path, not the representative's
    expect(new Set((v.actions as { i: number }[]).map((a) => a.i)).size).toBe(3);
  });

  it('the chunked search (this thread and 2 workers) gives the one-core result', async () => {
    const arg: ToyArg = { n, symmetric: true };
    const one = comparable(explore(toy(arg), { stopAtFirstViolation: false }));
    expect(comparable(await exploreChunked(toy(arg), { stopAtFirstViolation: false, chunkSize: 3 }))).toEqual(one);
    expect(comparable(await exploreChunked(toy(arg), { stopAtFirstViolation: false, workers: 2, source: sourceOf(arg), chunkSize: 2 }))).toEqual(one);
  });
});
