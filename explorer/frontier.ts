// One BFS level of worlds waiting to be expanded, kept as fixed-size encoded records in chunked
// Int32Arrays rather than objects (stack-notes.md: 2.2 s against 3.7 s for 200k states, and a
// fraction of the memory). Chunks are dropped as soon as they have been read.

const CHUNK_WORDS = 1 << 16;

export class RecordQueue {
  private readonly perChunk: number;
  private chunks: (Int32Array | undefined)[] = [];
  private writeCount = 0;
  private readCount = 0;

  constructor(private readonly words: number) {
    this.perChunk = Math.max(1, Math.floor(CHUNK_WORDS / Math.max(1, words)));
  }

  get length(): number {
    return this.writeCount - this.readCount;
  }

  /** Copies the first `words` words of `src`. */
  push(src: Int32Array): void {
    const c = Math.floor(this.writeCount / this.perChunk);
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      chunk = new Int32Array(this.perChunk * this.words);
      this.chunks[c] = chunk;
    }
    const at = (this.writeCount - c * this.perChunk) * this.words;
    if (src.length === this.words) chunk.set(src, at);
    else chunk.set(src.subarray(0, this.words), at);
    this.writeCount++;
  }

  /** Copies the records not read yet, in order, without reading them (for a checkpoint). */
  unread(): Int32Array {
    const all = new Int32Array(this.length * this.words);
    for (let r = this.readCount, o = 0; r < this.writeCount; r++, o += this.words) {
      const c = Math.floor(r / this.perChunk);
      const at = (r - c * this.perChunk) * this.words;
      all.set(this.chunks[c]!.subarray(at, at + this.words), o);
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
    const c = Math.floor(this.readCount / this.perChunk);
    this.chunk = this.chunks[c]!;
    const offset = (this.readCount - c * this.perChunk) * this.words;
    this.readCount++;
    // Free the previous chunk once reading has moved past it.
    if (c > 0 && this.chunks[c - 1] !== undefined) this.chunks[c - 1] = undefined;
    return offset;
  }
}

/** One BFS level: pushes take the world just fingerprinted (its encoding is still in the scratch). */
export interface Level<S> {
  readonly length: number;
  push(w: S): void;
  pop(): S;
}

/** A level of encoded records (models with a schema). */
export class EncodedLevel<S> implements Level<S> {
  readonly q: RecordQueue;
  constructor(
    private readonly decode: (words: Int32Array, off: number) => S,
    private readonly scratch: Int32Array,
  ) {
    this.q = new RecordQueue(scratch.length);
  }
  get length(): number {
    return this.q.length;
  }
  push(): void {
    this.q.push(this.scratch);
  }
  pop(): S {
    const off = this.q.shift();
    return this.decode(this.q.chunk, off);
  }
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
}
