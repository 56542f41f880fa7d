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
const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('node'), fc.integer({ min: 0, max: 5 })).map(([e, n]): Node => ({ schema: s.array(e.schema as Schema<unknown>, n), value: fc.array(e.value, { minLength: n, maxLength: n }) })),
    fc.tuple(tie('node'), fc.integer({ min: 0, max: 80 })).map(([e, n]): Node => ({ schema: s.list(e.schema as Schema<unknown>, n), value: fc.array(e.value, { maxLength: n }) })),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'dd', 'e-f', 'x y'), tie('node'), { maxKeys: 4 }).map((fields): Node => {
      const keys = Object.keys(fields);
      return {
        schema: s.struct(Object.fromEntries(keys.map((k) => [k, fields[k]!.schema])) as never),
        value: fc.record(Object.fromEntries(keys.map((k) => [k, fields[k]!.value]))),
      };
    }),
  ),
})).node;
const schemaAndTwoValues = node.chain((n) => fc.tuple(fc.constant(n.schema), n.value, n.value));

let fusedSeen = 0;

describe('schema codec', () => {
  test.prop([schemaAndTwoValues], { numRuns: 100 })('round-trips and is canonical and injective', ([schema, a, b]) => {
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
  });

  it('the fused encoder was exercised by the property above, and unrolls small lists', () => {
    expect(fusedSeen).toBeGreaterThan(10);
    const c = compileCodec(s.struct<{ l: number[]; b: boolean[] }>({ l: s.list<number>(s.int(), 3), b: s.array<boolean>(s.bool(), 3) }));
    expect(c.encodeHash).toBeDefined();
    const out = new Int32Array(7);
    const h = newHashOut();
    c.encodeHash!({ l: [7], b: [true, false, true] }, out, h);
    expect(Array.from(out)).toEqual([1, 7, 0, 0, 1, 0, 1]);
  });

  it('encodes lists with a length word and zeroed unused slots', () => {
    const codec = compileCodec(s.struct<{ l: number[]; b: boolean }>({ l: s.list<number>(s.int(), 3), b: s.bool() }));
    const out = new Int32Array(5).fill(9);
    codec.encode({ l: [4, 5], b: true }, out, 0);
    expect(Array.from(out)).toEqual([2, 4, 5, 0, 1]);
  });

  it('the checked encoder names the path and what was expected', () => {
    const codec = compileCodec(s.struct<{ l: { k: 'a' | 'b' }[] }>({ l: s.list(s.struct<{ k: 'a' | 'b' }>({ k: s.enum(['a', 'b']) }), 2) }), { checked: true });
    const out = new Int32Array(codec.words);
    expect(() => codec.encode({ l: [{ k: 'c' as 'a' }] }, out, 0)).toThrow('schema mismatch at world.l[].k: "c" is not one of a, b');
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

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}
