// The judge keeps its last replay (systems/vdpa/trace-replay.ts): a cause found with the shared
// replay, after whatever trace came before, must be the cause found by a fresh replay.
import { describe, expect, it } from 'vitest';
import { explore } from '../../explorer/bfs.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import { causeOf, clausesBroken } from '../../systems/vdpa/cause.js';
import { TraceReplay } from '../../systems/vdpa/trace-replay.js';
import type { VdpaModel } from '../../systems/vdpa/model.js';
import type { Action } from '../../spec/vdpa/actions.js';

describe('trace replay of the judge', () => {
  it('causes and clauses through one shared replay equal fresh replays, traces in search order', async () => {
    const t = await buildVdpaTarget({ system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: {} });
    const model = t.model as VdpaModel;
    const traces: { id: string; actions: readonly Action[] }[] = [];
    explore(model, {
      maxDepth: 5, stopAtFirstViolation: false,
      distinct: { key: (id, _i, actions) => { traces.push({ id, actions: actions as readonly Action[] }); return String(traces.length); } },
    });
    expect(traces.length).toBeGreaterThan(100);
    const shared = new TraceReplay(model);
    const props = new Map(model.properties().map((p) => [p.id, p]));
    let withBreaks = 0;
    // in search order, then backwards (prefixes shared in the other direction too)
    for (const { id, actions } of [...traces, ...[...traces].reverse()]) {
      const p = props.get(id)!;
      const fresh = causeOf(model, p, actions);
      expect(causeOf(model, p, actions, undefined, shared)).toEqual(fresh);
      const all = clausesBroken(model, actions.slice(0, fresh.step));
      expect(fresh.breaks).toEqual(all[0]);
      if (all.length > 0) withBreaks++;
    }
    expect(withBreaks).toBeGreaterThan(0);
  }, 180_000);
});
