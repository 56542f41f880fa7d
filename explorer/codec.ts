// World <-> Int32 words, compiled once from a model's Schema by code generation (`new Function`):
// straight-line stores and an object literal per struct, so V8 sees one fixed shape per node and
// no interpretation of the schema remains on the hot path (stack-notes.md: an encoder written
// for the world's type fingerprints ~30x faster than canonical JSON).
//
// The encoding is canonical (same world, same words) and of FIXED size: a list is a length word
// followed by `maxLength` element slots, the unused ones zero. Fixed-size records let the BFS
// frontier be a plain Int32Array queue and make the hash cover the same number of words.
// Models without a schema get `canonicalString` (sorted keys) hashed with `hashString`.
import type { ArraySchema, BoolSchema, EnumSchema, IntSchema, ListSchema, Schema, StructSchema } from './schema.js';
import { hashSource, hashString, hashWords, newHashOut, type Hash64Out } from './hash.js';

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
}

export interface CodecOptions {
  /**
   * Check every value against the schema while encoding (type, int range, enum membership,
   * list length, struct keys) and throw a descriptive Error on a mismatch. Slower; the engine
   * uses it on initial worlds and the first successors to catch a schema that does not fit.
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

/** Number of words of a schema node's encoding. */
export function schemaWords(schema: unknown): number {
  const n = asNode(schema);
  switch (n.tag) {
    case 'bool':
    case 'int':
    case 'enum':
      return 1;
    case 'array':
      return n.length * schemaWords(n.elem);
    case 'list':
      return 1 + n.maxLength * schemaWords(n.elem);
    case 'struct':
      return Object.keys(n.fields).reduce((sum, k) => sum + schemaWords((n.fields as Record<string, unknown>)[k]), 0);
  }
}

/** Arrays up to this many words are unrolled; longer ones (and lists) become loops. */
const UNROLL_WORDS = 64;
/** In the fused encode-and-hash, arrays and lists up to this many words are unrolled. */
const FUSED_UNROLL_WORDS = 256;
/** Worlds above this many words get no fused encoder (code size). */
const FUSED_MAX_WORDS = 4096;

interface Gen {
  lines: string[];
  counter: number;
  /** Closure values the generated code refers to (enum tables). */
  consts: unknown[];
  checked: boolean;
  /** Fused encode-and-hash: every word index must be a constant (no loops). */
  fused: boolean;
  /** Set when a loop was generated (then a fused body is unusable). */
  looped: boolean;
}

const off = (dyn: string, k: number): string => (dyn === '' ? String(k) : k === 0 ? dyn : `${dyn}+${k}`);
const fresh = (g: Gen, p: string): string => `${p}${g.counter++}`;
const addConst = (g: Gen, v: unknown): string => {
  g.consts.push(v);
  return `c${g.consts.length - 1}`;
};

/** Stores one word; in a fused body also mixes it into the hash (its index is a constant). */
function store(g: Gen, dyn: string, k: number, expr: string): void {
  if (!g.fused || dyn !== '') {
    g.lines.push(`out[${off(dyn, k)}] = ${expr};`);
    return;
  }
  g.lines.push(`t = (${expr}) | 0;`, `out[${k}] = t;`, hashSource.round(k, 't'));
}

function genEncode(g: Gen, node: Node, val: string, dyn: string, k: number, path: string): void {
  const L = g.lines;
  const pathLit = JSON.stringify(path);
  switch (node.tag) {
    case 'bool':
      if (g.checked) L.push(`if (typeof ${val} !== 'boolean') bad(${pathLit}, ${val}, 'a boolean');`);
      store(g, dyn, k, `${val} ? 1 : 0`);
      return;
    case 'int':
      if (g.checked)
        L.push(
          `if (!Number.isInteger(${val}) || ${val} < ${node.min} || ${val} > ${node.max}) bad(${pathLit}, ${val}, 'an int in [${node.min}, ${node.max}]');`,
        );
      store(g, dyn, k, val);
      return;
    case 'enum': {
      const table = new Map<string, number>(node.values.map((v, i) => [v, i]));
      const t = addConst(g, table);
      const x = fresh(g, 'x');
      L.push(`const ${x} = ${t}.get(${val});`);
      L.push(`if (${x} === undefined) bad(${pathLit}, ${val}, ${JSON.stringify('one of ' + node.values.join(', '))});`);
      store(g, dyn, k, x);
      return;
    }
    case 'struct': {
      const v = fresh(g, 'v');
      L.push(`const ${v} = ${val};`);
      const keys = Object.keys(node.fields);
      if (g.checked) {
        L.push(`if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) bad(${pathLit}, ${v}, 'an object');`);
        L.push(
          `if (Object.keys(${v}).length !== ${keys.length}) bad(${pathLit}, Object.keys(${v}).join(','), ${JSON.stringify('exactly the keys ' + keys.join(','))});`,
        );
      }
      let kk = k;
      for (const key of keys) {
        const child = asNode((node.fields as Record<string, unknown>)[key]);
        genEncode(g, child, `${v}[${JSON.stringify(key)}]`, dyn, kk, `${path}.${key}`);
        kk += schemaWords(child);
      }
      return;
    }
    case 'array':
    case 'list': {
      const elem = asNode(node.elem);
      const es = schemaWords(elem);
      const isList = node.tag === 'list';
      const count = isList ? node.maxLength : node.length;
      const v = fresh(g, 'v');
      L.push(`const ${v} = ${val};`);
      if (g.checked) L.push(`if (!Array.isArray(${v})) bad(${pathLit}, ${v}, 'an array');`);
      let base = k;
      const n = fresh(g, 'n');
      L.push(`const ${n} = ${v}.length;`);
      if (isList) {
        L.push(`if (${n} > ${count}) bad(${pathLit}, ${n}, 'a list of at most ${count} elements');`);
        store(g, dyn, k, n);
        base += 1;
      } else {
        L.push(`if (${n} !== ${count}) bad(${pathLit}, ${n}, 'an array of exactly ${count} elements');`);
      }
      const limit = g.fused ? FUSED_UNROLL_WORDS : UNROLL_WORDS;
      if (!isList && count * es <= limit) {
        for (let i = 0; i < count; i++) genEncode(g, elem, `${v}[${i}]`, dyn, base + i * es, `${path}[${i}]`);
        return;
      }
      if (isList && g.fused && count * es <= limit) {
        // Unrolled list: slot i holds element i when i < length, zeros otherwise.
        for (let i = 0; i < count; i++) {
          L.push(`if (${i} < ${n}) {`);
          genEncode(g, elem, `${v}[${i}]`, dyn, base + i * es, `${path}[${i}]`);
          L.push(`} else {`);
          for (let z = 0; z < es; z++) store(g, dyn, base + i * es + z, '0');
          L.push(`}`);
        }
        return;
      }
      g.looped = true;
      const i = fresh(g, 'i');
      const p = fresh(g, 'p');
      L.push(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
      L.push(`const ${p} = ${off(dyn, base)} + ${i} * ${es};`);
      genEncode(g, elem, `${v}[${i}]`, p, 0, `${path}[]`);
      L.push(`}`);
      if (isList) {
        // Unused slots are zero, so the encoding does not depend on what the buffer held before.
        const j = fresh(g, 'j');
        L.push(`for (let ${j} = ${off(dyn, base)} + ${n} * ${es}, e = ${off(dyn, base + count * es)}; ${j} < e; ${j}++) out[${j}] = 0;`);
      }
      return;
    }
  }
}

/** Returns an expression for the decoded value; may push statements that the expression uses. */
function genDecode(g: Gen, node: Node, dyn: string, k: number): string {
  const L = g.lines;
  const at = `w[${off(dyn, k)}]`;
  switch (node.tag) {
    case 'bool':
      return `(${at} !== 0)`;
    case 'int':
      return at;
    case 'enum':
      return `${addConst(g, node.values)}[${at}]`;
    case 'struct': {
      const parts: string[] = [];
      let kk = k;
      for (const key of Object.keys(node.fields)) {
        const child = asNode((node.fields as Record<string, unknown>)[key]);
        parts.push(`${JSON.stringify(key)}: ${genDecode(g, child, dyn, kk)}`);
        kk += schemaWords(child);
      }
      return `{ ${parts.join(', ')} }`;
    }
    case 'array':
    case 'list': {
      const elem = asNode(node.elem);
      const es = schemaWords(elem);
      if (node.tag === 'array' && node.length * es <= UNROLL_WORDS) {
        const parts: string[] = [];
        for (let i = 0; i < node.length; i++) parts.push(genDecode(g, elem, dyn, k + i * es));
        return `[${parts.join(', ')}]`;
      }
      const a = fresh(g, 'a');
      const i = fresh(g, 'i');
      const p = fresh(g, 'p');
      const base = node.tag === 'list' ? k + 1 : k;
      const n = node.tag === 'list' ? at : String(node.length);
      L.push(`const ${a} = [];`);
      L.push(`for (let ${i} = 0, n = ${n}; ${i} < n; ${i}++) {`);
      L.push(`const ${p} = ${off(dyn, base)} + ${i} * ${es};`);
      const e = genDecode(g, elem, p, 0);
      L.push(`${a}.push(${e});`);
      L.push(`}`);
      return a;
    }
  }
}

function bad(path: string, value: unknown, expected: string): never {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new Error(`schema mismatch at world${path}: ${shown} is not ${expected}`);
}

/** Compiles a schema into its encoder and decoder. */
export function compileCodec<S>(schema: Schema<S>, options: CodecOptions = {}): Codec<S> {
  const root = asNode(schema);
  const words = schemaWords(root);
  const checked = options.checked ?? false;

  // Two bodies: one at constant offsets for o === 0 (the engine encodes into a scratch buffer
  // at 0; constant indices measured ~20-50 % faster), one at a variable offset.
  const eg: Gen = { lines: [], counter: 0, consts: [], checked, fused: false, looped: false };
  genEncode(eg, root, 'w', '', 0, '');
  const atZero = eg.lines.join('\n');
  eg.lines = [];
  genEncode(eg, root, 'w', 'o', 0, '');
  const atOffset = eg.lines.join('\n');
  const encArgs = eg.consts.map((_, i) => `c${i}`);
  const encode = new Function(
    'bad',
    ...encArgs,
    `function encodeAt(w, out, o) {\n${atOffset}\n}\n` +
      `return function encode(w, out, o) {\nif (o !== 0) return encodeAt(w, out, o);\n${atZero}\n};`,
  )(bad, ...eg.consts) as (w: S, out: Int32Array, o: number) => void;

  const dg: Gen = { lines: [], counter: 0, consts: [], checked: false, fused: false, looped: false };
  const expr = genDecode(dg, root, 'o', 0);
  const decArgs = dg.consts.map((_, i) => `c${i}`);
  const decode = new Function(...decArgs, `return function decode(w, o) {\n${dg.lines.join('\n')}\nreturn ${expr};\n};`)(
    ...dg.consts,
  ) as (w: Int32Array, o: number) => S;

  // Fused encode-and-hash (unchecked only): one pass, the words stay in registers for the hash.
  const fg: Gen = { lines: [], counter: 0, consts: [], checked: false, fused: true, looped: false };
  if (!checked && words <= FUSED_MAX_WORDS) genEncode(fg, root, 'w', '', 0, '');
  let encodeHash: ((w: S, out: Int32Array, h: Hash64Out) => void) | undefined;
  if (!checked && words <= FUSED_MAX_WORDS && !fg.looped) {
    const body = [hashSource.prologue(words), 'let t = 0;', ...fg.lines, hashSource.epilogue(words, 'h')].join('\n');
    encodeHash = new Function('bad', 'fmix32', ...fg.consts.map((_, i) => `c${i}`), `return function encodeHash(w, out, h) {\n${body}\n};`)(
      bad,
      hashSource.fmix32,
      ...fg.consts,
    ) as (w: S, out: Int32Array, h: Hash64Out) => void;
  }

  return encodeHash === undefined ? { words, encode, decode } : { words, encode, decode, encodeHash };
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
