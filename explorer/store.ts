// The visited set: 64-bit fingerprints in an open-addressing table (linear probing) on one
// Uint32Array, plus, per state in BFS order, the index of its parent and the index of the action
// that led to it, in chunked typed arrays. No fingerprint -> index map is needed: the BFS knows
// the index of the state it expands, and a trace is rebuilt by walking parent links and
// REPLAYING the actions from the initial world (as TLC and Stateright do).
//
// Memory per state = 8 / load (table) + 4 (parent) + 1 (action, widened to 2 or 4 only if some
// world allows more than 255 actions). To stay under 16 B/state across growth, the load factor
// is kept in [MAX_LOAD / GROWTH, MAX_LOAD] = [0.78, 0.9]: the table grows by x1.15 (x1.5 in place, below), indexed by
// multiply-shift (floor(h * slots / 2^32)), which works for any table size, not only powers of two.
// Chunked per-state arrays grow without copying and waste at most one chunk.
//
// Shared (share()): the table lives in a SharedArrayBuffer that worker threads read while this
// thread inserts (KnownFingerprints). A slot is written high word first, then the low word, both
// with Atomics.store, and a slot counts as filled once its low word is not 0 (a fingerprint's low
// word 0 is stored as 1): a reader never sees half a fingerprint, only a fingerprint or none.
//
// Growth in place (issue 16, 2 GiB at depth 12): past IN_PLACE_BYTES the table moves once to a
// growable SharedArrayBuffer reserving MAX_TABLE_BYTES of address space, and from then on grows
// there and is rehashed in place (rehashInPlace), so that old and new tables never sit side by
// side (at 49M states that was ~450 MB more at each growth). Readers in other threads see the
// entries move: a header (generation, slots) beside the table is made odd while they move, and a
// reader only answers yes when the generation it read before and after its probe is the same even
// number (a seqlock); any other answer is no, which the contract allows.

const MAX_LOAD = 0.9;
const GROWTH = 1.15;
/**
 * A table growing in place has no old copy beside it, so it grows by more: x1.5 keeps its load in
 * [0.6, 0.9] (at most 13.3 B/state for the table) and rehashes about a third as many entries over a
 * search as x1.15 (each rehash also makes the expanders' reads answer no while it runs).
 */
const GROWTH_IN_PLACE = 1.5;
const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const MIN_SLOTS = 1024;
/** A table this large grows in place (smaller ones, such as an expander's, reserve nothing). */
const IN_PLACE_BYTES = 64 << 20;
/** The largest growable buffer V8 makes (2^32 bytes: 536M slots); past it the table is copied again. */
const MAX_TABLE_BYTES = 2 ** 32;

type ActionArray = Uint8Array | Uint16Array | Uint32Array;

/** What ES2024 adds to SharedArrayBuffer (Node 20 has it; the project's lib predates it). */
interface Growable {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(bytes: number): void;
}
const GrowableBuffer = SharedArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => SharedArrayBuffer;

function growable(b: ArrayBufferLike): (SharedArrayBuffer & Growable) | undefined {
  return b instanceof SharedArrayBuffer && (b as SharedArrayBuffer & Growable).growable ? (b as SharedArrayBuffer & Growable) : undefined;
}

/** A shared table as worker threads get it (structured-cloned: the buffers themselves are shared). */
export interface SharedTable {
  readonly buffer: SharedArrayBuffer;
  /** [generation (odd while entries move), slots] of this buffer. */
  readonly header: Int32Array;
}

/**
 * A reader of a shared table, in another thread: `has` is true only for fingerprints the store
 * holds. It may miss one being inserted, or any while the table is rehashed, or one inserted after
 * the store moved to a new buffer (this reader keeps the old one until it is handed the new): a
 * subset, never a false positive.
 *
 * A buffer that cannot grow never changes size, and its slots are written once (empty, then a
 * fingerprint): its entries never move, so a reader needs no generation check there, only the
 * slots' own atomic low words (holds). The seqlock is for growable buffers, rehashed in
 * place, and reads the slots again only when the generation moved. At depth 9 of the vDPA model a
 * worker asks ~1.7M times per 3.7M transitions: the header's three atomic loads per question and
 * an atomic load of each high word cost it ~11 % of its expansion time.
 */
export class KnownFingerprints {
  private table: Uint32Array = new Uint32Array(0);
  private slots = 0;
  private buffer!: SharedArrayBuffer;
  private header!: Int32Array;
  /** The buffer cannot grow: its slots are written once and never move. */
  private writeOnce = false;
  /** The generation the view was taken at (growable buffers; -1: none yet). */
  private gen = -1;

  constructor(shared: SharedTable) {
    this.use(shared);
  }

  /** Moves to the store's current table (after it moved to a new buffer). */
  update(shared: SharedTable): void {
    if (shared.buffer !== this.buffer) this.use(shared);
  }

  /** Reads `shared` from now on: a buffer that cannot grow is viewed whole at once (its slots never change). */
  private use(shared: SharedTable): void {
    this.buffer = shared.buffer;
    this.header = shared.header;
    this.gen = -1;
    this.writeOnce = growable(this.buffer) === undefined;
    this.slots = this.writeOnce ? Atomics.load(this.header, 1) : 0;
    this.table = new Uint32Array(this.buffer, 0, this.slots * 2);
  }

  has(lo: number, hi: number): boolean {
    if (this.writeOnce) return holds(this.table, this.slots, lo, hi);
    const h = this.header;
    const gen = Atomics.load(h, 0);
    if ((gen & 1) !== 0) return false; // entries are moving
    if (gen !== this.gen) {
      // the table has grown since this reader last looked (the generation moves twice per growth)
      const slots = Atomics.load(h, 1);
      // a fixed-length view (one tracking a growable buffer's length is several times slower)
      if (slots * 8 > this.buffer.byteLength) return false;
      if (slots !== this.slots) {
        this.table = new Uint32Array(this.buffer, 0, slots * 2);
        this.slots = slots;
      }
      this.gen = gen;
    }
    return holds(this.table, this.slots, lo, hi) && Atomics.load(h, 0) === gen;
  }
}

/**
 * The slot of fingerprint (lo, hi) (lo already made non-zero) in `t`: the one holding it, or the
 * empty one where it goes (t[2 * slot] is then 0). Linear probing from the multiply-shift home slot.
 */
function slotOf(t: Uint32Array, slots: number, lo: number, hi: number): number {
  let i = Math.floor((hi * slots) / 4294967296);
  for (;;) {
    const a = t[2 * i]!;
    if (a === 0 || (a === lo && t[2 * i + 1] === hi)) return i;
    if (++i === slots) i = 0;
  }
}

/** Inserts the entries of `old` into the empty table `t` (plain writes: no reader sees `t` yet). */
function moveInto(old: Uint32Array, oldSlots: number, t: Uint32Array, slots: number): void {
  for (let k = 0; k < oldSlots; k++) {
    const lo = old[2 * k]!;
    if (lo === 0) continue;
    const hi = old[2 * k + 1]!;
    const i = slotOf(t, slots, lo, hi); // an empty slot: the entries are distinct
    t[2 * i] = lo;
    t[2 * i + 1] = hi;
  }
}

/**
 * Fingerprints only (no parent links), in a table of fixed size that `clear` empties: what an
 * expander remembers having sent (expand.ts). Grows like the store's when it must keep everything.
 */
export class FingerprintSet {
  private table: Uint32Array;
  private slots: number;
  private limit: number;
  private count = 0;

  constructor(expected = 0) {
    this.slots = Math.max(MIN_SLOTS, Math.ceil(expected / MAX_LOAD) + 1);
    this.table = new Uint32Array(this.slots * 2);
    this.limit = Math.floor(this.slots * MAX_LOAD);
  }

  get size(): number {
    return this.count;
  }

  /** Adds (lo, hi); false when it was there already. */
  addIfNew(lo: number, hi: number): boolean {
    lo >>>= 0;
    hi >>>= 0;
    if (lo === 0) lo = 1;
    const i = slotOf(this.table, this.slots, lo, hi);
    if (this.table[2 * i] !== 0) return false;
    this.table[2 * i] = lo;
    this.table[2 * i + 1] = hi;
    if (++this.count >= this.limit) this.grow();
    return true;
  }

  private grow(): void {
    const slots = Math.ceil(this.slots * GROWTH);
    const t = new Uint32Array(slots * 2);
    moveInto(this.table, this.slots, t, slots);
    this.table = t;
    this.slots = slots;
    this.limit = Math.floor(slots * MAX_LOAD);
  }

  /** Forgets every fingerprint, keeping the table's size. */
  clear(): void {
    this.table.fill(0);
    this.count = 0;
  }
}

/**
 * True when `table` (of `slots` slots) holds fingerprint (lo, hi), read from another thread. A
 * slot's low word is read atomically and its high word plainly after it: the store writes the high
 * word first, then the low word, both atomically, so a reader that sees the low word sees the high
 * word too (and where entries move, in a table rehashed in place, the reader's seqlock discards a
 * probe that overlapped the move).
 */
function holds(t: Uint32Array, slots: number, lo: number, hi: number): boolean {
  lo >>>= 0;
  hi >>>= 0;
  if (lo === 0) lo = 1;
  let i = Math.floor((hi * slots) / 4294967296);
  for (;;) {
    const j = i << 1;
    const a = Atomics.load(t, j);
    if (a === 0) return false;
    if (a === lo && t[j + 1] === hi) return true;
    if (++i === slots) i = 0;
  }
}

/**
 * Entries of the recent-fingerprint cache (a power of two): 2^14 x 8 B = 128 KiB, which stays in a
 * core's L2 cache where a probe of the table itself (tens of MiB) misses the caches and the TLB.
 */
const RECENT = 1 << 14;

/**
 * Fingerprints the store holds that were added or looked up lately, one per entry, the entry
 * chosen by the low word (the table's slot comes from the high word). A BFS meets the same
 * successor again soon after: actions that commute lead from neighbouring worlds of a level to
 * the same world (diamonds), and neighbours are expanded one after the other. A hit answers
 * without probing the table; a miss costs one read of this cache. It only ever holds fingerprints
 * of the store (put after the table has it or is given it), so a hit is never wrong.
 */
class RecentCache {
  private readonly t = new Uint32Array(2 * RECENT);

  /** (lo, hi) as the table keeps them (unsigned, lo not 0). */
  has(lo: number, hi: number): boolean {
    const j = (lo & (RECENT - 1)) << 1;
    return this.t[j] === lo && this.t[j + 1] === hi;
  }

  /** has(lo, hi), and when not, (lo, hi) takes the entry. */
  hasElsePut(lo: number, hi: number): boolean {
    const t = this.t;
    const j = (lo & (RECENT - 1)) << 1;
    if (t[j] === lo && t[j + 1] === hi) return true;
    t[j] = lo;
    t[j + 1] = hi;
    return false;
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
  /** The table is in a SharedArrayBuffer that other threads read (share()), with this header. */
  private shared = false;
  private header: Int32Array | undefined;
  /** Fingerprints stored and recently looked up, direct-mapped by their low word (RecentCache). */
  private readonly recent = new RecentCache();

  /** `inPlaceBytes`: the table size from which it grows in place (tests make it small). */
  constructor(expectedStates = 0, private readonly inPlaceBytes = IN_PLACE_BYTES) {
    this.slots = Math.max(MIN_SLOTS, Math.ceil(expectedStates / MAX_LOAD));
    this.table = newTable(this.slots, false, inPlaceBytes);
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
    // put before the table is probed: after this call the store holds (lo, hi) either way
    if (this.recent.hasElsePut(lo, hi)) return -1;
    const t = this.table;
    const j = slotOf(t, this.slots, lo, hi) << 1;
    if (t[j] !== 0) return -1;
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

  /** True when fingerprint (lo, hi) is stored (read by this thread, which alone writes: plain reads). */
  has(lo: number, hi: number): boolean {
    lo >>>= 0;
    hi >>>= 0;
    if (lo === 0) lo = 1;
    return this.recent.has(lo, hi) || this.table[2 * slotOf(this.table, this.slots, lo, hi)] !== 0;
  }

  /**
   * Puts the table in a SharedArrayBuffer (from now on, also after it grows) and returns it for
   * readers in other threads (KnownFingerprints). Called again, returns the current table.
   */
  share(): SharedTable {
    if (!this.shared) {
      const t = newTable(this.slots, true, this.inPlaceBytes);
      t.set(this.table);
      this.table = t;
      this.shared = true;
      this.header = newHeader(this.slots);
    }
    return { buffer: this.table.buffer as SharedArrayBuffer, header: this.header! };
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
  static load(d: { slots: number; count: number; actionMax: number; table: Uint32Array; parents: Int32Array; actions: Uint32Array }, inPlaceBytes = IN_PLACE_BYTES): VisitedStore {
    const st = new VisitedStore(0, inPlaceBytes);
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
    const buffer = growable(this.table.buffer);
    const inPlace = (slots: number): boolean => buffer !== undefined && slots * 8 <= buffer.maxByteLength;
    const wide = Math.ceil(this.slots * GROWTH_IN_PLACE);
    const slots = inPlace(wide) ? wide : Math.ceil(this.slots * GROWTH);
    if (inPlace(slots)) this.rehashInPlace(buffer!, slots);
    else this.rehashInto(slots);
    this.limit = Math.floor(slots * MAX_LOAD);
  }

  /** Moves the entries to a new table of `slots` (a new buffer: readers keep the old one until handed the new). */
  private rehashInto(slots: number): void {
    const old = this.table;
    const oldSlots = this.slots;
    // no reader sees the new table before it is handed out (after this returns): plain writes
    const t = newTable(slots, this.shared, this.inPlaceBytes);
    moveInto(old, oldSlots, t, slots);
    this.table = t;
    this.slots = slots;
    if (this.shared) this.header = newHeader(slots);
  }

  /**
   * Grows the buffer to `slots` and moves each entry to its place for the new size, in the same
   * buffer. An entry is taken out of its old slot and inserted again; the insertion passes over
   * entries already placed (a bitmap says which) and, at one not placed yet, puts this entry there
   * and goes on inserting the one it displaced. Every step places one more entry, and a slot passed
   * over is never emptied again, so in the end every entry is reachable from its home slot (the
   * order of the old slots only decides how often entries are displaced).
   */
  private rehashInPlace(buffer: Growable & SharedArrayBuffer, slots: number): void {
    const oldSlots = this.slots;
    const header = this.header;
    if (header !== undefined) Atomics.add(header, 0, 1); // odd: readers answer no until it is even again
    buffer.grow(slots * 8); // the new bytes are 0: empty slots
    const t = new Uint32Array(buffer, 0, slots * 2);
    const placed = new Uint32Array((slots + 31) >>> 5);
    // with readers, every write is atomic so that one who sees it also sees the odd generation
    const atomic = header !== undefined;
    const put = (i: number, lo: number, hi: number): void => {
      if (atomic) {
        Atomics.store(t, 2 * i, lo);
        Atomics.store(t, 2 * i + 1, hi);
      } else {
        t[2 * i] = lo;
        t[2 * i + 1] = hi;
      }
    };
    // from the top down: above k every entry is placed, and an entry's new home is at or above its
    // old one, so most go up into placed or empty slots without displacing any
    for (let k = oldSlots - 1; k >= 0; k--) {
      let lo = t[2 * k]!;
      if (lo === 0 || (placed[k >>> 5]! & (1 << (k & 31))) !== 0) continue;
      let hi = t[2 * k + 1]!;
      put(k, 0, 0);
      let i = Math.floor((hi * slots) / 4294967296);
      for (;;) {
        const a = t[2 * i]!;
        if (a !== 0 && (i > k || (placed[i >>> 5]! & (1 << (i & 31))) !== 0)) {
          if (++i === slots) i = 0;
          continue;
        }
        const b = t[2 * i + 1]!;
        put(i, lo, hi);
        placed[i >>> 5]! |= 1 << (i & 31);
        if (a === 0) break;
        // displaced an entry not placed yet: insert it from its own home slot
        lo = a;
        hi = b;
        i = Math.floor((hi * slots) / 4294967296);
      }
    }
    this.table = t;
    this.slots = slots;
    if (header !== undefined) {
      Atomics.store(header, 1, slots);
      Atomics.add(header, 0, 1);
    }
  }
}

/**
 * A table of `slots` empty slots: in a SharedArrayBuffer when shared, growable (reserving
 * MAX_TABLE_BYTES) from `inPlaceBytes` on; always seen through a fixed-length view.
 */
function newTable(slots: number, shared: boolean, inPlaceBytes: number): Uint32Array {
  const bytes = slots * 8;
  if (bytes >= inPlaceBytes && bytes <= MAX_TABLE_BYTES) return new Uint32Array(new GrowableBuffer(bytes, { maxByteLength: MAX_TABLE_BYTES }), 0, slots * 2);
  return new Uint32Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

/** The header of a shared table: generation 0, `slots`. */
function newHeader(slots: number): Int32Array {
  const h = new Int32Array(new SharedArrayBuffer(8));
  h[1] = slots;
  return h;
}
