// The replay behind a violation's cause (cause.ts): the worlds of a trace, userspace's stale belief
// replayed on the side, and the first contract clause each step breaks. The search keys thousands
// of violating worlds per level, in the order of their parents, so consecutive traces share most of
// their prefix: the last replay is kept and extended from the longest common prefix (actions
// compared by identity: the same object of the alphabet, and the model is deterministic), which
// makes a cause cost about one step instead of a replay of the whole trace.
import { CLAUSES, staleAfter, type ContractClause } from '../../model/contract.js';
import type { Action } from '../../spec/vdpa/actions.js';
import type { World } from '../../spec/vdpa/world.js';
import type { VdpaModel } from './model.js';

export class TraceReplay {
  private readonly actions: Action[] = [];
  /** worlds[i]: the world after i actions. */
  private readonly worlds: World[];
  /** stale[i]: the stale belief (model/contract.ts) in worlds[i]. */
  private readonly stale: number[] = [0];
  /** broken[i]: the first clause action i breaks in worlds[i] (with stale[i]), or null. */
  private readonly broken: (ContractClause | null)[] = [];

  constructor(
    private readonly model: VdpaModel,
    private readonly clauses: readonly ContractClause[] = CLAUSES,
  ) {
    this.worlds = [model.init()[0]!];
  }

  /** Replays `actions` (what is shared with the last trace is not replayed again); returns the worlds, one more than actions. */
  load(actions: readonly Action[]): readonly World[] {
    const { model, worlds, stale, broken } = this;
    let k = 0;
    while (k < actions.length && k < this.actions.length && actions[k] === this.actions[k]) k++;
    this.actions.length = k;
    worlds.length = k + 1;
    stale.length = k + 1;
    broken.length = k;
    const ctx = model.ctx;
    for (let i = k; i < actions.length; i++) {
      const a = actions[i]!;
      const w = worlds[i]!;
      // the clauses read the stale belief replayed here; a copy only when the world's own differs (the search keeps it in the world)
      const seen: World = w.uStale === stale[i] ? w : { ...w, uStale: stale[i]! };
      let first: ContractClause | null = null;
      for (const c of this.clauses) if (c.breaks(ctx, seen, a)) { first = c; break; }
      const { world, ret } = model.take(w, a);
      this.actions.push(a);
      broken.push(first);
      stale.push(staleAfter(w, a, { ret }, stale[i]!));
      worlds.push(world);
    }
    return worlds.slice(0, actions.length + 1);
  }

  /** The first clause broken by one of the first `steps` actions of the trace loaded last, and its step (1-based). */
  firstBroken(steps: number): { clause: string; step: number } | undefined {
    for (let i = 0; i < steps && i < this.broken.length; i++) {
      const c = this.broken[i];
      if (c !== null && c !== undefined) return { clause: c.id, step: i + 1 };
    }
    return undefined;
  }
}
