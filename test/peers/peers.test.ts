// Small sizes of the peer-benchmark models (bench/peers) with the counts SPIN gives for the same
// Promela models, so that a change to the explorer or to a model that breaks agreement fails here.
// Runs vdpa-mc only (SPIN is not needed); the full sizes run in `npm run bench:peers`.
//
// The constants come from SPIN 6.5.2, gcc 12.2.0, in a copy of bench/peers/promela:
//   spin <defines> -a <file>.pml && gcc -O2 -DNOREDUCE -DBFS -o pan pan.c && ./pan
// pan's "transitions (= stored+matched)" counts the initial state once more than the explorer's
// transitions; "depth reached" with -DBFS is the deepest BFS level; the counterexample length is
// the number of steps in <file>.pml.trail (pan's "assertion violated ... (at depth d)" is d+1 steps).
import { describe, expect, test } from 'vitest';
import { explore } from '../../explorer/bfs.js';
import { buildPeerModel, type PeerModelSpec } from '../../bench/peers/models/index.js';

interface Expected {
  readonly name: string;
  readonly spec: PeerModelSpec;
  /** SPIN, without -DCHECK: states stored, transitions, depth reached (-DBFS). */
  readonly states: number;
  readonly spinTransitions: number;
  readonly depth: number;
  /** SPIN with -DCHECK -DBFS: trail steps and which assertion failed (undefined: no error). */
  readonly cex?: { readonly length: number; readonly property: string };
}

const CASES: readonly Expected[] = [
  // spin -DN=8 -DONESHOT -DCHECK -a mapchange.pml ... => depth reached 9, errors: 0; 96 states, stored; 465 transitions
  { name: 'mapchange one-shot N=8', spec: { kind: 'mapchange', pages: 8, mode: 'one-shot' }, states: 96, spinTransitions: 465, depth: 9 },
  // spin -DN=8 -a mapchange.pml ... => depth reached 16, errors: 0; 208 states, stored; 769 transitions
  // spin -DN=8 -DCHECK -a mapchange.pml ... => assertion violated (tr[i]!=0) (at depth 4); trail 5 steps
  { name: 'mapchange flush-add N=8', spec: { kind: 'mapchange', pages: 8, mode: 'flush-add' }, states: 208, spinTransitions: 769, depth: 16, cex: { length: 5, property: 'no-fault' } },
  // spin -DN=12 -a mapchange.pml ... => depth reached 24, errors: 0; 1216 states, stored; 6145 transitions
  // spin -DN=12 -DCHECK -a mapchange.pml ... => assertion violated (tr[i]!=0) (at depth 6); trail 7 steps
  { name: 'mapchange flush-add N=12', spec: { kind: 'mapchange', pages: 12, mode: 'flush-add' }, states: 1216, spinTransitions: 6145, depth: 24, cex: { length: 7, property: 'no-fault' } },
  // spin -DP=3 -DCHECK -a vdpa_core.pml ... => depth reached 5, errors: 0; 110 states, stored; 665 transitions
  { name: 'vdpa-core dma_map P=3', spec: { kind: 'vdpa-core', pages: 3, parent: 'dma_map', cleanMap: false }, states: 110, spinTransitions: 665, depth: 5 },
  // spin -DP=5 -DCHECK -a vdpa_core.pml ... => depth reached 7, errors: 0; 974 states, stored; 8449 transitions
  { name: 'vdpa-core dma_map P=5', spec: { kind: 'vdpa-core', pages: 5, parent: 'dma_map', cleanMap: false }, states: 974, spinTransitions: 8449, depth: 7 },
  // spin -DP=3 -DSETMAP -a vdpa_core.pml ... => depth reached 11, errors: 0; 1514 states, stored; 9089 transitions
  // spin -DP=3 -DSETMAP -DCHECK ... => assertion violated ( !((running&&(dev[i]!=0)))||(dev[i]==iotlb[i])) (at depth 3); trail 4 steps
  { name: 'vdpa-core set_map P=3', spec: { kind: 'vdpa-core', pages: 3, parent: 'set_map', cleanMap: false }, states: 1514, spinTransitions: 9089, depth: 11, cex: { length: 4, property: 'dma-pinned' } },
  // spin -DP=3 -DCLEANMAP -a vdpa_core.pml ... => depth reached 6, errors: 0; 502 states, stored; 3013 transitions
  // spin -DP=3 -DCLEANMAP -DCHECK ... => assertion violated ( !(((running&& !(inbatch))&&(iotlb[i]!=0)))||(dev[i]==iotlb[i])) (at depth 2); trail 3 steps
  { name: 'vdpa-core dma_map+clean_map P=3', spec: { kind: 'vdpa-core', pages: 3, parent: 'dma_map', cleanMap: true }, states: 502, spinTransitions: 3013, depth: 6, cex: { length: 3, property: 'dma-mapped' } },
  // spin -DP=3 -DSETMAP -DCLEANMAP -a vdpa_core.pml ... => depth reached 11, errors: 0; 1566 states, stored; 10173 transitions
  // spin -DP=3 -DSETMAP -DCLEANMAP -DCHECK ... => assertion violated ( !(((running&& !(inbatch))&&(iotlb[i]!=0)))||(dev[i]==iotlb[i])) (at depth 2); trail 3 steps
  { name: 'vdpa-core set_map+clean_map P=3', spec: { kind: 'vdpa-core', pages: 3, parent: 'set_map', cleanMap: true }, states: 1566, spinTransitions: 10173, depth: 11, cex: { length: 3, property: 'dma-mapped' } },
  // spin -DP=4 -DSETMAP -a vdpa_core.pml ... => depth reached 14, errors: 0; 13286 states, stored; 97437 transitions
  // spin -DP=4 -DSETMAP -DCHECK ... => assertion violated ( !((running&&(dev[i]!=0)))||(dev[i]==iotlb[i])) (at depth 3); trail 4 steps
  { name: 'vdpa-core set_map P=4', spec: { kind: 'vdpa-core', pages: 4, parent: 'set_map', cleanMap: false }, states: 13286, spinTransitions: 97437, depth: 14, cex: { length: 4, property: 'dma-pinned' } },
];

describe('peer models agree with SPIN on small sizes', () => {
  for (const c of CASES) {
    test(`${c.name}: distinct states, depth and transitions as SPIN counts them`, () => {
      const model = buildPeerModel(c.spec);
      // Invariants checked only where they hold (as in SPIN's runs without -DCHECK otherwise).
      const r = explore(model, c.cex === undefined ? {} : { propertyIds: [] });
      expect(r.stoppedBy).toBe('exhausted');
      expect(r.violations).toEqual([]);
      expect(r.stats.distinctStates).toBe(c.states);
      expect(r.stats.depth).toBe(c.depth);
      expect(r.stats.transitions + model.init().length).toBe(c.spinTransitions);
    });
    if (c.cex !== undefined) {
      const cex = c.cex;
      test(`${c.name}: shortest counterexample as long as SPIN's BFS trail`, () => {
        const model = buildPeerModel(c.spec);
        const r = explore(model, {});
        expect(r.stoppedBy).toBe('violation');
        expect(r.violations.map((v) => [v.propertyId, v.actions.length])).toEqual([[cex.property, cex.length]]);
        // The trace replays to a world that violates the property.
        let w = model.init()[r.violations[0]!.initIndex];
        for (const a of r.violations[0]!.actions) w = model.next(w, a) ?? w;
        const prop = model.properties().find((p) => p.id === cex.property);
        expect(prop?.kind === 'invariant' ? prop.check(w) : undefined).toBeDefined();
      });
    }
  }
});

// bench/peers sizes both tools' visited tables up front: pan -w<log2>, vdpa-mc's store the same slots.
describe('a visited table sized up front (ExploreOptions.expectedStates) changes no result', () => {
  const c = CASES.find((x) => x.name === 'vdpa-core set_map P=4')!;
  const log2 = Math.ceil(Math.log2(c.states)) + 1;
  const hint = { expectedStates: Math.floor(2 ** log2 * 0.9) };
  test(`${c.name}: same counts, same counterexample; the table holds 2^${log2} slots from the start`, () => {
    const model = buildPeerModel(c.spec);
    const grown = explore(model, { propertyIds: [] });
    const sized = explore(model, { ...hint, propertyIds: [] });
    expect([sized.stats.distinctStates, sized.stats.transitions, sized.stats.depth]).toEqual([grown.stats.distinctStates, grown.stats.transitions, grown.stats.depth]);
    expect(sized.stats.storeBytes).toBeGreaterThanOrEqual(2 ** log2 * 8);
    expect(grown.stats.storeBytes).toBeLessThan(2 ** log2 * 8);
    const cex = explore(model, hint).violations.map((v) => [v.propertyId, v.actions]);
    expect(cex).toEqual(explore(model, {}).violations.map((v) => [v.propertyId, v.actions]));
  });
});
