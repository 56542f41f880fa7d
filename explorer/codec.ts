// World <-> Int32 words, compiled once from a model's Schema by code generation (`new Function`):
// straight-line code and an object literal per struct, so V8 sees one fixed shape per node and
// no interpretation of the schema remains on the hot path (stack-notes.md: an encoder written
// for the world's type fingerprints ~30x faster than canonical JSON).
//
// Fields are PACKED by their declared ranges into bit fields of 32-bit words: an int in [min, max]
// takes ceil(log2(max - min + 1)) bits (stored as value - min), a bool 1, an enum of k values
// ceil(log2 k), a list's length ceil(log2(maxLength + 1)); a field never crosses a word boundary
// (first fit in schema order), and an int whose range needs 32 bits gets a whole word. Encoding,
// hashing and the frontier cost in proportion to words (bench/peers/notes.md: 79 words -> 5 on
// mapchange N=26), as SPIN's bit fields do.
//
// The encoding is canonical (same world, same words; every bit not used by a field is zero),
// injective on worlds that fit the schema, and of FIXED size: a list is a length field followed by
// `maxLength` element slots, the unused ones zero. Fixed-size records let the BFS frontier be a
// plain Int32Array queue and make the hash cover the same number of words. Arrays and lists up to
// UNROLL_COST leaves are laid out field by field; longer ones become loops over word-aligned
// element records (each element packed inside its own words).
//
// A packed int out of its range would spill into the other fields of its word and merge distinct
// worlds, so even the fast encoder refuses it there (two compares); an int alone in its word needs
// no check for that. The checked encoder is the fast one after a walk over the schema that checks
// everything (schema-check.ts).
//
// The fused encoder has a second form for a successor (encodeHashFrom): the world's parent and the
// parent's record are given, and every struct, array or list below the root that the successor
// shares with its parent (the same object: models build successors by copying only what changes,
// as Immer does) is not encoded again: its bits are copied from the parent's words, one masked OR
// per word it touches.
// Models without a schema get `canonicalString` (sorted keys) hashed with `hashString`.
import type { ArraySchema, BoolSchema, EnumSchema, IntSchema, ListSchema, Schema, StructSchema } from './schema.js';
import { hashSource, hashString, hashWords, newHashOut, type Hash64Out } from './hash.js';
import { schemaChecker, schemaMismatch } from './schema-check.js';

export { hashString, hashWords, newHashOut, type Hash64Out };

export interface Codec<S> {
  /** Words per encoded world (every world has the same size). */
  readonly words: number;
  /** Writes `words` words of `w` at out[off..]. */
  encode(w: S, out: Int32Array, off: number): void;
  /** Rebuilds a world (fresh plain objects/arrays) from words[off..]. */
  decode(words: Int32Array, off: number): S;
  /**
   * Encodes at offset 0 and hashes in the same pass (h = hashWords(out, words)), as straight-line
   * code. Present when every array and list of the schema is small enough to unroll.
   */
  readonly encodeHash?: (w: S, out: Int32Array, h: Hash64Out) => void;
  /**
   * encodeHash for a successor `w` of world `p`, whose record is pw[po..]: the subtrees `w` shares
   * with `p` (the same objects) are copied from the parent's words. Present with encodeHash.
   */
  readonly encodeHashFrom?: (w: S, p: S, pw: Int32Array, po: number, out: Int32Array, h: Hash64Out) => void;
}

export interface CodecOptions {
  /**
   * Check every value against the schema before encoding (type, int range, enum membership,
   * list length, struct keys) and throw a descriptive Error on a mismatch. Slower; the engine
   * checks initial worlds and the first successors so (schema-check.ts) to catch a schema that does not fit.
   */
  readonly checked?: boolean;
}

type Node =
  | BoolSchema
  | IntSchema
  | EnumSchema<string>
  | ArraySchema<unknown>
  | ListSchema<unknown>
  | StructSchema<Record<string, unknown>>;

const asNode = (s: unknown): Node => s as Node;

/** Arrays and lists of up to this many leaves (counting nested ones) are laid out field by field. */
const UNROLL_COST = 256;
/** Worlds above this many leaves get no fused encoder (code size). */
const FUSED_MAX_COST = 4096;

// ---- Layout: where every field lives (word index relative to its record, bit shift, width) ----

/** A scalar field: `bits` in 0..31 at `shift` of word `word`, or a whole word when `bits` is 32. */
interface Leaf {
  readonly k: 'leaf';
  readonly node: BoolSchema | IntSchema | EnumSchema<string>;
  readonly word: number;
  readonly shift: number;
  readonly bits: number;
  /** The only field of its word (then the word is the field: no mask, no OR). */
  sole: boolean;
}
interface StructLay {
  readonly k: 'struct';
  readonly keys: readonly string[];
  readonly fields: readonly Lay[];
}
/** An array or list laid out element by element (`len` is a list's length field). */
interface SeqLay {
  readonly k: 'seq';
  readonly count: number;
  readonly len: Leaf | undefined;
  readonly elems: readonly Lay[];
}
/** An array or list encoded by a loop: `count` word-aligned records of `elemWords` from `base`. */
interface LoopLay {
  readonly k: 'loop';
  readonly count: number;
  readonly len: Leaf | undefined;
  readonly base: number;
  readonly elemWords: number;
  readonly elem: Lay;
}
type Lay = Leaf | StructLay | SeqLay | LoopLay;

/** Bits needed for the values 0..span (32: a whole word, also for spans that are not integers). */
function bitsFor(span: number): number {
  if (!Number.isInteger(span) || span < 0 || span >= 0x80000000) return 32;
  return span === 0 ? 0 : 32 - Math.clz32(span);
}

function leafBits(n: BoolSchema | IntSchema | EnumSchema<string>): number {
  switch (n.tag) {
    case 'bool':
      return 1;
    case 'int':
      return bitsFor(n.max - n.min);
    case 'enum':
      return bitsFor(n.values.length - 1);
  }
}

/** Leaves of a node as laid out (a loop counts its element once): the size of generated code. */
function cost(schema: unknown): number {
  const n = asNode(schema);
  switch (n.tag) {
    case 'bool':
    case 'int':
    case 'enum':
      return 1;
    case 'struct':
      return Object.keys(n.fields).reduce((sum, k) => sum + cost((n.fields as Record<string, unknown>)[k]), 0);
    case 'array':
    case 'list': {
      const count = n.tag === 'list' ? n.maxLength : n.length;
      const e = cost(n.elem);
      return count * e <= UNROLL_COST ? count * e + 1 : e + 2;
    }
  }
}

/** Allocation cursor: word `w`, of which `b` bits are used; the record's leaves so far. */
interface Cursor {
  w: number;
  b: number;
  readonly leaves: Leaf[];
}

function place(c: Cursor, node: Leaf['node']): Leaf {
  const bits = leafBits(node);
  if (bits === 32) {
    if (c.b > 0) c.w++;
    const leaf: Leaf = { k: 'leaf', node, word: c.w, shift: 0, bits, sole: true };
    c.w++;
    c.b = 0;
    return leaf;
  }
  if (c.b + bits > 32) {
    c.w++;
    c.b = 0;
  }
  const leaf: Leaf = { k: 'leaf', node, word: c.w, shift: c.b, bits, sole: false };
  c.b += bits;
  if (bits > 0) c.leaves.push(leaf);
  return leaf;
}

/** Words of a finished record; marks the fields alone in their word. */
function finish(c: Cursor): number {
  const perWord = new Map<number, number>();
  for (const l of c.leaves) perWord.set(l.word, (perWord.get(l.word) ?? 0) + 1);
  for (const l of c.leaves) l.sole = perWord.get(l.word) === 1;
  return c.w + (c.b > 0 ? 1 : 0);
}

function layout(schema: unknown, c: Cursor): Lay {
  const n = asNode(schema);
  switch (n.tag) {
    case 'bool':
    case 'int':
    case 'enum':
      return place(c, n);
    case 'struct': {
      const keys = Object.keys(n.fields);
      return { k: 'struct', keys, fields: keys.map((key) => layout((n.fields as Record<string, unknown>)[key], c)) };
    }
    case 'array':
    case 'list': {
      const isList = n.tag === 'list';
      const count = isList ? n.maxLength : n.length;
      const len = isList ? place(c, { tag: 'int', min: 0, max: count }) : undefined;
      if (count * cost(n.elem) <= UNROLL_COST) {
        const elems: Lay[] = [];
        for (let i = 0; i < count; i++) elems.push(layout(n.elem, c));
        return { k: 'seq', count, len, elems };
      }
      const ec: Cursor = { w: 0, b: 0, leaves: [] };
      const elem = layout(n.elem, ec);
      const elemWords = finish(ec);
      if (c.b > 0) {
        c.w++;
        c.b = 0;
      }
      const base = c.w;
      c.w += count * elemWords;
      return { k: 'loop', count, len, base, elemWords, elem };
    }
  }
}

function rootLayout(schema: unknown): { lay: Lay; words: number } {
  const c: Cursor = { w: 0, b: 0, leaves: [] };
  const lay = layout(schema, c);
  return { lay, words: finish(c) };
}

/** Number of words of a schema's encoding. */
export function schemaWords(schema: unknown): number {
  return rootLayout(schema).words;
}

// ---- Code generation ----

interface Gen {
  lines: string[];
  counter: number;
  /** Closure values the generated code refers to (enum tables). */
  consts: unknown[];
}

/**
 * The words of one record being encoded: top level (word k at `dyn`+k, `dyn` '' for 0 or 'o') or
 * one loop element (at `dyn` = its record offset). Fields are ORed into locals `${prefix}k`; word k
 * is stored (and, in the fused encoder, hashed) as soon as code outside any list-slot condition
 * reaches a later word (words fill in increasing order), so few locals are live at once: keeping
 * all of a wide world's words live until the end measured ~20 % slower on bench/engine.
 */
interface Scope {
  readonly prefix: string;
  readonly dyn: string;
  readonly used: Set<number>;
  /** Words below this one have been stored. */
  flushed: number;
  /** Depth of list-slot conditions the code being generated is in. */
  depth: number;
  /** Fused encoder: hash each word as it is stored. */
  readonly fused: boolean;
}

const newScope = (prefix: string, dyn: string, fused = false): Scope => ({ prefix, dyn, used: new Set(), flushed: 0, depth: 0, fused });

/** Stores the finished words below `k` (only outside list-slot conditions). */
function flushTo(g: Gen, sc: Scope, k: number): void {
  if (sc.depth > 0) return;
  for (let j = sc.flushed; j < k; j++) {
    if (!sc.used.has(j) && !sc.fused) continue; // a nested loop's word: the loop stores it
    g.lines.push(`out[${off(sc.dyn, j)}] = ${sc.prefix}${j};`);
    if (sc.fused) g.lines.push(hashSource.round(j, `${sc.prefix}${j}`));
  }
  if (k > sc.flushed) sc.flushed = k;
}

const off = (dyn: string, k: number): string => (dyn === '' ? String(k) : k === 0 ? dyn : `${dyn}+${k}`);
const fresh = (g: Gen, p: string): string => `${p}${g.counter++}`;
const addConst = (g: Gen, v: unknown): string => {
  g.consts.push(v);
  return `c${g.consts.length - 1}`;
};
const inInt32 = (n: IntSchema): boolean => n.min >= -0x80000000 && n.max <= 0x7fffffff;

/** `${local} |= x << shift`, for a value x already in 0..2^bits - 1. */
function orInto(g: Gen, sc: Scope, leaf: Leaf, x: string): void {
  if (leaf.bits === 0) return;
  flushTo(g, sc, leaf.word);
  sc.used.add(leaf.word);
  if (leaf.sole) g.lines.push(`${sc.prefix}${leaf.word} = ${x};`);
  else g.lines.push(`${sc.prefix}${leaf.word} |= ${leaf.shift === 0 ? x : `${x} << ${leaf.shift}`};`);
}

function genLeaf(g: Gen, sc: Scope, leaf: Leaf, val: string, path: string): void {
  const L = g.lines;
  const pathLit = JSON.stringify(path);
  const n = leaf.node;
  switch (n.tag) {
    case 'bool':
      flushTo(g, sc, leaf.word);
      sc.used.add(leaf.word);
      L.push(`if (${val}) ${sc.prefix}${leaf.word} |= ${(1 << leaf.shift) | 0};`);
      return;
    case 'int': {
      const what = JSON.stringify(`an int in [${n.min}, ${n.max}]`);
      if (leaf.bits === 32) {
        // A whole word: the value itself (as the unpacked codec did), or its offset from min when
        // the range lies outside int32 (then span < 2^32 keeps it injective).
        flushTo(g, sc, leaf.word);
        sc.used.add(leaf.word);
        L.push(`${sc.prefix}${leaf.word} = ${inInt32(n) ? `${val} | 0` : `(${val} - ${n.min}) | 0`};`);
        return;
      }
      const x = fresh(g, 'x');
      if (leaf.sole && leaf.bits > 0) {
        // Alone in its word: an out-of-range value cannot reach another field, and distinct int32
        // values stay distinct words, so the fast encoder needs no check (as before packing).
        L.push(`const ${x} = ${n.min === 0 ? `${val} | 0` : `(${val} - ${n.min}) | 0`};`);
        orInto(g, sc, leaf, x);
        return;
      }
      L.push(`const ${x} = ${n.min === 0 ? val : `${val} - ${n.min}`};`);
      // Shared word: even the fast encoder refuses out of range, non-integers, NaN and undefined.
      L.push(`if ((${x} >>> 0) !== ${x} || ${x} > ${n.max - n.min}) bad(${pathLit}, ${val}, ${what});`);
      orInto(g, sc, leaf, x);
      return;
    }
    case 'enum': {
      const table = new Map<string, number>(n.values.map((v, i) => [v, i]));
      const t = addConst(g, table);
      const x = fresh(g, 'x');
      L.push(`const ${x} = ${t}.get(${val});`);
      L.push(`if (${x} === undefined) bad(${pathLit}, ${val}, ${JSON.stringify('one of ' + n.values.join(', '))});`);
      orInto(g, sc, leaf, x);
      return;
    }
  }
}

/**
 * Code that encodes `val` (laid out as `lay`) into scope `sc`. With `pval` (encodeHashFrom): the
 * same node in the parent world, and a node below the root that is the parent's own is copied from
 * the parent's words (genShared). A list's elements are not compared (the parent's list may be shorter).
 */
function genEncode(g: Gen, sc: Scope, lay: Lay, val: string, path: string, pval?: string, root = false): void {
  if (lay.k === 'leaf') {
    genLeaf(g, sc, lay, val, path);
    return;
  }
  const L = g.lines;
  const v = fresh(g, 'v');
  L.push(`const ${v} = ${val};`);
  // the parent's node as a local (the root's is the parameter itself); none in a loop (no fused encoder has one)
  let pv: string | undefined;
  if (pval !== undefined && lay.k !== 'loop') {
    pv = root ? pval : fresh(g, 'pv');
    if (!root) L.push(`const ${pv} = ${pval};`);
  }
  const body = (): void => {
    if (lay.k === 'struct') {
      lay.keys.forEach((key, i) => {
        const k = JSON.stringify(key);
        genEncode(g, sc, lay.fields[i]!, `${v}[${k}]`, `${path}.${key}`, pv === undefined ? undefined : `${pv}[${k}]`);
      });
      return;
    }
    const pathLit = JSON.stringify(path);
    const count = lay.count;
    const n = fresh(g, 'n');
    L.push(`const ${n} = ${v}.length;`);
    if (lay.len !== undefined) {
      L.push(`if (${n} > ${count}) bad(${pathLit}, ${n}, 'a list of at most ${count} elements');`);
      orInto(g, sc, lay.len, n);
    } else {
      L.push(`if (${n} !== ${count}) bad(${pathLit}, ${n}, 'an array of exactly ${count} elements');`);
    }
    if (lay.k === 'seq') genSeq(g, sc, lay, v, n, path, lay.len === undefined ? pv : undefined);
    else genLoop(g, sc, lay, v, n, path);
  };
  // the root is never the parent's own (a successor is a new world): its fields are compared
  if (root) body();
  else genShared(g, sc, lay, v, pv, body);
}

/** The elements of an unrolled array or list `v` of length `n` (`pv`: the parent's array, for an array). */
function genSeq(g: Gen, sc: Scope, lay: SeqLay, v: string, n: string, path: string, pv: string | undefined): void {
  const L = g.lines;
  const isList = lay.len !== undefined;
  lay.elems.forEach((e, i) => {
    // A list's slot i holds element i when i < length; otherwise its bits stay zero.
    if (isList) {
      L.push(`if (${i} < ${n}) {`);
      sc.depth++;
    }
    genEncode(g, sc, e, `${v}[${i}]`, `${path}[${i}]`, pv === undefined ? undefined : `${pv}[${i}]`);
    if (isList) {
      sc.depth--;
      // A nested loop stores its own words (not through the scope's locals): zero them for an
      // unused slot too, or they keep what the buffer held (found by the codec property test).
      const zero = loopRanges(e).map(([a, b]) => `for (let z = ${off(sc.dyn, a)}, e = ${off(sc.dyn, b)}; z < e; z++) out[z] = 0;`);
      L.push(zero.length > 0 ? `} else { ${zero.join(' ')} }` : `}`);
    }
  });
}

/** A long array or list `v` of length `n`: a loop over its word-aligned element records. */
function genLoop(g: Gen, sc: Scope, lay: LoopLay, v: string, n: string, path: string): void {
  const L = g.lines;
  const i = fresh(g, 'i');
  const p = fresh(g, 'p');
  const es = lay.elemWords;
  L.push(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
  L.push(`const ${p} = ${off(sc.dyn, lay.base)} + ${i} * ${es};`);
  const inner = newScope(`${fresh(g, 'e')}_`, p);
  encodeScope(g, inner, () => genEncode(g, inner, lay.elem, `${v}[${i}]`, `${path}[]`), es);
  L.push(`}`);
  if (lay.len !== undefined) {
    // Unused slots are zero, so the encoding does not depend on what the buffer held before.
    const j = fresh(g, 'j');
    L.push(`for (let ${j} = ${off(sc.dyn, lay.base)} + ${n} * ${es}, e = ${off(sc.dyn, lay.base + lay.count * es)}; ${j} < e; ${j}++) out[${j}] = 0;`);
  }
}

/**
 * encodeHashFrom: node `v` is copied from the parent's words when it is the parent's own object
 * `pv` (one masked OR per word it has bits in), else encoded by `body`. No word is stored inside
 * either branch (as inside a list slot): the words before the node's first are stored before it.
 */
function genShared(g: Gen, sc: Scope, lay: Lay, v: string, pv: string | undefined, body: () => void): void {
  const masks = pv === undefined ? new Map<number, number>() : wordMasks(lay, new Map());
  if (masks.size === 0) {
    body();
    return;
  }
  const L = g.lines;
  const words = [...masks.keys()].sort((a, b) => a - b);
  flushTo(g, sc, words[0]!);
  sc.depth++;
  L.push(`if (${v} === ${pv}) {`);
  for (const j of words) {
    sc.used.add(j);
    const m = masks.get(j)!;
    L.push(`${sc.prefix}${j} |= ${m === -1 ? `pw[po + ${j}]` : `pw[po + ${j}] & ${m}`};`);
  }
  L.push(`} else {`);
  body();
  L.push(`}`);
  sc.depth--;
}

/** The bits of each word that the leaves of `lay` occupy (-1: the whole word), added to `masks`. */
function wordMasks(lay: Lay, masks: Map<number, number>): Map<number, number> {
  switch (lay.k) {
    case 'leaf':
      if (lay.bits > 0) masks.set(lay.word, lay.bits === 32 || lay.sole ? -1 : ((masks.get(lay.word) ?? 0) | ((2 ** lay.bits - 1) << lay.shift)) | 0);
      return masks;
    case 'struct':
      for (const f of lay.fields) wordMasks(f, masks);
      return masks;
    case 'seq':
      if (lay.len !== undefined) wordMasks(lay.len, masks);
      for (const e of lay.elems) wordMasks(e, masks);
      return masks;
    case 'loop':
      throw new Error('codec: wordMasks of a loop (the fused encoders have none)');
  }
}

/** The word ranges [from, to) that nested loops of `lay` store directly (relative to its scope). */
function loopRanges(lay: Lay): (readonly [number, number])[] {
  switch (lay.k) {
    case 'leaf':
      return [];
    case 'struct':
      return lay.fields.flatMap(loopRanges);
    case 'seq':
      return lay.elems.flatMap(loopRanges);
    case 'loop':
      return [[lay.base, lay.base + lay.count * lay.elemWords]];
  }
}

/**
 * Wraps the code `body` generates for scope `sc` (a record of `words` words) with the
 * declarations of its word locals, and stores the words not stored yet.
 */
function encodeScope(g: Gen, sc: Scope, body: () => void, words: number): void {
  const outer = g.lines;
  g.lines = [];
  body();
  flushTo(g, sc, words);
  const inner = g.lines;
  g.lines = outer;
  const ks = sc.fused ? Array.from({ length: words }, (_, k) => k) : [...sc.used].sort((a, b) => a - b);
  if (ks.length > 0) g.lines.push(`let ${ks.map((k) => `${sc.prefix}${k} = 0`).join(', ')};`);
  g.lines.push(...inner);
}

/**
 * Returns an expression for the decoded value of the record at `dyn`; may push statements that the
 * expression uses. Words are read where used (as cheap as a local here, and nothing stays live).
 */
function genDecode(g: Gen, dyn: string, lay: Lay): string {
  const L = g.lines;
  switch (lay.k) {
    case 'leaf': {
      const n = lay.node;
      const r = `w[${off(dyn, lay.word)}]`;
      const mask = lay.bits === 32 ? 0 : (2 ** lay.bits - 1) | 0;
      const field = (): string => {
        if (lay.sole) return r;
        if (lay.shift + lay.bits === 32) return `(${r} >>> ${lay.shift})`;
        return lay.shift === 0 ? `(${r} & ${mask})` : `((${r} >>> ${lay.shift}) & ${mask})`;
      };
      switch (n.tag) {
        case 'bool':
          return `((${r} & ${(1 << lay.shift) | 0}) !== 0)`;
        case 'int':
          if (lay.bits === 32) return inInt32(n) ? r : `((${r} >>> 0) + ${n.min})`;
          if (lay.bits === 0) return `(${n.min})`;
          return n.min === 0 ? field() : `(${field()} + ${n.min})`;
        case 'enum':
          return `${addConst(g, n.values)}[${lay.bits === 0 ? '0' : field()}]`;
      }
      break;
    }
    case 'struct':
      return `{ ${lay.keys.map((key, i) => `${JSON.stringify(key)}: ${genDecode(g, dyn, lay.fields[i]!)}`).join(', ')} }`;
    case 'seq': {
      if (lay.len === undefined) return `[${lay.elems.map((e) => genDecode(g, dyn, e)).join(', ')}]`;
      const a = fresh(g, 'a');
      const n = fresh(g, 'n');
      L.push(`const ${n} = ${genDecode(g, dyn, lay.len)};`, `const ${a} = [];`);
      lay.elems.forEach((e, i) => {
        L.push(`if (${i} < ${n}) {`);
        const x = genDecode(g, dyn, e);
        g.lines.push(`${a}.push(${x});`, `}`);
      });
      return a;
    }
    case 'loop': {
      const a = fresh(g, 'a');
      const i = fresh(g, 'i');
      const p = fresh(g, 'p');
      const n = lay.len === undefined ? String(lay.count) : genDecode(g, dyn, lay.len);
      L.push(`const ${a} = [];`);
      L.push(`for (let ${i} = 0, n = ${n}; ${i} < n; ${i}++) {`);
      L.push(`const ${p} = ${off(dyn, lay.base)} + ${i} * ${lay.elemWords};`);
      const e = genDecode(g, p, lay.elem);
      L.push(`${a}.push(${e});`);
      L.push(`}`);
      return a;
    }
  }
}

function hasLoop(lay: Lay): boolean {
  switch (lay.k) {
    case 'leaf':
      return false;
    case 'struct':
      return lay.fields.some(hasLoop);
    case 'seq':
      return lay.elems.some(hasLoop);
    case 'loop':
      return true;
  }
}

const bad = schemaMismatch;

/** Compiles a schema into its encoder and decoder. */
export function compileCodec<S>(schema: Schema<S>, options: CodecOptions = {}): Codec<S> {
  const { lay, words } = rootLayout(schema);

  // Two bodies: one at constant offsets for o === 0 (the engine encodes into a scratch buffer
  // at 0; constant indices measured ~20-50 % faster), one at a variable offset.
  const eg: Gen = { lines: [], counter: 0, consts: [] };
  const zeroScope = newScope('q', '');
  encodeScope(eg, zeroScope, () => genEncode(eg, zeroScope, lay, 'w', ''), words);
  const atZero = eg.lines.join('\n');
  eg.lines = [];
  eg.consts = [];
  const offScope = newScope('q', 'o');
  encodeScope(eg, offScope, () => genEncode(eg, offScope, lay, 'w', ''), words);
  const atOffset = eg.lines.join('\n');
  const encArgs = eg.consts.map((_, i) => `c${i}`);
  const fast = new Function(
    'bad',
    ...encArgs,
    `function encodeAt(w, out, o) {\n${atOffset}\n}\n` +
      `return function encode(w, out, o) {\nif (o !== 0) return encodeAt(w, out, o);\n${atZero}\n};`,
  )(bad, ...eg.consts) as (w: S, out: Int32Array, o: number) => void;

  const dg: Gen = { lines: [], counter: 0, consts: [] };
  const expr = genDecode(dg, 'o', lay);
  const decArgs = dg.consts.map((_, i) => `c${i}`);
  const decode = new Function(...decArgs, `return function decode(w, o) {\n${dg.lines.join('\n')}\nreturn ${expr};\n};`)(
    ...dg.consts,
  ) as (w: Int32Array, o: number) => S;

  if (options.checked === true) {
    const check = schemaChecker(schema);
    const encode = (w: S, out: Int32Array, o: number): void => {
      check(w);
      fast(w, out, o);
    };
    return { words, encode, decode };
  }
  // Fused encode-and-hash: one pass, each word hashed from its local as it is stored.
  if (hasLoop(lay) || cost(schema) > FUSED_MAX_COST) return { words, encode: fast, decode };
  const fused = (fromParent: boolean): unknown => {
    const fg: Gen = { lines: [], counter: 0, consts: [] };
    const sc = newScope('q', '', true);
    encodeScope(fg, sc, () => genEncode(fg, sc, lay, 'w', '', fromParent ? 'p' : undefined, true), words);
    const body = [hashSource.prologue(words), ...fg.lines, hashSource.epilogue(words, 'h')].join('\n');
    const head = fromParent ? 'encodeHashFrom(w, p, pw, po, out, h)' : 'encodeHash(w, out, h)';
    const names = fg.consts.map((_, i) => `c${i}`);
    return new Function('bad', 'fmix32', ...names, `return function ${head} {\n${body}\n};`)(bad, hashSource.fmix32, ...fg.consts);
  };
  const encodeHash = fused(false) as (w: S, out: Int32Array, h: Hash64Out) => void;
  const encodeHashFrom = fused(true) as (w: S, p: S, pw: Int32Array, po: number, out: Int32Array, h: Hash64Out) => void;
  return { words, encode: fast, decode, encodeHash, encodeHashFrom };
}

/**
 * Canonical text of plain data: object keys sorted, arrays in order; the generic (slower)
 * identity for models without a schema. Rejects what has no canonical plain-data form.
 */
export function canonicalString(v: unknown): string {
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`canonicalString: non-finite number ${v}`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'string':
      return JSON.stringify(v);
    case 'undefined':
      return 'u';
    case 'object': {
      if (v === null) return 'n';
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + canonicalString(v[i]);
        return out + ']';
      }
      if (v instanceof Map || v instanceof Set) throw new Error('canonicalString: Map/Set are not plain data; use arrays');
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (o[key] === undefined) continue; // {a: undefined} and {} are the same world
        out += (out.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + canonicalString(o[key]);
      }
      return out + '}';
    }
    default:
      throw new Error(`canonicalString: cannot encode a ${typeof v}`);
  }
}

/** Fingerprint of any plain-data world (generic path). */
export function hashValue(v: unknown, out: Hash64Out): void {
  hashString(canonicalString(v), out);
}
