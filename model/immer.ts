// The one Immer instance every model reducer uses: `import { produce } from './immer.js'`.
//
// Why a local instance, configured here:
// - auto-freeze OFF by default: freezing every produced world costs ~40 % of a reducer on the
//   explorer's hot path (stack-notes.md), and explored worlds are never mutated anyway (they are
//   encoded and dropped, or decoded afresh).
// - tests call `setAutoFreeze(true)` (e.g. in a vitest setup or beforeAll) so that a reducer that
//   mutates its input, or a model that mutates a produced world, throws instead of silently
//   corrupting the search.
// - `enableArrayMethods()` (Immer 11 plugin; global, idempotent): array methods on drafts
//   (push, splice, filter, some...) work on the copy without a proxy per element.
// - strict iteration off: worlds are plain data, so only enumerable string keys matter.
// - do not Object.freeze values shared between worlds (empty arrays and the like) on the hot
//   path: V8 reads frozen arrays through a slower path, and the engine's encoder measured ~10x
//   slower on worlds holding them. `readonly` types protect them instead.
// Reducers are cheapest when they assign top-level fields of the draft from the base world
// (`d.ring = setAt(w.ring, j, x)`): each nested object or array written through the draft costs
// a proxy and a copy, and each assignment a trap (bench/engine: ~2x between 1 and 5 assignments).
import { Immer, enableArrayMethods, castDraft } from 'immer';

/** Immer's `castDraft`: lets a reducer assign a shared read-only value (e.g. a constant empty array) to a draft field. */
export { castDraft };

enableArrayMethods();

const immer = new Immer({ autoFreeze: false, useStrictIteration: false });

/** Immer's `produce`, bound to the explorer's instance (auto-freeze off unless switched on). */
export const produce: Immer['produce'] = immer.produce;

/** Switches auto-freeze of produced worlds on (tests) or off (exploration, the default). */
export function setAutoFreeze(on: boolean): void {
  immer.setAutoFreeze(on);
}

/** Whether produced worlds are frozen. */
export function autoFreezeEnabled(): boolean {
  return immer.autoFreeze_;
}

/**
 * A copy of `a` with element `i` set to `v`. For flat reducers: assign it to a top-level field
 * of the draft, reading the array from the base world (`d.ring = setAt(w.ring, j, x)`), so Immer
 * drafts only the root object; writing `d.ring[j] = x` drafts the array too, which measured
 * ~2-3x slower per reducer (BENCHMARKS.md).
 */
export function setAt<T>(a: readonly T[], i: number, v: T): T[] {
  const c = a.slice();
  c[i] = v;
  return c;
}
