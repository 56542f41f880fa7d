// Partial-order reduction by sleep sets (Godefroid 1996), the BFS way (issue 16, "fewer states for
// the same verdicts": here, the same states for fewer transitions). A world s is expanded with a
// sleep set Z of action ids; its listed actions are taken in order, skipping those in Z; the
// successor s·a gets Sleep = { b ∈ Z ∪ {actions listed at s before a} : independent(a, b) } (an
// action listed before a is either taken at s or asleep there, i.e. in Z).
//
// State matching: a NEW successor keeps its sleep set; a second arrival at a world of the NEXT level
// (one not expanded yet) intersects its stored set with the arriving one; arrivals at worlds of
// earlier levels are ignored (they were or are being expanded: their depth is shorter).
//
// Why every world is still reached at its shortest depth (so: the same distinct worlds, the same
// invariant verdicts and shortest violation lengths), compactly: sleep sets alone (the tree
// unfolding, no state matching) reach every world, and for a shortest path π to X the unfolding
// explores a representative π' of π's Mazurkiewicz class (same length: every prefix of π' is a
// shortest path, so it only passes through first-arrival levels). Intersecting arrivals gives a
// world a sleep set ⊆ each arrival's, and Sleep(s·a) is monotone in Sleep(s) (Z ∪ Done-before-a
// shrinks when Z does), so along π' the BFS takes a superset of what the unfolding takes. Arrivals at
// deeper levels need no re-expansion: the world was expanded at its shortest depth with a set ⊆
// that of the shortest arrivals, which is all the argument uses.
// Step properties: a transition (s, b) skipped with b asleep stands for an explored (r, b) with s
// reached from r by actions independent of b; Model.independent promises the verdict of b does not
// depend on them. The skipped transition is one level deeper than the one it stands for, so the
// first violation of a step property is still found at its shortest depth. A property's target part
// (StepProperty.callPart: the rest of its verdict is a function of the world reached, holding in the
// initial worlds) is exempt: it is judged on every world's first arrival, kept at its shortest depth.
// Distinct causes (collect mode with keys) are judged on the paths kept: a world first reached by a
// skipped transition keeps another path, and a skipped violating transition is not keyed, so the
// cause sets may differ from the full search's (measured equal: test/vdpa/por.test.ts, bench por).
// Memory: the sets stay in memory (not in the spillable frontier): `words` Uint32 per world of the
// current and next levels, and a (fingerprint, position) table of the next level, dropped when it
// becomes current.
// With Model.canonical, the sleep set of a stored world is over the actions of its concrete world
// kept in the frontier: sound when worlds with equal representatives list the same actions with the
// same ids (a reduction of dead fields, as the vDPA one is), not under a permutation of actions.
import type { Model } from './model.js';

/** The hooks a model gives for sleep sets. */
export interface Independence<A> {
  readonly actionId: (a: A) => number;
  readonly actionIdCount: number;
  readonly independent: (a: A, b: A) => boolean;
}

/** The model's independence hooks, or undefined when it declares none (then no reduction). */
export function independenceOf<S, A>(model: Model<S, A>): Independence<A> | undefined {
  const { actionId, actionIdCount, independent } = model;
  if (actionId === undefined || actionIdCount === undefined || independent === undefined) return undefined;
  return { actionId, actionIdCount, independent };
}

/**
 * What sleep sets need of a model, per action id: its independence row (the known ids independent of
 * it, as a bitmask), built from `independent` over the ids met so far and built again when more are
 * met (independence is static: a pair's answer never changes). Every id of a set is met before the
 * set is used (a set names only actions listed in the world, whose ids `begin` takes first), so a
 * row always covers the set it masks, whatever this expander met before: the masks do not depend on
 * which thread computes them.
 */
export class SleepRules<A> {
  /** Uint32 words per mask. */
  readonly words: number;
  private readonly known: (A | undefined)[];
  private knownCount = 0;
  private readonly n: number;
  /** rows[x * words ..]: ids independent of x among those known when row x was built (at rowAt[x] known ids). */
  private readonly rows: Uint32Array;
  private readonly rowAt: Int32Array;
  /** The successor mask being built (valid until the next `successor`). */
  readonly mask: Uint32Array;
  /** Z ∪ listed-before, while a world is expanded. */
  private readonly before: Uint32Array;

  constructor(private readonly ind: Independence<A>) {
    this.n = ind.actionIdCount;
    this.words = Math.max(1, (this.n + 31) >>> 5);
    this.known = new Array<A | undefined>(this.n).fill(undefined);
    this.rows = new Uint32Array(this.n * this.words);
    this.rowAt = new Int32Array(this.n).fill(-1);
    this.mask = new Uint32Array(this.words);
    this.before = new Uint32Array(this.words);
  }

  /** The id of `a`, checked against the declared range. */
  id(a: A): number {
    const id = this.ind.actionId(a);
    if (!Number.isInteger(id) || id < 0 || id >= this.n) throw new Error(`explore: actionId ${id} is outside [0, ${this.n})`);
    if (this.known[id] === undefined) {
      this.known[id] = a;
      this.knownCount++;
    }
    return id;
  }

  /** The ids of the listed actions of the world being expanded (valid until the next `begin`). */
  ids: number[] = [];

  /**
   * Starts a world expanded with sleep set `z` (words at `off`) and listed actions `out`: their ids
   * (an asleep one may come after the action whose successor's set names it).
   */
  begin(z: Uint32Array, off: number, out: readonly A[]): void {
    const { before, words, known } = this;
    for (let i = 0; i < words; i++) before[i] = z[off + i]!;
    const ids = this.ids;
    ids.length = out.length;
    for (let i = 0; i < out.length; i++) ids[i] = this.id(out[i]!);
    // a set names only actions listed here (Model.independent's contract: taking one lists the other)
    for (let wi = 0; wi < words; wi++) {
      for (let bits = before[wi]!; bits !== 0; bits &= bits - 1) {
        const b = (wi << 5) + (31 - Math.clz32(bits & -bits));
        if (known[b] === undefined) throw new Error(`explore: action id ${b} is asleep but not listed: Model.independent is not sound`);
      }
    }
  }

  /** True when action id `id` is asleep in the world being expanded. */
  asleep(z: Uint32Array, off: number, id: number): boolean {
    return (z[off + (id >>> 5)]! & (1 << (id & 31))) !== 0;
  }

  /** Sets `this.mask` to the sleep set of the successor by action `a` (id `id`). */
  successor(a: A, id: number): Uint32Array {
    const { mask, before, words, rows } = this;
    if (this.rowAt[id] !== this.knownCount) this.buildRow(a, id);
    const r = id * words;
    for (let wi = 0; wi < words; wi++) mask[wi] = before[wi]! & rows[r + wi]!;
    return mask;
  }

  private buildRow(a: A, id: number): void {
    const r = id * this.words;
    for (let wi = 0; wi < this.words; wi++) this.rows[r + wi] = 0;
    for (let b = 0; b < this.n; b++) {
      const other = this.known[b];
      if (b !== id && other !== undefined && this.ind.independent(a, other)) this.rows[r + (b >>> 5)]! |= 1 << (b & 31);
    }
    this.rowAt[id] = this.knownCount;
  }

  /** After `a` (id `id`) was handled: it is listed before the actions that follow. */
  listed(id: number): void {
    this.before[id >>> 5]! |= 1 << (id & 31);
  }
}

/**
 * The sleep sets of one BFS level, by position in the level (store index - the level's first index):
 * a world's set is written when it is stored and intersected by later arrivals in the same level,
 * so they cannot live in the (spillable, append-only) frontier records. And which fingerprint is at
 * which position, for those arrivals (the visited store maps no fingerprint to an index).
 */
export class SleepLevel {
  masks: Uint32Array;
  length = 0;
  private table: Int32Array;
  private slots: number;

  constructor(readonly words: number) {
    this.masks = new Uint32Array(words * 1024);
    this.slots = 2048;
    this.table = new Int32Array(this.slots * 3).fill(-1);
  }

  /** Appends the set of the world at the next position, with its fingerprint. */
  add(lo: number, hi: number, mask: ArrayLike<number>, moff = 0): void {
    lo |= 0;
    hi |= 0;
    const w = this.words;
    if ((this.length + 1) * w > this.masks.length) {
      const m = new Uint32Array(this.masks.length * 2);
      m.set(this.masks);
      this.masks = m;
    }
    for (let i = 0; i < w; i++) this.masks[this.length * w + i] = mask[moff + i]!;
    this.insert(lo, hi, this.length);
    this.length++;
    if (this.length * 2 > this.slots) this.grow();
  }

  /** An arrival at a world already stored: intersects when it is in this level; else nothing. */
  meet(lo: number, hi: number, mask: ArrayLike<number>, moff = 0): void {
    const pos = this.find(lo | 0, hi | 0);
    if (pos < 0) return;
    const w = this.words;
    for (let i = 0; i < w; i++) this.masks[pos * w + i]! &= mask[moff + i]!;
  }

  /** The level becomes the one expanded: only its sets are read from now on. */
  seal(): void {
    this.table = new Int32Array(0);
    this.slots = 0;
  }

  /** Appends sets without fingerprints (a resumed level: it is only read). */
  load(masks: Uint32Array): void {
    this.masks = masks.slice();
    this.length = masks.length / this.words;
  }

  /** The sets from position `from` on (a checkpoint). */
  from(pos: number): Uint32Array {
    return this.masks.slice(pos * this.words, this.length * this.words);
  }

  private slotOf(lo: number, hi: number): number {
    return ((Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0) % this.slots);
  }

  private insert(lo: number, hi: number, pos: number): void {
    const t = this.table;
    let i = this.slotOf(lo, hi);
    while (t[i * 3 + 2] !== -1) if (++i === this.slots) i = 0;
    t[i * 3] = lo;
    t[i * 3 + 1] = hi;
    t[i * 3 + 2] = pos;
  }

  private find(lo: number, hi: number): number {
    const t = this.table;
    let i = this.slotOf(lo, hi);
    for (;;) {
      const pos = t[i * 3 + 2]!;
      if (pos === -1) return -1;
      if (t[i * 3] === lo && t[i * 3 + 1] === hi) return pos;
      if (++i === this.slots) i = 0;
    }
  }

  private grow(): void {
    const old = this.table;
    const oldSlots = this.slots;
    this.slots *= 2;
    this.table = new Int32Array(this.slots * 3).fill(-1);
    for (let i = 0; i < oldSlots; i++) if (old[i * 3 + 2] !== -1) this.insert(old[i * 3]!, old[i * 3 + 1]!, old[i * 3 + 2]!);
  }
}
