// Reducers are Immer recipes (they mutate a draft). They run on a plain mutable copy of the world,
// and only the fields that changed go into the successor: under tests (auto-freeze on) Immer's
// produce writes them to a draft of the base world (structural sharing, frozen results, so a reducer
// that mutates its input throws); on the explorer's hot path (auto-freeze off) a generated copier
// builds the successor as a plain object of the world's fields, the changed ones from the copy and the
// others shared with the base, which is what produce gives there, without the draft (produce had
// become only an expensive shallow copy: BENCHMARKS.md "Per-state cost"). test/vdpa/successor.test.ts
// checks both give equal worlds and fingerprints. No proxy per array read either: on this model
// Immer's array traps dominated the profile. The copy, the comparison and the schema checks are
// generated once from the world's schema. Every changed field is checked against the schema before it
// is written (a write of the wrong type or out of range never reaches the store);
// `worldSchemaViolation` checks a whole world, extra fields included (the wrapper of a kernel
// variant's ops calls it: systems/vdpa/variant.ts). A step that changes nothing (a quarter of the
// transitions of 6.12 mlx5 any) returns the base world without opening an Immer scope: produce would
// return it too, after creating and revoking a draft for nothing. The explorer itself mostly takes
// steps in halves (peekOnCopy, commitCopy: Model.peek), building only the successors that are new.
import { autoFreezeEnabled, produce } from './immer.js';
import { worldSchema, type World } from '../spec/vdpa/world.js';

type FieldSchema = { tag: string; min?: number; max?: number; values?: readonly string[]; length?: number; elem?: FieldSchema };
const fields = Object.entries(worldSchema.tag === 'struct' ? worldSchema.fields : {}) as [keyof World, FieldSchema][];
const arrays = fields.filter(([, f]) => f.tag === 'array').map(([k]) => k as string);
const scalars = fields.filter(([, f]) => f.tag !== 'array').map(([k]) => k as string);
const schemaOf = new Map<string, FieldSchema>(fields.map(([k, f]) => [k as string, f]));

/** A JS expression true when `v` fits the scalar schema `f` (int, bool or enum). */
function fits(v: string, f: FieldSchema): string {
  switch (f.tag) {
    case 'int': return `(typeof ${v} === 'number' && Number.isInteger(${v}) && ${v} >= ${f.min} && ${v} <= ${f.max})`;
    case 'bool': return `(${v} === true || ${v} === false)`;
    case 'enum': return `(${f.values!.map((x) => `${v} === ${JSON.stringify(x)}`).join(' || ')})`;
    default: throw new Error(`working-copy: field schema ${f.tag} is not handled`);
  }
}
/** The schema in words, for the error message. */
function describe(f: FieldSchema): string {
  switch (f.tag) {
    case 'int': return `an integer in [${f.min}, ${f.max}]`;
    case 'bool': return 'a boolean';
    case 'enum': return `one of ${f.values!.join(', ')}`;
    case 'array': return `an array of ${f.length} elements, each ${describe(f.elem!)}`;
    default: return f.tag;
  }
}
const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
};

/** Generated: the first field of `m` outside the schema, as [field, value, expected], else undefined. */
const checkField: Record<string, (v: unknown) => [string, unknown, string] | undefined> = Object.fromEntries(
  fields.map(([k, f]) => {
    const key = k as string;
    const body = f.tag === 'array'
      ? `if (!Array.isArray(v) || v.length !== ${f.length}) return [${JSON.stringify(key)}, v, ${JSON.stringify(describe(f))}];
         for (let i = 0; i < ${f.length}; i++) { const e = v[i]; if (!${fits('e', f.elem!)}) return [${JSON.stringify(key)} + '[' + i + ']', e, ${JSON.stringify(describe(f.elem!))}]; }
         return undefined;`
      : `return ${fits('v', f)} ? undefined : [${JSON.stringify(key)}, v, ${JSON.stringify(describe(f))}];`;
    return [key, new Function('v', body) as (v: unknown) => [string, unknown, string] | undefined];
  }),
);

const sentence = ([field, value, expected]: [string, unknown, string]): string =>
  `world.${field} = ${show(value)}, outside the world schema (expected ${expected})`;

/** A write outside the world schema, thrown before the world is produced (the step's reducers broke the world's shape). */
export class WorldSchemaError extends Error {
  override readonly name = 'WorldSchemaError';
}

/**
 * The first thing wrong with `w` as a world: a field the schema does not have, a missing one, a
 * value of the wrong type, out of range, or an array of the wrong length. Undefined when it fits.
 */
export function worldSchemaViolation(w: object): string | undefined {
  for (const k in w) if (!schemaOf.has(k)) return `world.${k}, a field the world schema does not have (fields: ${[...schemaOf.keys()].join(', ')})`;
  const o = w as Record<string, unknown>;
  for (const [k] of fields) {
    const bad = checkField[k as string]!(o[k as string]);
    if (bad !== undefined) return sentence(bad);
  }
  return undefined;
}

/** Every array sliced, scalars copied (generated: one object literal, no loop over keys). */
const workingCopy = new Function('w',
  `return {${[...scalars.map((k) => `${k}: w.${k}`), ...arrays.map((k) => `${k}: w.${k}.slice()`)].join(', ')}};`,
) as (w: World) => World;

/** Same length and elements (a wrongly sized array written by a reducer is a change, then refused). */
function sameArray(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function refuse(bad: [string, unknown, string]): never {
  throw new WorldSchemaError(sentence(bad));
}

/**
 * The working copy reused from step to step: its arrays are scratch buffers, refilled from the base
 * world at each step (no allocation), and copied out when they changed. A reducer may alias them
 * (`m.a = m.b`) or assign fresh arrays: a scratch buffer is never committed as is, and the buffers
 * are put back after every step. A producer run inside a recipe gets a fresh copy; a step that threw
 * (a variant's op that added or deleted a field, say) leaves a fresh one behind.
 *
 * The explorer takes every action of a world in a row, so most steps start from the base world the
 * step before started from. Every array is compared with the base after the step anyway; an array the
 * step left in its buffer and equal to the base (`clean`) is not copied again when the next step
 * starts from the same base world (`filledFrom`). Any write to a buffer during a step is seen by that
 * comparison (or the buffer was swapped out of its field, which counts as dirty), so a skipped copy
 * is always exact.
 */
/** Each array's schema length. */
const lengthOf = (k: string): number => schemaOf.get(k)!.length!;
/** Filled with pushes, not by setting a length, so that V8 keeps them packed (no hole checks on every read). */
const buffers: Record<string, number[]> = Object.fromEntries(arrays.map((k) => [k, Array.from({ length: lengthOf(k) }, () => 0)]));
const isBuffer = new Set<unknown>(Object.values(buffers));
let scratch = {} as World;
let scratchBusy = false;
/** The base world the buffers were last filled from (undefined: none, or a step threw). */
let filledFrom: World | undefined;
/** Per array: its buffer holds `filledFrom`'s elements (diff sets it). */
const clean: Record<string, boolean> = Object.fromEntries(arrays.map((k) => [k, false]));
/** What the nested, fresh-copy path hands diff instead: its flags are never read. */
const ignoredClean: Record<string, boolean> = { ...clean };

/** `n` pieces of code, one per index, joined (an unrolled loop over a schema's fixed length). */
const unrolled = (n: number, piece: (i: number) => string, sep: string): string => Array.from({ length: n }, (_, i) => piece(i)).join(sep);

/** Refills `m` from `w`: scalars copied, each array copied into its scratch buffer unless `reuse` and clean (generated). */
const refill = new Function('m', 'w', 'buf', 'reuse', 'clean', `
${scalars.map((k) => `  m.${k} = w.${k};`).join('\n')}
${arrays.map((k) => `  { const a = buf.${k}; if (!(reuse && clean.${k})) { const b = w.${k}; const n = b.length;
    if (n === ${lengthOf(k)} && a.length === n) { ${unrolled(lengthOf(k), (i) => `a[${i}] = b[${i}];`, ' ')} }
    else { a.length = 0; for (let i = 0; i < n; i++) a.push(b[i]); } } m.${k} = a; }`).join('\n')}
`) as (m: World, w: World, buf: Record<string, number[]>, reuse: boolean, clean: Record<string, boolean>) => void;

/** Field numbers for the changed flags: scalars first, then arrays. */
const fieldNames = [...scalars, ...arrays];
/** The fields the last step changed, by number (diff sets them, apply clears them; reused). */
const changed = new Uint8Array(fieldNames.length);

/**
 * Flags in `out` every field of `m` that differs from the base world `w`, each checked against the
 * schema (a wrong one throws WorldSchemaError), and returns how many; notes in `clean` which buffers
 * still hold `w`'s elements (generated).
 */
const diff = new Function('same', 'check', 'refuse', 'buf', `return function diff(w, m, clean, out) {
  let bad, n = 0;
${scalars.map((k, i) => `  if (m.${k} !== w.${k}) { if ((bad = check.${k}(m.${k})) !== undefined) refuse(bad); out[${i}] = 1; n++; }`).join('\n')}
${arrays.map((k, i) => `  { const a = m.${k}, b = w.${k};
    if (!(a === buf.${k} && a.length === ${lengthOf(k)} && b.length === ${lengthOf(k)}
      ? ${unrolled(lengthOf(k), (j) => `a[${j}] === b[${j}]`, ' && ')}
      : Array.isArray(a) && same(a, b))) { clean.${k} = false; if ((bad = check.${k}(a)) !== undefined) refuse(bad); out[${scalars.length + i}] = 1; n++; } else clean.${k} = a === buf.${k}; }`).join('\n')}
  return n;
};`)(sameArray, checkField, refuse, buffers) as (w: World, m: World, clean: Record<string, boolean>, out: Uint8Array) => number;

/**
 * Writes into the draft `d` the fields flagged in `ch`, from `m` (a scratch buffer is copied out), and
 * clears the flags (generated: a named write per field, which V8 keeps fast on a proxy, unlike a computed key).
 */
const apply = new Function('isBuffer', `return function apply(d, m, ch) {
${scalars.map((k, i) => `  if (ch[${i}] === 1) { ch[${i}] = 0; d.${k} = m.${k}; }`).join('\n')}
${arrays.map((k, i) => `  if (ch[${scalars.length + i}] === 1) { ch[${scalars.length + i}] = 0; const v = m.${k}; d.${k} = isBuffer.has(v) ? v.slice() : v; }`).join('\n')}
};`)(isBuffer) as (d: World, m: World, ch: Uint8Array) => void;

/** What `applyRecipe` writes: one recipe for every step instead of a closure per step (no user code runs inside it). */
let applyFrom: World | undefined;
let applyFlags: Uint8Array = changed;
const applyRecipe = (d: World): void => apply(d, applyFrom!, applyFlags);

/** A new world from `w`, by Immer: the fields flagged in `flags` take `m`'s values. */
function produceChanged(w: World, m: World, flags: Uint8Array): World {
  applyFrom = m;
  applyFlags = flags;
  try {
    return produce(w, applyRecipe);
  } finally {
    applyFrom = undefined;
  }
}

/**
 * Builds the successor from the base world `w` and the working copy `m`: the fields flagged in `flags`
 * take `m`'s values (a scratch buffer copied out), the others keep `w`'s; the flags are cleared. What
 * Immer's produce of `apply` gives with auto-freeze off, without the draft: a plain object literal of
 * the world's fields in the schema's order (blankWorld's and the codec's), one hidden class for every world.
 */
export type Copier = (w: World, m: World, flags: Uint8Array) => World;

/**
 * The generated copier; `drop` names a field it forgets to take from the working copy (it keeps the
 * base world's value): a deliberately broken copier, for the test that the agreement check catches one.
 */
export function makeCopier(drop?: keyof World): Copier {
  const entry = (k: string, i: number, array: boolean): string => {
    if (k === drop) return `${k}: w.${k}`;
    const v = array ? `(m.${k} === buf.${k} || isBuffer.has(m.${k}) ? m.${k}.slice() : m.${k})` : `m.${k}`;
    return `${k}: ch[${i}] === 1 ? ${v} : w.${k}`;
  };
  const index = new Map(fieldNames.map((k, i) => [k, i]));
  const body = fields.map(([k, f]) => entry(k as string, index.get(k as string)!, f.tag === 'array')).join(',\n    ');
  return new Function('isBuffer', 'buf', `return function copyChanged(w, m, ch) {
  const r = {
    ${body}
  };
  ch.fill(0);
  return r;
};`)(isBuffer, buffers) as Copier;
}

/** The explorer's copier. */
const defaultCopier = makeCopier();
/** How successors are built: by Immer's produce (auto-freeze on, as in tests) or by the copier (the explorer's hot path). */
let copier: Copier = defaultCopier;
let forced: 'produce' | 'copy' | undefined;

/**
 * Forces the successor builder (tests): 'produce' (Immer), 'copy' (the generated copier), another
 * copier, or undefined for the default: Immer when auto-freeze is on, the generated copier otherwise.
 * Returns what was set before.
 */
export function setSuccessorBuilder(b: 'produce' | 'copy' | Copier | undefined): 'produce' | 'copy' | Copier | undefined {
  const before = forced === 'copy' && copier !== defaultCopier ? copier : forced;
  copier = typeof b === 'function' ? b : defaultCopier;
  forced = typeof b === 'function' ? 'copy' : b;
  return before;
}

/** Which builder the next step uses: the forced one, else Immer under auto-freeze and the copier otherwise. */
export const successorBuilder = (): 'produce' | 'copy' => forced ?? (autoFreezeEnabled() ? 'produce' : 'copy');

/** The successor: the changed fields written by Immer or copied by the copier (`successorBuilder`). */
function successor(w: World, m: World, flags: Uint8Array): World {
  return successorBuilder() === 'produce' ? produceChanged(w, m, flags) : copier(w, m, flags);
}

/** Nothing changed: the base world itself (through produce when auto-freeze is on, so that tests see it frozen as before). */
const unchanged = (w: World): World => (autoFreezeEnabled() ? produce(w, () => undefined) : w);

/** The last `peekOnCopy`: its base world and the copy it left (undefined: none, or a step ran since). */
let peekedFrom: World | undefined;
let peeked: World | undefined;

/**
 * `recipe` run on a working copy of `w`, which is returned: the scratch (refilled from `w`, reusing
 * the buffers diff last found clean when it was filled from `w`), or a fresh copy inside a step or
 * after one that V8 terminated (a variant's deadline: no finally ran). A peek left in the scratch is
 * gone; until diff sees what the recipe did, the buffers are known to hold nothing.
 */
function runOnCopy(w: World, recipe: (m: World) => void): World {
  peekedFrom = undefined;
  if (scratchBusy) {
    const m = workingCopy(w);
    recipe(m);
    return m;
  }
  scratchBusy = true;
  try {
    const reuse = filledFrom === w;
    filledFrom = undefined;
    refill(scratch, w, buffers, reuse, clean);
    recipe(scratch);
    return scratch;
  } catch (e) {
    discardScratch();
    throw e;
  } finally {
    scratchBusy = false;
  }
}

/** The successor from the working copy `m` of `w` that `runOnCopy` returned. */
function build(w: World, m: World): World {
  if (m !== scratch) return fromFresh(w, m);
  try {
    return fromScratch(w);
  } catch (e) {
    discardScratch();
    throw e;
  }
}

/**
 * The explorer's half step (Model.peek): `recipe` run on the working copy of `w`, and the copy itself
 * returned, compared with nothing and built into nothing: most successors are known already (88 % at
 * depth 12 of 6.12 mlx5 any), and the caller tells whether anything changed by the world's encoding,
 * which it computes anyway. Valid until the next step of any kind; `commitCopy` builds the successor.
 * Schema checks: the encoder's range checks here (explorer/codec.ts), every changed field at `commitCopy`.
 */
export function peekOnCopy(w: World, recipe: (m: World) => void): World {
  const m = runOnCopy(w, recipe);
  peeked = m;
  peekedFrom = w;
  return m;
}

/** The successor the last `peekOnCopy` left, as `produceOnCopy` would have returned it (its base world when nothing changed). */
export function commitCopy(): World {
  const w = peekedFrom;
  const m = peeked;
  if (w === undefined || m === undefined) throw new Error('working copy: commit without a peek before it (or another step ran since)');
  peekedFrom = undefined;
  peeked = undefined;
  return build(w, m);
}

/** The successor from a fresh working copy `m` of `w` (a step inside a step). */
function fromFresh(w: World, m: World): World {
  const flags = new Uint8Array(fieldNames.length);
  const n = diff(w, m, ignoredClean, flags);
  return n === 0 ? unchanged(w) : successor(w, m, flags);
}

/** A step threw: a fresh scratch behind it (it may have added or deleted a field), no flag left set (diff may have set some). */
function discardScratch(): void {
  scratch = {} as World;
  filledFrom = undefined;
  changed.fill(0);
}

/** The successor from the scratch, which a recipe changed from `w` (the caller discards the scratch if this throws). */
function fromScratch(w: World): World {
  const n = diff(w, scratch, clean, changed);
  filledFrom = w;
  return n === 0 ? unchanged(w) : successor(w, scratch, changed);
}

/** The world after `recipe` mutated a plain working copy of `w`: `w` itself when nothing changed, else what Immer produces from the changes. */
export function produceOnCopy(w: World, recipe: (m: World) => void): World {
  return build(w, runOnCopy(w, recipe));
}
