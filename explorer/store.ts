// The visited set: 64-bit fingerprints in an open-addressing table (linear probing) on one
// Uint32Array, plus, per state in BFS order, the index of its parent and the index of the action
// that led to it, in chunked typed arrays. No fingerprint -> index map is needed: the BFS knows
// the index of the state it expands, and a trace is rebuilt by walking parent links and
// REPLAYING the actions from the initial world (as TLC and Stateright do).
//
// Memory per state = 8 / load (table) + 4 (parent) + 1 (action, widened to 2 or 4 only if some
// world allows more than 255 actions). To stay under 16 B/state across growth, the load factor
// is kept in [MAX_LOAD / GROWTH, MAX_LOAD] = [0.78, 0.9]: the table grows by x1.15, indexed by
// multiply-shift (floor(h * slots / 2^32)), which works for any table size, not only powers of two.
// Chunked per-state arrays grow without copying and waste at most one chunk.
//
// Shared (share()): the table lives in a SharedArrayBuffer that worker threads read while this
// thread inserts (KnownFingerprints). A slot is written high word first, then the low word, both
// with Atomics.store, and a slot counts as filled once its low word is not 0 (a fingerprint's low
// word 0 is stored as 1): a reader never sees half a fingerprint, only a fingerprint or none.

const MAX_LOAD = 0.9;
const GROWTH = 1.15;
const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const MIN_SLOTS = 1024;

type ActionArray = Uint8Array | Uint16Array | Uint32Array;

/** A shared table as worker threads get it (structured-cloned: the buffer itself is shared). */
export interface SharedTable {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
}

/**
 * A reader of a shared table, in another thread: `has` is true only for fingerprints the store
 * holds. It may miss one being inserted, or one inserted after the store grew into a new table
 * (this reader keeps the old one until it is handed the new): a subset, never a false positive.
 */
export class KnownFingerprints {
  private table: Uint32Array;
  private slots: number;
  private buffer: SharedArrayBuffer;

  constructor(shared: SharedTable) {
    this.buffer = shared.buffer;
    this.table = new Uint32Array(shared.buffer);
    this.slots = shared.slots;
  }

  /** Moves to the store's current table (after it grew). */
  update(shared: SharedTable): void {
    if (shared.buffer === this.buffer) return;
    this.buffer = shared.buffer;
    this.table = new Uint32Array(shared.buffer);
    this.slots = shared.slots;
  }

  has(lo: number, hi: number): boolean {
    return holds(this.table, this.slots, lo, hi);
  }
}

/** True when `table` (of `slots` slots) holds fingerprint (lo, hi); reads slots as a reader in another thread must. */
function holds(t: Uint32Array, slots: number, lo: number, hi: number): boolean {
  lo >>>= 0;
  hi >>>= 0;
  if (lo === 0) lo = 1;
  let i = Math.floor((hi * slots) / 4294967296);
  for (;;) {
    const j = i << 1;
    const a = Atomics.load(t, j);
    if (a === 0) return false;
    if (a === lo && Atomics.load(t, j + 1) === hi) return true;
    if (++i === slots) i = 0;
  }
}

export class VisitedStore {
  private table: Uint32Array;
  private slots: number;
  private limit: number;
  private count = 0;
  private readonly parentChunks: Int32Array[] = [];
  private actionChunks: ActionArray[] = [];
  private actionMax = 0xff;
  /** The table is in a SharedArrayBuffer that other threads read (share()). */
  private shared = false;

  constructor(expectedStates = 0) {
    this.slots = Math.max(MIN_SLOTS, Math.ceil(expectedStates / MAX_LOAD));
    this.table = new Uint32Array(this.slots * 2);
    this.limit = Math.floor(this.slots * MAX_LOAD);
  }

  /** Number of distinct states stored. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds fingerprint (lo, hi) if absent, recording its parent index (negative for an initial
   * world: -(initIndex + 1)) and the action index that led to it. Returns the new state's index,
   * or -1 when the fingerprint was already present.
   */
  addIfNew(lo: number, hi: number, parent: number, action: number): number {
    lo >>>= 0;
    hi >>>= 0;
    if (lo === 0) lo = 1; // a low word 0 marks an empty slot
    const t = this.table;
    const slots = this.slots;
    let i = Math.floor((hi * slots) / 4294967296);
    for (;;) {
      const j = i << 1;
      const a = t[j]!;
      if (a === 0) break;
      if (a === lo && t[j + 1] === hi) return -1;
      if (++i === slots) i = 0;
    }
    const j = i << 1;
    if (this.shared) {
      // readers take a slot as filled by its low word: the high word must be there first
      Atomics.store(t, j + 1, hi);
      Atomics.store(t, j, lo);
    } else {
      t[j] = lo;
      t[j + 1] = hi;
    }
    const index = this.count++;
    this.record(index, parent, action);
    if (this.count >= this.limit) this.grow();
    return index;
  }

  /** True when fingerprint (lo, hi) is stored. */
  has(lo: number, hi: number): boolean {
    return holds(this.table, this.slots, lo, hi);
  }

  /**
   * Puts the table in a SharedArrayBuffer (from now on, also after it grows) and returns it for
   * readers in other threads (KnownFingerprints). Called again, returns the current table.
   */
  share(): SharedTable {
    if (!this.shared) {
      const t = new Uint32Array(new SharedArrayBuffer(this.table.byteLength));
      t.set(this.table);
      this.table = t;
      this.shared = true;
    }
    return { buffer: this.table.buffer as SharedArrayBuffer, slots: this.slots };
  }

  parentOf(index: number): number {
    return this.parentChunks[index >>> CHUNK_BITS]![index & CHUNK_MASK]!;
  }

  actionOf(index: number): number {
    return this.actionChunks[index >>> CHUNK_BITS]![index & CHUNK_MASK]!;
  }

  /** Bytes held by the typed arrays of the store. */
  get bytes(): number {
    let b = this.table.byteLength;
    for (const c of this.parentChunks) b += c.byteLength;
    for (const c of this.actionChunks) b += c.byteLength;
    return b;
  }

  /** The store as typed arrays (for a checkpoint): the table, then parents and actions of every state. */
  dump(): { slots: number; count: number; actionMax: number; table: Uint32Array; parents: Int32Array; actions: Uint32Array } {
    const parents = new Int32Array(this.count);
    const actions = new Uint32Array(this.count);
    for (let c = 0; c * CHUNK < this.count; c++) {
      const n = Math.min(CHUNK, this.count - c * CHUNK);
      parents.set(this.parentChunks[c]!.subarray(0, n), c * CHUNK);
      actions.set(this.actionChunks[c]!.subarray(0, n), c * CHUNK);
    }
    return { slots: this.slots, count: this.count, actionMax: this.actionMax, table: this.table, parents, actions };
  }

  /** The store `dump` saved. */
  static load(d: { slots: number; count: number; actionMax: number; table: Uint32Array; parents: Int32Array; actions: Uint32Array }): VisitedStore {
    const st = new VisitedStore();
    if (d.table.length !== d.slots * 2 || d.parents.length !== d.count || d.actions.length !== d.count) throw new Error('checkpoint: the visited store is damaged');
    st.table = d.table;
    // a checkpoint written before low words 0 were stored as 1: the slot does not depend on the low word
    for (let j = 0; j < d.table.length; j += 2) if (d.table[j] === 0 && d.table[j + 1] !== 0) d.table[j] = 1;
    st.slots = d.slots;
    st.limit = Math.floor(d.slots * MAX_LOAD);
    st.actionMax = d.actionMax;
    for (let i = 0; i < d.count; i++) st.record(i, d.parents[i]!, d.actions[i]!);
    st.count = d.count;
    return st;
  }

  private record(index: number, parent: number, action: number): void {
    const c = index >>> CHUNK_BITS;
    if (c === this.parentChunks.length) {
      this.parentChunks.push(new Int32Array(CHUNK));
      this.actionChunks.push(this.newActionChunk());
    }
    if (action > this.actionMax) this.widenActions(action);
    this.parentChunks[c]![index & CHUNK_MASK] = parent;
    this.actionChunks[c]![index & CHUNK_MASK] = action;
  }

  private newActionChunk(): ActionArray {
    return this.actionMax === 0xff ? new Uint8Array(CHUNK) : this.actionMax === 0xffff ? new Uint16Array(CHUNK) : new Uint32Array(CHUNK);
  }

  private widenActions(action: number): void {
    this.actionMax = action <= 0xffff ? 0xffff : 0xffffffff;
    this.actionChunks = this.actionChunks.map((old) => {
      const wide = this.newActionChunk();
      wide.set(old);
      return wide;
    });
  }

  private grow(): void {
    const old = this.table;
    const oldSlots = this.slots;
    const slots = Math.ceil(oldSlots * GROWTH);
    // no reader sees the new table before it is handed out (after this returns): plain writes
    const t = new Uint32Array(this.shared ? new SharedArrayBuffer(slots * 8) : new ArrayBuffer(slots * 8));
    for (let k = 0; k < oldSlots; k++) {
      const lo = old[2 * k]!;
      const hi = old[2 * k + 1]!;
      if (lo === 0) continue;
      let i = Math.floor((hi * slots) / 4294967296);
      while (t[2 * i] !== 0) if (++i === slots) i = 0;
      t[2 * i] = lo;
      t[2 * i + 1] = hi;
    }
    this.table = t;
    this.slots = slots;
    this.limit = Math.floor(slots * MAX_LOAD);
  }
}
