// A world's identity (TLC's fingerprint step): its canonical encoding (codec.ts) hashed to 64 bits.
// With a schema the encoding stays in `scratch` after `of(w)`, ready to be queued as a frontier
// record; the first CHECKED_SUCCESSORS worlds are checked against the schema first (schema-check.ts)
// so that a schema that does not fit the model is caught early with the path of the field.
import type { Schema } from './schema.js';
import { compileCodec, hashValue, newHashOut, type Codec, type Hash64Out } from './codec.js';
import { compileHashWords } from './hash.js';
import { schemaChecker } from './schema-check.js';

/** Worlds checked against the schema before the fast encoder alone takes over. */
const CHECKED_SUCCESSORS = 1000;

export class Fingerprinter<S> {
  /** The last fingerprint: h[0] low word, h[1] high word. */
  readonly h: Hash64Out = newHashOut();
  readonly codec: Codec<S> | undefined;
  /** The encoding of the last world fingerprinted (schema only). */
  readonly scratch: Int32Array;
  /** Fingerprints `w` into `h` (and its encoding into `scratch`). */
  readonly of: (w: S) => void;
  /**
   * The visited store's key of `w`: the fingerprint of its representative under the model's
   * reduction (Model.canonical), of `w` itself without one, into `h`.
   */
  readonly key: (w: S) => void;
  /**
   * key(w) for a successor `w` of `p`, whose record is pw[po..]: what `w` shares with `p` is not
   * encoded again (Codec.encodeHashFrom). The same key and encoding as key(w).
   */
  readonly keyFrom: (w: S, p: S, pw: Int32Array, po: number) => void;
  /**
   * After `key(w)` found `w` new: leaves `w`'s own encoding in `scratch` (schema only), since the
   * frontier keeps the concrete world, not its representative.
   */
  readonly concrete: (w: S) => void;
  /**
   * For Model.peek: encodes `w` itself into `scratch` and its fingerprint into `h`, and tells whether
   * the encoding differs from base[off..] (the encoding is canonical: equal words, equal worlds).
   * Schema only.
   */
  readonly differs: (w: S, base: Int32Array, off: number) => boolean;
  /** After `differs(w)`: the store key of `w` into `h`, as key(w) gives it (re-encoding only a representative other than `w`). */
  readonly keyAfterDiffers: (w: S) => void;

  constructor(schema: Schema<S> | undefined, canonical?: (s: S) => S) {
    const h = this.h;
    const codec = schema === undefined ? undefined : compileCodec(schema);
    this.codec = codec;
    const scratch = new Int32Array(codec === undefined ? 0 : codec.words);
    this.scratch = scratch;
    if (codec === undefined) {
      this.of = (w: S): void => hashValue(w, h);
      this.key = canonical === undefined ? this.of : (w: S): void => this.of(canonical(w));
      this.concrete = (): void => undefined;
      this.differs = (): boolean => {
        throw new Error('explore: Model.peek needs a model with a schema');
      };
      this.keyAfterDiffers = this.key;
      this.keyFrom = this.key;
      return;
    }
    // the worlds fingerprinted and the concrete worlds encoded (reduced models) count separately
    const check = schemaChecker(schema!);
    const checkFirst = checkingFirst(check, CHECKED_SUCCESSORS);
    const checkConcrete = checkingFirst(check, CHECKED_SUCCESSORS);
    const hashFixed = compileHashWords(scratch.length);
    const encodeHash = codec.encodeHash;
    this.of = (w: S): void => {
      checkFirst(w);
      if (encodeHash !== undefined) encodeHash(w, scratch, h);
      else {
        codec.encode(w, scratch, 0);
        hashFixed(scratch, h);
      }
    };
    const of = this.of;
    const encodeHashFrom = codec.encodeHashFrom;
    const from =
      encodeHashFrom === undefined
        ? (w: S): void => of(w)
        : (w: S, p: S, pw: Int32Array, po: number): void => {
            // checked successors are encoded by encodeHashFrom too: encodeHash, used by the first
            // thousand only, would be one more large function for V8 to optimise (36 ms on mapchange N=20)
            checkFirst(w);
            encodeHashFrom(w, p, pw, po, scratch, h);
          };
    const words = scratch.length;
    this.differs = (w: S, base: Int32Array, off: number): boolean => {
      of(w);
      for (let i = 0; i < words; i++) if (scratch[i] !== base[off + i]) return true;
      return false;
    };
    if (canonical === undefined) {
      this.key = this.of;
      this.concrete = (): void => undefined;
      this.keyAfterDiffers = (): void => undefined;
      this.keyFrom = from;
      return;
    }
    let reduced = false;
    this.key = (w: S): void => {
      const r = canonical(w);
      reduced = r !== w;
      of(r);
    };
    // a representative other than `w` shares nothing known with `p`
    this.keyFrom = (w: S, p: S, pw: Int32Array, po: number): void => {
      const r = canonical(w);
      reduced = r !== w;
      if (reduced) of(r);
      else from(w, p, pw, po);
    };
    this.keyAfterDiffers = (w: S): void => {
      const r = canonical(w);
      reduced = r !== w;
      if (reduced) of(r);
    };
    this.concrete = (w: S): void => {
      if (!reduced) return;
      checkConcrete(w);
      codec.encode(w, scratch, 0);
    };
  }
}

/** `check` on the first `n` worlds given, nothing after. */
function checkingFirst<S>(check: (w: S) => void, n: number): (w: S) => void {
  let left = n;
  return (w: S): void => {
    if (left === 0) return;
    left--;
    check(w);
  };
}

/** Which of `count` shards a fingerprint belongs to (its high word, so unrelated to the store's slot). */
export function shardOf(lo: number, hi: number, count: number): number {
  return (((hi >>> 0) ^ (lo >>> 0)) >>> 0) % count;
}
