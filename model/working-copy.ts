// Reducers run on a plain mutable copy of the world inside the Immer producer, and only the fields
// that changed are written to the draft. Same semantics as mutating the draft directly (structural
// sharing, auto-freeze in tests), without a proxy per array read: on this model Immer's array traps
// dominated the profile. The copy and the commit are generated once from the world's schema.
import { produce } from '../explorer/immer.js';
import { worldSchema, type World } from '../spec/vdpa/world.js';

const fields = Object.entries(worldSchema.tag === 'struct' ? worldSchema.fields : {}) as [keyof World, { tag: string }][];
const arrays = fields.filter(([, f]) => f.tag === 'array').map(([k]) => k as string);
const scalars = fields.filter(([, f]) => f.tag !== 'array').map(([k]) => k as string);

/** Every array sliced, scalars copied (generated: one object literal, no loop over keys). */
const workingCopy = new Function('w',
  `return {${[...scalars.map((k) => `${k}: w.${k}`), ...arrays.map((k) => `${k}: w.${k}.slice()`)].join(', ')}};`,
) as (w: World) => World;

function sameArray(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Writes into the draft `d` every field of `m` that differs from the base world `w`. */
const commit = new Function('same', `return function commit(d, w, m) {
${scalars.map((k) => `  if (m.${k} !== w.${k}) d.${k} = m.${k};`).join('\n')}
${arrays.map((k) => `  if (!same(m.${k}, w.${k})) d.${k} = m.${k};`).join('\n')}
};`)(sameArray) as (d: World, w: World, m: World) => void;

/** An Immer producer whose recipe mutates a plain working copy of `w`; what changed is committed. */
export function produceOnCopy(w: World, recipe: (m: World) => void): World {
  return produce(w, (d: World) => {
    const m = workingCopy(w);
    recipe(m);
    commit(d, w, m);
  });
}
