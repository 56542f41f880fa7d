// Toy models for the chunked search, built by name so that worker threads can build them too
// (a ModelSource: this module and the `toy` factory). Nothing here is vDPA.
import type { Model, Property } from '../../explorer/model.js';
import { bitsModel, countTrue, type Bits, type Flip } from './toys.js';

export interface ToyArg {
  /** Bits in the world (2^n worlds). */
  readonly n: number;
  /** Plant properties: an invariant violated in several places and a step property. */
  readonly planted?: boolean;
  /** Each `actions` call waits a random 0..`jitter` microseconds (Math.random: unseeded on purpose, so
   * that each run and each thread gets another schedule; the results must not depend on it). */
  readonly jitter?: number;
  /**
   * Declare the bits interchangeable (Model.canonical: the bits sorted, set ones first), with an
   * invariant that only counts them (violated at depth 3): n+1 classes instead of 2^n worlds.
   */
  readonly symmetric?: boolean;
  /**
   * Declare independence for sleep sets (Model.independent): 'sound' flips of different bits, except
   * bit 0 with bit n-1 (the planted step property judges bit 0's flip by bit n-1); 'wrong' every two
   * different flips, which the step property contradicts.
   */
  readonly por?: 'sound' | 'wrong';
  /**
   * Declare next in halves (Model.peek, Model.commit) over ONE transient world that next and peek
   * both overwrite, as a model with a working copy does: a report's replay clobbers the transient.
   */
  readonly transient?: boolean;
  /** With planted: a step property also violated on steps to new worlds (setting the last bit while bit 0 is set). */
  readonly stepToNew?: boolean;
}

/**
 * `m` with peek and commit over one shared transient world, which next empties (a world of no bits,
 * which the planted invariant 'never' refuses): a transient used after another step is seen.
 */
function withTransient(m: Model<Bits, Flip>): Model<Bits, Flip> {
  const t = { bits: [] as boolean[] };
  const take = (w: Bits, a: Flip): Bits => {
    t.bits.length = 0;
    for (let i = 0; i < w.bits.length; i++) t.bits.push(i === a.i ? !w.bits[i] : w.bits[i]!);
    return t;
  };
  const copy = (): Bits => ({ bits: t.bits.slice() });
  const next = (w: Bits, a: Flip): Bits => {
    const r = { bits: w.bits.map((b, i) => (i === a.i ? !b : b)) };
    t.bits.length = 0;
    return r;
  };
  return { ...m, next, peek: take, commit: copy };
}

/** The bits sorted, set ones first: one world per number of bits set (the same object when already sorted). */
export function sortedBits(w: Bits): Bits {
  const k = countTrue(w);
  if (w.bits.every((b, i) => b === i < k)) return w;
  return { bits: w.bits.map((_b, i) => i < k) };
}

export function toy(arg: ToyArg): Model<Bits, Flip> {
  if (arg.symmetric === true) {
    const count: Property<Bits, Flip> = { kind: 'invariant', id: 'fewer-than-3', check: (w) => (countTrue(w) >= 3 ? { message: `${countTrue(w)} bits set` } : undefined) };
    return { ...bitsModel(arg.n, { properties: [count] }), canonical: sortedBits };
  }
  const props: Property<Bits, Flip>[] = arg.planted === true
    ? [
        // violated first at depth 3, by many worlds (distinct keys: which bits are set)
        { kind: 'invariant', id: 'fewer-than-3', check: (w) => (countTrue(w) >= 3 ? { message: `${countTrue(w)} bits set` } : undefined) },
        // violated when bit 0 is cleared after bit n-1 was set
        { kind: 'step', id: 'keep-bit-0', check: (b, a, _after) => (a.i === 0 && b.bits[0] === true && b.bits[arg.n - 1] === true ? { message: 'bit 0 cleared while the last bit was set' } : undefined) },
        // never violated by a world of the model (a transient read after another step has no bits)
        { kind: 'invariant', id: 'never', check: (w) => (w.bits.length !== arg.n ? { message: `a world of ${w.bits.length} bits` } : undefined) },
        ...(arg.stepToNew === true
          ? [{ kind: 'step', id: 'last-after-0', check: (b: Bits, a: Flip) => (a.i === arg.n - 1 && b.bits[0] === true && b.bits[arg.n - 1] === false ? { message: 'last bit set after bit 0' } : undefined) } as const]
          : []),
      ]
    : [];
  const n = arg.n;
  const plain = bitsModel(n, { properties: props });
  const m: Model<Bits, Flip> = arg.por === undefined ? plain : {
    ...plain,
    actionId: (a) => a.i,
    actionIdCount: n,
    independent: arg.por === 'wrong'
      ? (a, b) => a.i !== b.i
      : (a, b) => a.i !== b.i && !(Math.min(a.i, b.i) === 0 && Math.max(a.i, b.i) === n - 1),
  };
  if (arg.transient === true) return withTransient(m);
  const jitter = arg.jitter;
  if (jitter === undefined) return m;
  return {
    ...m,
    actions: (w, out) => {
      const until = performance.now() + (Math.random() * jitter) / 1000;
      while (performance.now() < until);
      m.actions(w, out);
    },
  };
}
