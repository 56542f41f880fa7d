// Step 1 of both engines (bfs.ts, chunked.ts): the initial worlds, deduplicated, their invariants checked.
import type { Fingerprinter } from './fingerprint.js';
import type { PropertyBook } from './properties.js';
import type { VisitedStore } from './store.js';

/** Stores each new initial world and hands it to `keep`; the reason to stop, if any. */
export function storeInitialWorlds<S, A>(
  init: readonly S[], fp: Fingerprinter<S>, store: VisitedStore, book: PropertyBook<S, A>, maxStates: number,
  keep: (w: S) => void, fingerprint: (w: S) => void = (w) => fp.key(w),
): 'max-states' | 'violation' | undefined {
  const h = fp.h;
  for (let i = 0; i < init.length; i++) {
    const w = init[i]!;
    // keyed on the model's representative (Model.canonical); `keep` gets the concrete world's encoding
    fingerprint(w);
    if (store.size >= maxStates && !store.has(h[0]!, h[1]!)) return 'max-states';
    const index = store.addIfNew(h[0]!, h[1]!, -(i + 1), 0);
    if (index < 0) continue;
    fp.concrete(w);
    keep(w);
    if (book.checkInvariants(w, index)) return 'violation';
  }
  return undefined;
}
