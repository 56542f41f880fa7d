import '../fc-seed.js';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { canonicalString, compileCodec, hashString, hashValue, hashWords, newHashOut, schemaWords } from '../../explorer/codec.js';
import { compileHashWords } from '../../explorer/hash.js';
import { s, type Schema } from '../../explorer/schema.js';

// A random schema together with an arbitrary of the values it describes.
type Node = { schema: unknown; value: fc.Arbitrary<unknown> };
const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.constant<Node>({ schema: s.bool(), value: fc.boolean() }),
  fc
    .tuple(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: 0, max: 1000 }))
    .map(([min, span]): Node => {
      const max = Math.min(0x7fffffff, min + span);
      return { schema: s.int(min, max), value: fc.integer({ min, max }) };
    }),
  fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }).map(
    (values): Node => ({ schema: s.enum(values), value: fc.constantFrom(...values) }),
  ),
);
// Edge-biased leaves for the packed layout: spans at the bit-width boundaries (0, 1, 2^k - 1, 2^k,
// 2^31 - 1, 2^31 and 2^32 - 1, where a field switches to a whole word), negative and out-of-int32
// ranges, values at min and max; and runs of bools, so that fields end exactly at and cross word
// boundaries.
const edgeSpan = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 15, 16, 255, 256, 0x7fff, 0x10000, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xffffffff),
  fc.integer({ min: 0, max: 40 }).map((k) => 2 ** Math.min(k, 31) - 1),
);
const edgeInt: fc.Arbitrary<Node> = fc
  .tuple(fc.constantFrom(-0x80000000, -1_000_000_000_000, -5, -1, 0, 1, 0x7fffffff, 2 ** 40), edgeSpan)
  .map(([lo, span]): Node => {
    // Keep [min, max] inside int32 unless the base already lies outside it.
    const inside = lo >= -0x80000000 && lo <= 0x7fffffff;
    const min = inside ? Math.max(-0x80000000, Math.min(lo, 0x7fffffff - span)) : lo;
    const max = min + span;
    return { schema: s.int(min, max), value: fc.oneof(fc.constantFrom(min, max), fc.integer({ min: 0, max: Math.min(span, 2 ** 31) }).map((d) => min + d)) };
  });
const edgeLeaf: fc.Arbitrary<Node> = fc.oneof(
  leaf,
  edgeInt,
  fc.integer({ min: 1, max: 70 }).map((n): Node => ({ schema: s.array<boolean>(s.bool(), n), value: fc.array(fc.boolean(), { minLength: n, maxLength: n }) })),
  fc.integer({ min: 1, max: 9 }).map((k): Node => {
    const values = Array.from({ length: k }, (_, i) => `v${i}`);
    return { schema: s.enum(values), value: fc.constantFrom(...values) };
  }),
);

function nodes(leaves: fc.Arbitrary<Node>, atMax: boolean): fc.Arbitrary<Node> {
  return fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaves,
      fc.tuple(tie('node'), fc.integer({ min: 0, max: 5 })).map(([e, n]): Node => ({ schema: s.array(e.schema as Schema<unknown>, n), value: fc.array(e.value, { minLength: n, maxLength: n }) })),
      fc
        .tuple(tie('node'), fc.integer({ min: 0, max: 80 }), fc.boolean())
        .map(([e, n, full]): Node => ({ schema: s.list(e.schema as Schema<unknown>, n), value: fc.array(e.value, { minLength: atMax && full ? n : 0, maxLength: n }) })),
      fc.dictionary(fc.constantFrom('a', 'b', 'c', 'dd', 'e-f', 'x y'), tie('node'), { maxKeys: 4 }).map((fields): Node => {
        const keys = Object.keys(fields);
        return {
          schema: s.struct(Object.fromEntries(keys.map((k) => [k, fields[k]!.schema])) as never),
          value: fc.record(Object.fromEntries(keys.map((k) => [k, fields[k]!.value]))),
        };
      }),
    ),
  })).node;
}
const node = nodes(leaf, false);
const schemaAndTwoValues = node.chain((n) => fc.tuple(fc.constant(n.schema), n.value, n.value));
// Packed edge cases; lists are often full.
const edgeSchemaAndTwoValues = nodes(edgeLeaf, true).chain((n) => fc.tuple(fc.constant(n.schema), n.value, n.value));

let fusedSeen = 0;

function roundTrip(schema: unknown, a: unknown, b: unknown): void {
  const codec = compileCodec(schema as Schema<unknown>);
  const checked = compileCodec(schema as Schema<unknown>, { checked: true });
  expect(codec.words).toBe(schemaWords(schema));
  const wa = new Int32Array(codec.words + 2).fill(-7); // garbage around and under the record
  const wb = new Int32Array(codec.words + 2);
  codec.encode(a, wa, 1);
  checked.encode(b, wb, 1);
  expect(wa[0]).toBe(-7);
  expect(wa[codec.words + 1]).toBe(-7);
  expect(codec.decode(wa, 1)).toEqual(a);
  expect(codec.decode(wb, 1)).toEqual(b);
  const sameWords = wa.subarray(1, codec.words + 1).every((x, i) => x === wb[i + 1]);
  expect(sameWords).toBe(canonicalString(a) === canonicalString(b));
  // The fused encode-and-hash (when the schema unrolls) gives the same words and hashWords' hash.
  if (codec.encodeHash !== undefined) {
    const fused = new Int32Array(codec.words).fill(5);
    const h1 = newHashOut();
    const h2 = newHashOut();
    codec.encodeHash(a, fused, h1);
    expect(Array.from(fused)).toEqual(Array.from(wa.subarray(1, codec.words + 1)));
    hashWords(fused, codec.words, h2);
    expect([h1[0], h1[1]]).toEqual([h2[0], h2[1]]);
    fusedSeen++;
  }
}

// A successor of `a` as models build them: per node, `a`'s own object (shared), `b`'s, or a new
// object whose children are chosen the same way (`pick` gives the choices, 0..2).
function successor(schema: unknown, a: unknown, b: unknown, pick: () => number): unknown {
  const n = schema as { tag: string; fields?: Record<string, unknown>; elem?: unknown };
  if (n.tag !== 'struct' && n.tag !== 'array' && n.tag !== 'list') return pick() === 0 ? a : b;
  const c = pick();
  if (c === 0) return a;
  if (c === 1) return b;
  if (n.tag === 'struct') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    return Object.fromEntries(Object.keys(n.fields!).map((k) => [k, successor(n.fields![k], x[k], y[k], pick)]));
  }
  const xs = a as unknown[];
  const ys = b as unknown[];
  if (xs.length !== ys.length) return ys.slice();
  return xs.map((x, i) => successor(n.elem, x, ys[i], pick));
}

describe('schema codec', () => {
  test.prop([schemaAndTwoValues], { numRuns: 100 })('round-trips and is canonical and injective', ([schema, a, b]) => {
    roundTrip(schema, a, b);
  });

  test.prop([edgeSchemaAndTwoValues], { numRuns: 120 })('the same on packed edge cases (range ends, word boundaries, full lists)', ([schema, a, b]) => {
    roundTrip(schema, a, b);
    // Packing never takes more words than one word per field did.
    expect(schemaWords(schema)).toBeLessThanOrEqual(unpackedWords(schema));
  });

  let fromSeen = 0;
  test.prop([edgeSchemaAndTwoValues, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 64 })], { numRuns: 150 })(
    'encodeHashFrom: a successor sharing subtrees with its parent gets the words and hash encodeHash gives it',
    ([schema, a, b], choices) => {
      const codec = compileCodec(schema as Schema<unknown>);
      if (codec.encodeHashFrom === undefined) {
        expect(codec.encodeHash).toBeUndefined();
        return;
      }
      let k = 0;
      const w = successor(schema, a, b, () => choices[k++ % choices.length]!);
      const pw = new Int32Array(codec.words + 3).fill(-1);
      codec.encode(a, pw, 3);
      const want = new Int32Array(codec.words);
      const hw = newHashOut();
      codec.encodeHash!(w, want, hw);
      const got = new Int32Array(codec.words).fill(9);
      const hg = newHashOut();
      codec.encodeHashFrom(w, a, pw, 3, got, hg);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect([hg[0], hg[1]]).toEqual([hw[0], hw[1]]);
      fromSeen++;
    },
  );

  it('encodeHashFrom copies what the successor shares from the parent record (it does not read the shared subtree)', () => {
    type W = { pc: number; tr: number[]; wr: boolean[] };
    const c = compileCodec(s.struct<W>({ pc: s.int(0, 40), tr: s.array(s.int(0, 2), 20), wr: s.array(s.bool(), 20) }));
    expect(fromSeen).toBeGreaterThan(20);
    const parent: W = { pc: 3, tr: new Array<number>(20).fill(1), wr: new Array<boolean>(20).fill(false) };
    const pw = new Int32Array(c.words);
    c.encode(parent, pw, 0);
    // a successor that shares tr: poison the shared array after encoding the parent, so that only
    // a copy from the parent's words can give the parent's bits
    const next: W = { pc: 4, tr: parent.tr, wr: parent.wr.map((x, i) => (i === 5 ? true : x)) };
    const expected = new Int32Array(c.words);
    c.encode(next, expected, 0);
    parent.tr[0] = 2;
    const out = new Int32Array(c.words);
    c.encodeHashFrom!(next, parent, pw, 0, out, newHashOut());
    expect(Array.from(out)).toEqual(Array.from(expected));
  });

  it('the fused encoder was exercised by the property above, and unrolls small lists', () => {
    expect(fusedSeen).toBeGreaterThan(10);
    const c = compileCodec(s.struct<{ l: number[]; b: boolean[] }>({ l: s.list<number>(s.int(), 3), b: s.array<boolean>(s.bool(), 3) }));
    expect(c.encodeHash).toBeDefined();
    // Length in 2 bits of word 0; three full-range ints take a word each; the bools share word 4.
    expect(c.words).toBe(5);
    const out = new Int32Array(5);
    const h = newHashOut();
    c.encodeHash!({ l: [7], b: [true, false, true] }, out, h);
    expect(Array.from(out)).toEqual([1, 7, 0, 0, 0b101]);
  });

  it('packs fields by their ranges: mapchange N=26 (79 fields) in 5 words', () => {
    const n = 26;
    const schema = s.struct<{ pc: number; tr: number[]; sh: number[]; wr: boolean[] }>({
      pc: s.int(0, 39),
      tr: s.array(s.int(0, 2), n),
      sh: s.array(s.int(0, 2), n),
      wr: s.array(s.bool(), n),
    });
    const c = compileCodec(schema);
    expect(c.words).toBe(5); // 6 + 52 + 52 + 26 bits, no field across a word boundary
    const w = { pc: 39, tr: new Array<number>(n).fill(2), sh: new Array<number>(n).fill(0), wr: new Array<boolean>(n).fill(true) };
    w.sh[n - 1] = 1;
    const out = new Int32Array(5);
    c.encode(w, out, 0);
    expect(c.decode(out, 0)).toEqual(w);
    expect(out[0]! & 63).toBe(39);
  });

  it('lays out bit fields first-fit in schema order, never across a word boundary', () => {
    // 31 + 1 bits fill word 0 exactly; the next bool starts word 1; a 2-bit field after 31 bools
    // does not fit in word 1's last bit and starts word 2.
    const c = compileCodec(
      s.struct<{ a: number; b: boolean; c: boolean[]; d: number }>({ a: s.int(-1, 0x7ffffffe), b: s.bool(), c: s.array(s.bool(), 31), d: s.int(-3, 0) }),
    );
    expect(c.words).toBe(3);
    const w = { a: 0x7ffffffe, b: true, c: new Array<boolean>(31).fill(false), d: -3 };
    w.c[30] = true;
    const out = new Int32Array(3);
    c.encode(w, out, 0);
    expect(Array.from(out)).toEqual([0x7fffffff | 0x80000000, 1 << 30, 0]);
    expect(c.decode(out, 0)).toEqual(w);
    // Whole words: a full int32 range, and a 2^32 range outside int32 (stored as offset from min).
    const f = compileCodec(s.struct<{ x: number; y: number; z: boolean }>({ x: s.int(), y: s.int(0, 0xffffffff), z: s.bool() }));
    expect(f.words).toBe(3);
    for (const v of [
      { x: -0x80000000, y: 0xffffffff, z: true },
      { x: 0x7fffffff, y: 0, z: false },
    ]) {
      const o = new Int32Array(3);
      f.encode(v, o, 0);
      expect(f.decode(o, 0)).toEqual(v);
    }
    // Zero-width fields (one value) take no bits at all.
    const z = compileCodec(s.struct<{ k: 'only'; n: number; l: number[] }>({ k: s.enum(['only']), n: s.int(-7, -7), l: s.list(s.int(0, 1), 0) }));
    expect(z.words).toBe(0);
    expect(z.decode(new Int32Array(0), 0)).toEqual({ k: 'only', n: -7, l: [] });
  });

  it('long lists loop over word-aligned packed element records, zeroing unused slots', () => {
    type E = { a: number; b: boolean };
    const c = compileCodec(s.struct<{ f: boolean; l: E[] }>({ f: s.bool(), l: s.list(s.struct<E>({ a: s.int(-2, 1), b: s.bool() }), 300) }));
    expect(c.encodeHash).toBeUndefined(); // a loop: no fused encoder
    expect(c.words).toBe(1 + 300); // f and the 9-bit length in word 0, then one word per element
    const full = { f: true, l: Array.from({ length: 300 }, (_, i) => ({ a: (i % 4) - 2, b: i % 3 === 0 })) };
    const out = new Int32Array(c.words + 2).fill(-1);
    c.encode(full, out, 1);
    expect(out[0]).toBe(-1);
    expect(out[c.words + 1]).toBe(-1);
    expect(out[1]).toBe(1 | (300 << 1));
    expect(c.decode(out, 1)).toEqual(full);
    const short = { f: false, l: full.l.slice(0, 2) };
    c.encode(short, out, 1);
    expect(c.decode(out, 1)).toEqual(short);
    expect(out.subarray(4, c.words + 1).every((x) => x === 0)).toBe(true);
  });

  // Found by the edge-case property (FC_SEED=1827969697): a short list's unused slot holding a loop
  // kept the buffer's old words, so one world had two encodings.
  it('zeroes a loop inside an unused slot of a short list, whatever the buffer held', () => {
    const schema = s.list<boolean[][]>(s.list<boolean[]>(s.array<boolean>(s.bool(), 7), 33), 1);
    for (const checked of [false, true]) {
      const c = compileCodec(schema as Schema<unknown>, { checked });
      const dirty = new Int32Array(c.words).fill(-7);
      const clean = new Int32Array(c.words);
      c.encode([], dirty, 0);
      c.encode([], clean, 0);
      expect(Array.from(dirty)).toEqual(Array.from(clean));
      c.encode([[[true, false, true, false, true, false, true]]], dirty, 0);
      c.encode([], dirty, 0);
      expect(Array.from(dirty)).toEqual(Array.from(clean));
    }
  });

  it('refuses a packed int out of its range, even in the fast encoder (it would merge worlds)', () => {
    const schema = s.struct<{ a: number; b: number }>({ a: s.int(-2, 5), b: s.int(0, 1) });
    for (const checked of [false, true]) {
      const c = compileCodec(schema, { checked });
      const out = new Int32Array(c.words);
      expect(() => c.encode({ a: 6, b: 0 }, out, 0)).toThrow('schema mismatch at world.a: 6 is not an int in [-2, 5]');
      expect(() => c.encode({ a: -3, b: 0 }, out, 0)).toThrow(/world\.a: -3 is not an int in \[-2, 5\]/);
      expect(() => c.encode({ a: 0.5, b: 0 }, out, 0)).toThrow(/world\.a: 0\.5 is not/);
      expect(() => c.encode({ a: 0, b: undefined as unknown as number }, out, 0)).toThrow(/world\.b: .* is not an int in \[0, 1\]/);
      c.encode({ a: 5, b: 1 }, out, 0);
      expect(c.decode(out, 0)).toEqual({ a: 5, b: 1 });
    }
  });

  it('encodes lists with a length field and zeroed unused slots', () => {
    const codec = compileCodec(s.struct<{ l: number[]; b: boolean }>({ l: s.list<number>(s.int(), 3), b: s.bool() }));
    const out = new Int32Array(5).fill(9);
    codec.encode({ l: [4, 5], b: true }, out, 0);
    expect(Array.from(out)).toEqual([2, 4, 5, 0, 1]);
  });

  it('the checked encoder names the path and what was expected', () => {
    const codec = compileCodec(s.struct<{ l: { k: 'a' | 'b' }[] }>({ l: s.list(s.struct<{ k: 'a' | 'b' }>({ k: s.enum(['a', 'b']) }), 2) }), { checked: true });
    const out = new Int32Array(codec.words);
    expect(() => codec.encode({ l: [{ k: 'c' as 'a' }] }, out, 0)).toThrow('schema mismatch at world.l[0].k: "c" is not one of a, b');
    expect(() => codec.encode({ l: [{ k: 'a' }, { k: 'a' }, { k: 'a' }] }, out, 0)).toThrow(/world\.l: 3 is not a list of at most 2 elements/);
  });

  it('the fast encoder still refuses an unknown enum value and an overlong list', () => {
    const codec = compileCodec(s.struct<{ e: 'a' | 'b'; l: number[] }>({ e: s.enum(['a', 'b']), l: s.list<number>(s.int(), 1) }));
    const out = new Int32Array(codec.words);
    expect(() => codec.encode({ e: 'z' as 'a', l: [] }, out, 0)).toThrow(/not one of a, b/);
    expect(() => codec.encode({ e: 'a', l: [1, 2] }, out, 0)).toThrow(/at most 1/);
  });
});

describe('generic canonical form', () => {
  it('ignores key order and undefined fields, keeps array order', () => {
    expect(canonicalString({ b: 1, a: [true, null, 'x'] })).toBe(canonicalString({ a: [true, null, 'x'], b: 1, c: undefined }));
    expect(canonicalString([1, 2])).not.toBe(canonicalString([2, 1]));
    expect(canonicalString({ a: '1' })).not.toBe(canonicalString({ a: 1 }));
    expect(() => canonicalString({ m: new Map() })).toThrow(/Map\/Set/);
  });

  test.prop([fc.jsonValue(), fc.jsonValue()])('equal canonical strings iff deep-equal (JSON values)', (a, b) => {
    const norm = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    const eq = canonicalString(a) === canonicalString(b);
    if (eq) expect(norm(a)).toEqual(norm(b));
    expect(canonicalString(a)).toBe(canonicalString(norm(a)));
  });
});

describe('64-bit hash', () => {
  it('is deterministic and spreads single-bit and single-word changes over both lanes', () => {
    const h = newHashOut();
    const words = new Int32Array(64).map((_, i) => i * 7);
    hashWords(words, 64, h);
    const base = [h[0], h[1]];
    hashWords(words, 64, h);
    expect([h[0], h[1]]).toEqual(base);
    const seen = new Set<string>([base.join(',')]);
    let lowDiffBits = 0;
    for (let i = 0; i < 64; i++)
      for (const bit of [0, 13, 31]) {
        words[i]! ^= 1 << bit;
        hashWords(words, 64, h);
        words[i]! ^= 1 << bit;
        seen.add(`${h[0]},${h[1]}`);
        lowDiffBits += popcount((h[0]! ^ base[0]!) >>> 0) + popcount((h[1]! ^ base[1]!) >>> 0);
      }
    expect(seen.size).toBe(1 + 64 * 3);
    // Avalanche: on average about half of the 64 bits flip.
    const avg = lowDiffBits / (64 * 3);
    expect(avg).toBeGreaterThan(28);
    expect(avg).toBeLessThan(36);
  });

  it('has no collisions among 50k small distinct inputs (both lanes, and each lane nearly so)', () => {
    const h = newHashOut();
    const w = new Int32Array(3);
    const both = new Set<string>();
    const lo = new Set<number>();
    for (let i = 0; i < 50_000; i++) {
      w[0] = i % 97;
      w[1] = Math.floor(i / 97);
      w[2] = i & 1;
      hashWords(w, i % 2 === 0 ? 3 : 2, h);
      both.add(`${h[0]},${h[1]}`);
      lo.add(h[0]!);
    }
    expect(both.size).toBe(50_000);
    expect(lo.size).toBeGreaterThan(49_990); // birthday bound at 32 bits: ~0.3 expected
  });

  test.prop([fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { maxLength: 300 })])('the unrolled hash equals hashWords', (xs) => {
    const words = Int32Array.from(xs);
    const a = newHashOut();
    const b = newHashOut();
    hashWords(words, words.length, a);
    compileHashWords(words.length)(words, b);
    expect([b[0], b[1]]).toEqual([a[0], a[1]]);
  });

  it('hashes strings and values', () => {
    const h = newHashOut();
    hashString('abc', h);
    const a = [h[0], h[1]];
    hashString('abd', h);
    expect([h[0], h[1]]).not.toEqual(a);
    hashValue({ y: 1, x: 2 }, h);
    const b = [h[0], h[1]];
    hashValue({ x: 2, y: 1 }, h);
    expect([h[0], h[1]]).toEqual(b);
  });
});

/** Words of the former encoding: one per field and list length. */
function unpackedWords(schema: unknown): number {
  const n = schema as { tag: string; elem?: unknown; length?: number; maxLength?: number; fields?: Record<string, unknown> };
  if (n.tag === 'array') return n.length! * unpackedWords(n.elem);
  if (n.tag === 'list') return 1 + n.maxLength! * unpackedWords(n.elem);
  if (n.tag === 'struct') return Object.values(n.fields!).reduce((sum: number, f) => sum + unpackedWords(f), 0);
  return 1;
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}
