// Counterexamples are rebuilt, not stored: the visited store keeps only (parent, action index)
// per state, so a trace is the chain of action indices from an initial world, replayed through
// the model (TLC and Stateright do the same). BFS order makes the chain a shortest one.
import type { Model } from './model.js';
import type { VisitedStore } from './store.js';

/** The initial-world index and the action indices (positions in `actions(s, out)`) leading to `index`. */
export function pathTo(store: VisitedStore, index: number): { initIndex: number; actionIndices: number[] } {
  const actionIndices: number[] = [];
  let i = index;
  for (;;) {
    const parent = store.parentOf(i);
    if (parent < 0) {
      actionIndices.reverse();
      return { initIndex: -parent - 1, actionIndices };
    }
    actionIndices.push(store.actionOf(i));
    i = parent;
  }
}

/** Replays action indices from `model.init()[initIndex]`; returns the actions and the worlds visited. */
export function replayIndices<S, A>(
  model: Model<S, A>,
  initIndex: number,
  actionIndices: readonly number[],
): { actions: A[]; worlds: S[] } {
  const init = model.init()[initIndex];
  if (init === undefined) throw new Error(`replay: no initial world ${initIndex}`);
  let s = init;
  const worlds = [s];
  const actions: A[] = [];
  const out: A[] = [];
  for (const ai of actionIndices) {
    out.length = 0;
    model.actions(s, out);
    const a = out[ai];
    if (a === undefined) throw new Error(`replay: the model lists no action ${ai} in a replayed world (is actions() deterministic?)`);
    actions.push(a);
    s = model.next(s, a) ?? s;
    worlds.push(s);
  }
  return { actions, worlds };
}

/**
 * replayIndices with the last replay kept: violations are reported in the order of their parents,
 * so consecutive traces share most of their prefix, and only the steps after the shared prefix
 * are replayed (the model is deterministic: same world, same actions, same next world).
 */
export class PrefixReplay<S, A> {
  private initIndex = -1;
  private readonly indices: number[] = [];
  private readonly actions: A[] = [];
  private readonly worlds: S[] = [];
  private readonly out: A[] = [];

  constructor(private readonly model: Model<S, A>) {}

  replay(initIndex: number, actionIndices: readonly number[]): { actions: A[]; worlds: S[] } {
    const { indices, actions, worlds, out, model } = this;
    if (initIndex !== this.initIndex) {
      const init = model.init()[initIndex];
      if (init === undefined) throw new Error(`replay: no initial world ${initIndex}`);
      this.initIndex = initIndex;
      indices.length = 0;
      actions.length = 0;
      worlds.length = 0;
      worlds.push(init);
    }
    let k = 0;
    while (k < actionIndices.length && k < indices.length && actionIndices[k] === indices[k]) k++;
    indices.length = k;
    actions.length = k;
    worlds.length = k + 1;
    let s = worlds[k]!;
    for (let i = k; i < actionIndices.length; i++) {
      const ai = actionIndices[i]!;
      out.length = 0;
      model.actions(s, out);
      const a = out[ai];
      if (a === undefined) {
        // forget the failed step: what is kept is a replayed prefix
        this.initIndex = -1;
        throw new Error(`replay: the model lists no action ${ai} in a replayed world (is actions() deterministic?)`);
      }
      s = model.next(s, a) ?? s;
      indices.push(ai);
      actions.push(a);
      worlds.push(s);
    }
    return { actions: actions.slice(), worlds: worlds.slice() };
  }
}
