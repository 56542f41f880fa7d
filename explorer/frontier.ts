// One BFS level of worlds waiting to be expanded, kept as fixed-size encoded records in chunked
// Int32Arrays rather than objects (stack-notes.md: 2.2 s against 3.7 s for 200k states, and a
// fraction of the memory). Chunks are dropped as soon as they have been read. With a SpillArea
// (spill.ts), a chunk completed while the queues hold more than the budget goes to disk, and is
// read back when reading reaches it: the last written is the last read, so it is the one to evict.
// The level at the depth bound is never expanded: its worlds are only counted (countOnly,
// CountedLevel), which at depth 12 of the vDPA model is two thirds of the states.
import { DEFAULT_SEGMENT_WORDS, type SpillArea } from './spill.js';

/** A chunk in memory, on disk (its file), or dropped after reading. */
type Chunk = Int32Array | string | undefined;

export class RecordQueue {
  private readonly perChunk: number;
  private readonly chunkBytes: number;
  private chunks: Chunk[] = [];
  private writeCount = 0;
  private readCount = 0;
  /** The chunk index `chunk` holds (-1: none). */
  private readChunk = -1;

  constructor(
    private readonly words: number,
    private readonly spill?: SpillArea,
    /** A level that will not be read (the depth bound's): pushes are counted, not kept. */
    readonly countOnly = false,
  ) {
    const chunkWords = spill?.segmentWords ?? DEFAULT_SEGMENT_WORDS;
    this.perChunk = Math.max(1, Math.floor(chunkWords / Math.max(1, words)));
    this.chunkBytes = this.perChunk * Math.max(1, words) * 4;
  }

  get length(): number {
    return this.writeCount - this.readCount;
  }

  /** Copies the first `words` words of `src`. */
  push(src: Int32Array): void {
    this.pushFrom(src, 0);
  }

  /** Copies the `words` words of `src` from `off` (no view made: the chunked merge's hot path). */
  pushFrom(src: Int32Array, off: number): void {
    if (this.countOnly) {
      this.writeCount++;
      return;
    }
    const c = Math.floor(this.writeCount / this.perChunk);
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      this.evictBefore(c);
      chunk = new Int32Array(this.perChunk * this.words);
      this.chunks[c] = chunk;
      if (this.spill !== undefined) this.spill.inMemory += this.chunkBytes;
    }
    const at = (this.writeCount - c * this.perChunk) * this.words;
    const mem = chunk as Int32Array;
    for (let i = 0; i < this.words; i++) mem[at + i] = src[off + i]!;
    this.writeCount++;
  }

  /** Before starting chunk `c`: over the budget, the chunk just completed goes to disk (unless being read). */
  private evictBefore(c: number): void {
    const spill = this.spill;
    if (spill === undefined || c === 0 || !spill.full(this.chunkBytes)) return;
    const done = this.chunks[c - 1];
    if (!(done instanceof Int32Array) || c - 1 === this.readChunk) return;
    this.chunks[c - 1] = spill.write(done);
    spill.inMemory -= this.chunkBytes;
  }

  /** Copies the records not read yet, in order, without reading them (for a checkpoint). */
  unread(): Int32Array {
    if (this.countOnly) throw new Error('RecordQueue.unread on a level that keeps no records');
    const all = new Int32Array(this.length * this.words);
    let loaded: { c: number; data: Int32Array } | undefined;
    for (let r = this.readCount, o = 0; r < this.writeCount; r++, o += this.words) {
      const c = Math.floor(r / this.perChunk);
      const at = (r - c * this.perChunk) * this.words;
      const chunk = this.chunks[c]!;
      let data: Int32Array;
      if (typeof chunk !== 'string') data = chunk;
      else {
        if (loaded?.c !== c) loaded = { c, data: this.spill!.read(chunk, true) };
        data = loaded.data;
      }
      all.set(data.subarray(at, at + this.words), o);
    }
    return all;
  }

  /** Dequeues up to `max` records into one new array; returns it and the count. */
  take(max: number): { records: Int32Array; count: number } {
    const count = Math.min(max, this.length);
    const records = new Int32Array(count * this.words);
    for (let i = 0; i < count; i++) {
      const off = this.shift();
      records.set(this.chunk.subarray(off, off + this.words), i * this.words);
    }
    return { records, count };
  }

  /** The chunk holding the record returned by the last `shift` (valid until the next `shift`). */
  chunk: Int32Array = new Int32Array(0);

  /** Dequeues a record: returns its word offset in `this.chunk`. */
  shift(): number {
    if (this.readCount >= this.writeCount) throw new Error('RecordQueue.shift on an empty queue');
    if (this.countOnly) throw new Error('RecordQueue.shift on a level that keeps no records');
    const c = Math.floor(this.readCount / this.perChunk);
    if (c !== this.readChunk) {
      // Free the previous chunk once reading has moved past it; a spilled one comes back from disk.
      if (this.readChunk >= 0) this.release(this.readChunk);
      let chunk = this.chunks[c]!;
      if (typeof chunk === 'string') {
        chunk = this.spill!.read(chunk);
        this.chunks[c] = chunk;
        this.spill!.inMemory += this.chunkBytes;
      }
      this.chunk = chunk;
      this.readChunk = c;
    }
    const offset = (this.readCount - c * this.perChunk) * this.words;
    this.readCount++;
    return offset;
  }

  private release(c: number): void {
    const chunk = this.chunks[c];
    this.chunks[c] = undefined;
    if (chunk instanceof Int32Array && this.spill !== undefined) this.spill.inMemory -= this.chunkBytes;
    else if (typeof chunk === 'string') this.spill!.drop(chunk);
  }

  /** Lets go of every chunk (a search that stops with records left): memory and files. */
  dispose(): void {
    for (let c = 0; c < this.chunks.length; c++) this.release(c);
    this.readChunk = -1;
  }
}

/** One BFS level: pushes take the world just fingerprinted (its encoding is still in the scratch). */
export interface Level<S> {
  readonly length: number;
  push(w: S): void;
  pop(): S;
  /** Encoded levels: the words and offset of the record the last pop decoded (valid until the next pop). */
  readonly lastWords?: Int32Array;
  readonly lastOff?: number;
  /** Lets go of what is left (memory and spilled segments). */
  dispose(): void;
}

/** A level of encoded records (models with a schema). */
export class EncodedLevel<S> implements Level<S> {
  readonly q: RecordQueue;
  constructor(
    private readonly decode: (words: Int32Array, off: number) => S,
    private readonly scratch: Int32Array,
    spill?: SpillArea,
  ) {
    this.q = new RecordQueue(scratch.length, spill);
  }
  get length(): number {
    return this.q.length;
  }
  push(): void {
    this.q.push(this.scratch);
  }
  lastWords: Int32Array | undefined;
  lastOff = 0;
  pop(): S {
    const off = this.q.shift();
    this.lastWords = this.q.chunk;
    this.lastOff = off;
    return this.decode(this.q.chunk, off);
  }
  dispose(): void {
    this.q.dispose();
  }
}

/** The level at the depth bound, never expanded: its worlds are counted, not kept. */
export class CountedLevel<S> implements Level<S> {
  length = 0;
  push(): void {
    this.length++;
  }
  pop(): S {
    throw new Error('CountedLevel.pop: the level at the depth bound keeps no worlds');
  }
  dispose(): void {}
}

/** A level of world objects (models without a schema). */
export class ObjectLevel<S> implements Level<S> {
  private items: S[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(w: S): void {
    this.items.push(w);
  }
  pop(): S {
    const w = this.items[this.head]!;
    this.items[this.head++] = undefined as S; // let the world be collected
    return w;
  }
  dispose(): void {
    this.items = [];
    this.head = 0;
  }
}
