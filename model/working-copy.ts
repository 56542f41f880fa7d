// Reducers run on a plain mutable copy of the world inside the Immer producer, and only the fields
// that changed are written to the draft. Same semantics as mutating the draft directly (structural
// sharing, auto-freeze in tests), without a proxy per array read: on this model that made a step
// ~5x cheaper (Immer's array traps dominated the profile, see BENCHMARKS.md).
import type { World } from '../spec/vdpa/world.js';

type Field = keyof World;

/** A deep-enough copy: every array sliced, scalars copied. */
export function workingCopy(w: World): World {
  const m = { ...w };
  for (const k of Object.keys(m) as Field[]) {
    const v = m[k];
    if (Array.isArray(v)) (m as Record<Field, unknown>)[k] = v.slice();
  }
  return m;
}

function sameArray(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Writes into the draft `d` every field of `m` that differs from the base world `w`. */
export function commit(d: World, w: World, m: World): void {
  const dd = d as unknown as Record<Field, unknown>;
  for (const k of Object.keys(m) as Field[]) {
    const nv = m[k];
    const ov = w[k];
    if (Array.isArray(nv)) {
      if (!sameArray(nv, ov as readonly number[])) dd[k] = nv;
    } else if (nv !== ov) {
      dd[k] = nv;
    }
  }
}
