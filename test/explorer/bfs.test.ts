import { describe, expect, it } from 'vitest';
import { explore } from '../../explorer/bfs.js';
import { PrefixReplay, replayIndices } from '../../explorer/replay.js';
import type { Model, Property } from '../../explorer/model.js';
import type { ExploreResult } from '../../explorer/explore-api.js';
import { bitsModel, countTrue, gridModel, type Bits, type Flip, type Grid, type GridAction } from './toys.js';

/** The world a trace ends in, by replaying its actions through the model. */
function endOf<S, A>(model: Model<S, A>, initIndex: number, actions: readonly A[]): S {
  let w = model.init()[initIndex]!;
  for (const a of actions) w = model.next(w, a) ?? w;
  return w;
}

const noSeconds = <A>(r: ExploreResult<A>) => ({ ...r, stats: { ...r.stats, seconds: 0, statesPerSecond: 0, distinctPerSecond: 0 } });

describe('closed-form state counts', () => {
  for (const schema of [true, false]) {
    it(`grid 7x5 (${schema ? 'schema' : 'generic'} encoding): 35 worlds, 58 transitions, depth 10`, () => {
      const r = explore(gridModel(7, 5, { schema }), {});
      expect(r.complete).toBe(true);
      expect(r.stoppedBy).toBe('exhausted');
      expect(r.stats.distinctStates).toBe(35);
      expect(r.stats.transitions).toBe(6 * 5 + 7 * 4);
      expect(r.stats.depth).toBe(10);
      expect(r.stats.queueLeft).toBe(0);
      expect(r.violations).toEqual([]);
    });
    it(`10 bits (${schema ? 'schema' : 'generic'}): 1024 worlds, 10240 transitions, depth 10`, () => {
      const r = explore(bitsModel(10, { schema }), {});
      expect(r.stats.distinctStates).toBe(1024);
      expect(r.stats.transitions).toBe(10 * 1024);
      expect(r.stats.depth).toBe(10);
      expect(r.coverage).toEqual([{ kind: 'flip', enabled: 10240, newStates: 1023 }]);
    });
  }

  it('statistics are consistent', () => {
    const r = explore(bitsModel(12), {});
    expect(r.stats.distinctStates).toBe(4096);
    expect(r.stats.storeBytes).toBeGreaterThan(0);
    expect(r.stats.bytesPerState).toBeCloseTo(r.stats.storeBytes / 4096);
    expect(r.stats.collisionProbability).toBeCloseTo((4096 * (12 * 4096 + 1 - 4096)) / 2 ** 64, 30);
    expect(r.stats.collisionProbability).toBeGreaterThan(0);
  });

  it('deduplicates initial worlds', () => {
    const r = explore(gridModel(3, 3, { init: [{ x: 0, y: 0 }, { x: 0, y: 0 }, { x: 2, y: 2 }] }), {});
    expect(r.stats.distinctStates).toBe(9);
  });
});

describe('violations', () => {
  const notAt = (x: number, y: number): Property<Grid, GridAction> => ({
    kind: 'invariant',
    id: `not-${x}-${y}`,
    check: (w) => (w.x === x && w.y === y ? { message: `reached (${x},${y})` } : undefined),
  });

  it('returns a shortest trace to a planted invariant violation', () => {
    const model = gridModel(10, 10, { properties: [notAt(3, 2)] });
    const r = explore(model, {});
    expect(r.stoppedBy).toBe('violation');
    expect(r.complete).toBe(false);
    expect(r.violations).toHaveLength(1);
    const v = r.violations[0]!;
    expect(v.propertyId).toBe('not-3-2');
    expect(v.violation.message).toBe('reached (3,2)');
    expect(v.actions).toHaveLength(5);
    expect(v.actions.filter((a) => a.type === 'incX')).toHaveLength(3);
    expect(endOf(model, v.initIndex, v.actions)).toEqual({ x: 3, y: 2 });
    // Each BFS level is ordered by decreasing x (incX is listed first), so (3,2) is first
    // discovered from (3,1), itself from (3,0).
    expect(v.actions.map((a) => a.type)).toEqual(['incX', 'incX', 'incX', 'incY', 'incY']);
  });

  it('reports a violation in an initial world with an empty trace', () => {
    const r = explore(gridModel(3, 3, { init: [{ x: 1, y: 1 }, { x: 0, y: 0 }], properties: [notAt(0, 0)] }), {});
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]!.initIndex).toBe(1);
    expect(r.violations[0]!.actions).toEqual([]);
  });

  it('checks step properties on transitions to already-visited worlds', () => {
    const xNeverDecreases: Property<Grid, GridAction> = {
      kind: 'step',
      id: 'x-monotone',
      check: (b, _a, after) => (after.x < b.x ? { message: `x ${b.x} -> ${after.x}` } : undefined),
    };
    const model = gridModel(8, 3, { properties: [xNeverDecreases], jumpAt: 4 });
    const r = explore(model, {});
    expect(r.stoppedBy).toBe('violation');
    const v = r.violations[0]!;
    expect(v.propertyId).toBe('x-monotone');
    expect(v.actions.map((a) => a.type)).toEqual(['incX', 'incX', 'incX', 'incX', 'jumpBack']);
    expect(v.violation.message).toBe('x 4 -> 0');
  });

  it('checks step properties on self-loops (next returns undefined) with after === before', () => {
    const seen: [Bits, Bits][] = [];
    const loop: Property<Bits, Flip> = {
      kind: 'step',
      id: 'saw-loop',
      check: (b, _a, after) => {
        if (after === b) seen.push([b, after]);
        return undefined;
      },
    };
    const base = bitsModel(3, { properties: [loop] });
    const model: Model<Bits, Flip> = { ...base, next: (w, a) => (a.i === 2 ? undefined : base.next(w, a)) };
    const r = explore(model, {});
    expect(r.stats.distinctStates).toBe(4);
    expect(r.stats.transitions).toBe(12);
    expect(seen).toHaveLength(4);
  });

  it('collects the shortest violation of each property when asked', () => {
    const atLeast = (k: number): Property<Bits, Flip> => ({
      kind: 'invariant',
      id: `fewer-than-${k}`,
      check: (w) => (countTrue(w) >= k ? { message: `${countTrue(w)} bits set` } : undefined),
    });
    const model = bitsModel(8, { properties: [atLeast(5), atLeast(2)] });
    const all = explore(model, { stopAtFirstViolation: false });
    expect(all.violations.map((v) => [v.propertyId, v.actions.length])).toEqual([
      ['fewer-than-2', 2],
      ['fewer-than-5', 5],
    ]);
    for (const v of all.violations) expect(v.actions.map((a) => a.i)).toEqual([...Array(v.actions.length).keys()]);
    // Every property violated: nothing more to learn, the search stops.
    expect(all.stoppedBy).toBe('violation');
    const first = explore(model, {});
    expect(first.violations.map((v) => v.propertyId)).toEqual(['fewer-than-2']);
    const only = explore(model, { propertyIds: ['fewer-than-5'] });
    expect(only.violations.map((v) => v.propertyId)).toEqual(['fewer-than-5']);
    expect(() => explore(model, { propertyIds: ['nope'] })).toThrow(/no property 'nope'/);
  });

  it('collect mode: two properties violated by the same world are both reported there', () => {
    const at = (id: string): Property<Grid, GridAction> => ({
      kind: 'invariant',
      id,
      check: (w) => (w.x === 2 && w.y === 1 ? { message: id } : undefined),
    });
    const r = explore(gridModel(5, 5, { properties: [at('a'), at('b')] }), { stopAtFirstViolation: false });
    expect(r.violations.map((v) => [v.propertyId, v.actions.length])).toEqual([
      ['a', 3],
      ['b', 3],
    ]);
  });

  it('refuses a model whose replayed trace does not reproduce the violation', () => {
    let reversed = false;
    const base = gridModel(4, 4);
    // Once the violation is seen, actions() lists its moves in the other order: the replay then
    // follows other moves than the search did.
    const flaky: Model<Grid, GridAction> = {
      ...base,
      actions: (w, out) => {
        const tmp: GridAction[] = [];
        base.actions(w, tmp);
        out.push(...(reversed ? tmp.reverse() : tmp));
      },
      properties: () => [
        {
          kind: 'invariant',
          id: 'not-2-0',
          check: (w) => {
            if (w.x !== 2 || w.y !== 0) return undefined;
            reversed = true;
            return { message: 'at (2,0)' };
          },
        },
      ],
    };
    expect(() => explore(flaky, {})).toThrow(/replaying the trace of 'not-2-0' does not reproduce the violation/);
  });

  it('replays action indices back to the same actions', () => {
    const model = gridModel(4, 4);
    const { actions, worlds } = replayIndices(model, 0, [0, 1, 1, 0]);
    expect(actions.map((a) => a.type)).toEqual(['incX', 'incY', 'incY', 'incX']);
    expect(worlds.at(-1)).toEqual({ x: 2, y: 2 });
  });

  it('a prefix replay gives what a whole replay gives, whatever trace came before', () => {
    const model = gridModel(4, 4, { init: [{ x: 0, y: 0 }, { x: 1, y: 1 }] });
    const paths: [number, number[]][] = [[0, [0, 1, 1, 0]], [0, [0, 1, 1, 1]], [0, [0, 1]], [0, []], [1, [1, 0]], [0, [0, 1, 0, 1]], [1, [1, 0, 0]]];
    const prefix = new PrefixReplay(model);
    for (const [init, path] of paths) expect(prefix.replay(init, path)).toEqual(replayIndices(model, init, path));
    expect(() => prefix.replay(0, [0, 0, 0, 0, 0, 0, 0])).toThrow(/lists no action 0/);
    expect(prefix.replay(0, [0, 1, 1, 0])).toEqual(replayIndices(model, 0, [0, 1, 1, 0]));
  });
});

describe('bounds', () => {
  it('maxDepth: worlds within the depth are all explored (complete within the bound), stoppedBy max-depth', () => {
    const r = explore(gridModel(10, 10), { maxDepth: 3 });
    expect(r.stoppedBy).toBe('max-depth');
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBe(10); // x + y <= 3
    expect(r.stats.depth).toBe(3);
    expect(r.stats.queueLeft).toBe(4); // the depth-3 worlds, not expanded
  });

  it('maxDepth beyond the diameter: exhausted', () => {
    const r = explore(gridModel(3, 3), { maxDepth: 10 });
    expect(r.stoppedBy).toBe('exhausted');
    expect(r.complete).toBe(true);
  });

  it('maxStates: stops incomplete at the bound', () => {
    const r = explore(bitsModel(10), { maxStates: 100 });
    expect(r.stoppedBy).toBe('max-states');
    expect(r.complete).toBe(false);
    expect(r.stats.distinctStates).toBe(100);
    expect(r.stats.queueLeft).toBeGreaterThan(0);
  });

  it('maxStates equal to the state count: complete', () => {
    const r = explore(bitsModel(6), { maxStates: 64 });
    expect(r.stoppedBy).toBe('exhausted');
    expect(r.complete).toBe(true);
  });

  it('timeLimitSeconds: stops incomplete', () => {
    const r = explore(bitsModel(40), { timeLimitSeconds: 0.2 });
    expect(r.stoppedBy).toBe('time-limit');
    expect(r.complete).toBe(false);
    expect(r.stats.seconds).toBeGreaterThanOrEqual(0.2);
    expect(r.stats.seconds).toBeLessThan(2);
    expect(r.stats.queueLeft).toBeGreaterThan(0);
  });

  it('timeLimitSeconds holds when each transition is slow: the clock is read long before 2,048 of them', () => {
    // 1 ms per transition: a fixed look every 2,048 transitions overran a 0.05 s limit by 2 s
    const m = bitsModel(40);
    const slow = { ...m, next: (w: Parameters<typeof m.next>[0], a: Parameters<typeof m.next>[1]) => { const t = performance.now() + 1; while (performance.now() < t) { /* busy */ } return m.next(w, a); } };
    const r = explore(slow, { timeLimitSeconds: 0.05 });
    expect(r.stoppedBy).toBe('time-limit');
    expect(r.stats.transitions).toBeLessThan(2048);
    const fast = explore(bitsModel(6), { timeLimitSeconds: 60 }); // and a search within its limit ends as it did
    expect([fast.stoppedBy, fast.stats.distinctStates]).toEqual(['exhausted', 64]);
  });

  it('calls onProgress about once a second at most', () => {
    const calls: number[] = [];
    const r = explore(bitsModel(40), { timeLimitSeconds: 1.5, onProgress: (p) => calls.push(p.seconds) });
    expect(r.stoppedBy).toBe('time-limit');
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(2);
    for (let i = 1; i < calls.length; i++) expect(calls[i]! - calls[i - 1]!).toBeGreaterThanOrEqual(0.99);
  });

  it('reports the violations found so far, per property', () => {
    const seen: Record<string, number>[] = [];
    const two: Property<Bits, Flip> = { kind: 'invariant', id: 'two-set', check: (w) => (countTrue(w) >= 2 ? { message: 'two bits set' } : undefined) };
    const never: Property<Bits, Flip> = { kind: 'invariant', id: 'never', check: () => undefined };
    explore(bitsModel(40, { properties: [two, never] }), { timeLimitSeconds: 1.2, stopAtFirstViolation: false, onProgress: (p) => seen.push({ ...p.violations }) });
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen[0]).toEqual({ 'two-set': 1 }); // found at depth 2, long before the first report; `never` has none
  });
});

describe('coverage and warnings', () => {
  it('warns about every action kind never enabled', () => {
    const r = explore(gridModel(3, 3), {});
    expect(r.warnings).toEqual([
      'action kind jumpBack was never enabled: the run may be vacuous for it',
      'action kind teleport was never enabled: the run may be vacuous for it',
    ]);
    // incX is enabled in the 6 worlds with x < 2; it discovers (1,0) and (2,0) only: every other
    // world is found first by an incY listed earlier in BFS order.
    expect(r.coverage.find((c) => c.kind === 'incX')).toEqual({ kind: 'incX', enabled: 6, newStates: 2 });
    expect(r.coverage.find((c) => c.kind === 'incY')).toEqual({ kind: 'incY', enabled: 6, newStates: 6 });
  });

  it('no warning when every kind is enabled', () => {
    const base = gridModel(3, 3, { jumpAt: 1 });
    const r = explore({ ...base, actionKinds: ['incX', 'incY', 'jumpBack'] }, {});
    expect(r.warnings).toEqual([]);
    expect(r.coverage.find((c) => c.kind === 'jumpBack')).toEqual({ kind: 'jumpBack', enabled: 3, newStates: 0 });
  });
});

describe('determinism and schema checks', () => {
  it('two runs give equal results', () => {
    const prop: Property<Bits, Flip> = { kind: 'invariant', id: 'p', check: (w) => (w.bits[3] && w.bits[7] && !w.bits[0] ? { message: 'x' } : undefined) };
    const a = explore(bitsModel(11, { properties: [prop] }), { stopAtFirstViolation: false });
    const b = explore(bitsModel(11, { properties: [prop] }), { stopAtFirstViolation: false });
    expect(noSeconds(a)).toEqual(noSeconds(b));
    expect(a.violations[0]!.actions).toEqual([{ i: 3 }, { i: 7 }]);
  });

  it('a world that does not fit the schema is refused with the path', () => {
    const base = gridModel(3, 3);
    const bad: Model<Grid, GridAction> = { ...base, next: (w, a) => ({ ...base.next(w, a)!, z: 1 }) as Grid };
    expect(() => explore(bad, {})).toThrow(/schema mismatch at world: .* is not exactly the keys x,y/);
    const neg: Model<Grid, GridAction> = { ...base, init: () => [{ x: -1, y: 0 }] };
    expect(() => explore(neg, {})).toThrow(/world\.x: -1 is not an int in \[0, 1000\]/);
  });
});
