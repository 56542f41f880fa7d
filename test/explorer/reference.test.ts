// explore() against a naive reference BFS (a Set of JSON strings) on random small transition
// systems: same reachable set size, same shortest distance to each violation, valid traces.
import '../fc-seed.js';
import { expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { explore } from '../../explorer/bfs.js';
import type { Model, Property } from '../../explorer/model.js';
import { s } from '../../explorer/schema.js';

interface Sys {
  readonly n: number;
  readonly edges: readonly (readonly number[])[];
  readonly inits: readonly number[];
  readonly bad: readonly boolean[];
  /** A transition u -> v breaks the step property when (u * 7 + v * 3) % badMod === 0. */
  readonly badMod: number;
}
interface W {
  readonly node: number;
  readonly tag: 'even' | 'odd';
}
type E = { readonly edge: number };

const sysArb: fc.Arbitrary<Sys> = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.array(fc.nat(n - 1), { maxLength: 4 }), { minLength: n, maxLength: n }),
    inits: fc.array(fc.nat(n - 1), { minLength: 1, maxLength: 3 }),
    bad: fc.array(fc.nat(12).map((x) => x === 0), { minLength: n, maxLength: n }),
    badMod: fc.integer({ min: 5, max: 40 }),
  }),
);

const world = (node: number): W => ({ node, tag: node % 2 === 0 ? 'even' : 'odd' });
const badStep = (sys: Sys, u: number, v: number) => (u * 7 + v * 3) % sys.badMod === 0;

function toModel(sys: Sys, schema: boolean): Model<W, E> {
  const props: Property<W, E>[] = [
    { kind: 'invariant', id: 'not-bad', check: (w) => (sys.bad[w.node] ? { message: `bad ${w.node}` } : undefined) },
    { kind: 'step', id: 'no-bad-step', check: (b, _a, a) => (badStep(sys, b.node, a.node) ? { message: `${b.node}->${a.node}` } : undefined) },
  ];
  const edgeActions = Array.from({ length: 4 }, (_, edge) => ({ edge }));
  return {
    init: () => sys.inits.map(world),
    actions: (w, out) => {
      for (let i = 0; i < sys.edges[w.node]!.length; i++) out.push(edgeActions[i]!);
    },
    // An edge to itself is a self-loop: the model says so with undefined.
    next: (w, a) => {
      const v = sys.edges[w.node]![a.edge]!;
      return v === w.node ? undefined : world(v);
    },
    properties: () => props,
    label: (a) => `edge ${a.edge}`,
    actionKinds: ['edge'],
    kindOf: () => 0,
    ...(schema ? { schema: s.struct<W>({ node: s.int(0, 29), tag: s.enum(['even', 'odd'] as const) }) } : {}),
  };
}

/** Naive BFS over JSON strings: reachable count and the shortest trace length of each property. */
function reference(sys: Sys): { reachable: number; shortest: Map<string, number> } {
  const dist = new Map<string, number>();
  let frontier: W[] = [];
  for (const i of sys.inits) {
    const key = JSON.stringify(world(i));
    if (!dist.has(key)) {
      dist.set(key, 0);
      frontier.push(world(i));
    }
  }
  const shortest = new Map<string, number>();
  const note = (id: string, len: number) => {
    if (!shortest.has(id) || shortest.get(id)! > len) shortest.set(id, len);
  };
  for (let d = 0; frontier.length > 0; d++) {
    const next: W[] = [];
    for (const w of frontier) {
      if (sys.bad[w.node]) note('not-bad', d);
      for (const v of sys.edges[w.node]!) {
        if (badStep(sys, w.node, v)) note('no-bad-step', d + 1);
        const key = JSON.stringify(world(v));
        if (!dist.has(key)) {
          dist.set(key, d + 1);
          next.push(world(v));
        }
      }
    }
    frontier = next;
  }
  return { reachable: dist.size, shortest };
}

test.prop([sysArb, fc.boolean()], { numRuns: 300 })('explore agrees with a naive BFS', (sys, schema) => {
  const model = toModel(sys, schema);
  const ref = reference(sys);
  const all = explore(model, { propertyIds: [] });
  expect(all.complete).toBe(true);
  expect(all.stats.distinctStates).toBe(ref.reachable);

  const r = explore(model, { stopAtFirstViolation: false });
  const found = new Map(r.violations.map((v) => [v.propertyId, v]));
  expect(new Set(found.keys())).toEqual(new Set(ref.shortest.keys()));
  for (const [id, len] of ref.shortest) {
    const v = found.get(id)!;
    expect(v.actions.length).toBe(len);
    // The trace is real: replaying it from its initial world ends in the violation.
    let w = model.init()[v.initIndex]!;
    let before = w;
    for (const a of v.actions) {
      before = w;
      w = model.next(w, a) ?? w;
    }
    if (id === 'not-bad') expect(sys.bad[w.node]).toBe(true);
    else expect(badStep(sys, before.node, w.node)).toBe(true);
  }
});
