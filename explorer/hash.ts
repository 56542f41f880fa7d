// 64-bit fingerprints as two 32-bit lanes, computed with Math.imul only (no BigInt on the hot path).
// Words are mixed by xxHash32-style rounds into 64 bits of state per word (see hashWords); strings
// (the generic path) by two MurmurHash3-style lanes over every code unit; both are cross-mixed and
// avalanched (fmix32) at the end. 53-bit hashes would give ~6e-3 collision odds at 10^7 states,
// 64 bits give ~3e-6 (stack-notes.md).

/** Where a hash function leaves its result: [0] = low lane, [1] = high lane (both as uint32). */
export type Hash64Out = Uint32Array;

export function newHashOut(): Hash64Out {
  return new Uint32Array(2);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Hashes words[0..n) into out[0], out[1].
 * Four independent 32-bit accumulators (xxHash32-style rounds, each with its own constants):
 * a1, a2 over the even words and b1, b2 over the odd words, so every word feeds 64 bits of state
 * and the four dependency chains run in parallel. A round is a bijection of the accumulator for
 * a fixed word and of the word for a fixed accumulator, so a one-word difference always reaches
 * the result; the lanes are then cross-mixed and avalanched.
 */
export function hashWords(words: Int32Array, n: number, out: Hash64Out): void {
  let a1 = 0x9747b28c ^ n;
  let a2 = 0x3c6ef372;
  let b1 = 0x85ebca6b;
  let b2 = 0x27d4eb2f ^ Math.imul(n, 0x165667b1);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const k = words[i]!;
    const m = words[i + 1]!;
    a1 = (a1 + Math.imul(k, 0x85ebca77)) | 0;
    a1 = Math.imul((a1 << 13) | (a1 >>> 19), 0x9e3779b1);
    a2 = (a2 + Math.imul(k, 0xc2b2ae3d)) | 0;
    a2 = Math.imul((a2 << 17) | (a2 >>> 15), 0x27d4eb2f);
    b1 = (b1 + Math.imul(m, 0x85ebca77)) | 0;
    b1 = Math.imul((b1 << 13) | (b1 >>> 19), 0x9e3779b1);
    b2 = (b2 + Math.imul(m, 0xc2b2ae3d)) | 0;
    b2 = Math.imul((b2 << 17) | (b2 >>> 15), 0x27d4eb2f);
  }
  if (i < n) {
    const k = words[i]!;
    a1 = (a1 + Math.imul(k, 0x85ebca77)) | 0;
    a1 = Math.imul((a1 << 13) | (a1 >>> 19), 0x9e3779b1);
    a2 = (a2 + Math.imul(k, 0xc2b2ae3d)) | 0;
    a2 = Math.imul((a2 << 17) | (a2 >>> 15), 0x27d4eb2f);
  }
  let h1 = (a1 ^ ((b1 << 7) | (b1 >>> 25))) | 0;
  let h2 = (a2 ^ ((b2 << 11) | (b2 >>> 21))) | 0;
  h1 = fmix32((h1 + Math.imul(h2, 0x165667b1)) | 0);
  h2 = fmix32((h2 ^ h1 ^ n) | 0);
  h1 = fmix32((h1 + h2) | 0);
  out[0] = h1;
  out[1] = h2;
}

/** Hashes the UTF-16 code units of a string (the generic, schema-less fingerprint). */
export function hashString(str: string, out: Hash64Out): void {
  const n = str.length;
  let h1 = 0x9747b28c ^ n;
  let h2 = 0x3c6ef372 ^ Math.imul(n, 0x27d4eb2f);
  for (let i = 0; i < n; i++) {
    const k = str.charCodeAt(i);
    let k1 = Math.imul(k, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(k, 0x85ebca77);
    k2 = (k2 << 13) | (k2 >>> 19);
    h2 ^= Math.imul(k2, 0xc2b2ae3d);
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (Math.imul(h2, 9) + 0x52dce729) | 0;
  }
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
}

/** Words up to which `compileHashWords` unrolls (beyond, the loop of hashWords is used). */
const UNROLL_HASH_WORDS = 2048;

// Source text of hashWords' parts, for generated code (compileHashWords, and the codec's fused
// encode-and-hash): word i goes to lanes a1/a2 when i is even, b1/b2 when odd, in increasing i.
export const hashSource = {
  prologue: (n: number): string =>
    `let a1 = ${0x9747b28c ^ n}, a2 = 0x3c6ef372, b1 = 0x85ebca6b, b2 = ${0x27d4eb2f ^ Math.imul(n, 0x165667b1)};`,
  /** Mixes the int32 held in variable `v`, word number `i`. */
  round: (i: number, v: string): string => {
    const [x, y] = i % 2 === 0 ? ['a1', 'a2'] : ['b1', 'b2'];
    return (
      `${x} = (${x} + Math.imul(${v}, 0x85ebca77)) | 0; ${x} = Math.imul((${x} << 13) | (${x} >>> 19), 0x9e3779b1); ` +
      `${y} = (${y} + Math.imul(${v}, 0xc2b2ae3d)) | 0; ${y} = Math.imul((${y} << 17) | (${y} >>> 15), 0x27d4eb2f);`
    );
  },
  /** Writes the result into `out` (needs `fmix32` in scope). */
  epilogue: (n: number, out: string): string =>
    [
      'let h1 = (a1 ^ ((b1 << 7) | (b1 >>> 25))) | 0;',
      'let h2 = (a2 ^ ((b2 << 11) | (b2 >>> 21))) | 0;',
      'h1 = fmix32((h1 + Math.imul(h2, 0x165667b1)) | 0);',
      `h2 = fmix32((h2 ^ h1 ^ ${n}) | 0);`,
      'h1 = fmix32((h1 + h2) | 0);',
      `${out}[0] = h1;`,
      `${out}[1] = h2;`,
    ].join('\n'),
  fmix32,
};

/**
 * A hash function for exactly `n` words, equal to `hashWords(words, n, out)` but generated as
 * straight-line code (no loop, constant indices): ~25 % faster on a 140-word world here.
 */
export function compileHashWords(n: number): (words: Int32Array, out: Hash64Out) => void {
  if (n > UNROLL_HASH_WORDS) return (words, out) => hashWords(words, n, out);
  const L: string[] = [hashSource.prologue(n), 'let k = 0;'];
  for (let i = 0; i < n; i++) L.push(`k = w[${i}];`, hashSource.round(i, 'k'));
  L.push(hashSource.epilogue(n, 'out'));
  return new Function('fmix32', `return function hashFixed(w, out) {\n${L.join('\n')}\n};`)(fmix32) as (
    words: Int32Array,
    out: Hash64Out,
  ) => void;
}
