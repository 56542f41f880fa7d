// The disk under the frontier (issue 16, "disk-backed frontier"): when the BFS levels' encoded
// records (frontier.ts) hold more than a memory budget, the queues write whole segments to files in
// a private directory and read each back when the search reaches it. The search visits the same
// records in the same order either way, so counts and traces do not depend on the budget. The
// directory is removed when the search ends (close, from the search's finally) and, as a last
// resort, when the process exits; a signal stops the CLI's search cleanly, which ends in close.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the frontier may spill, and when. */
export interface FrontierBudget {
  /** Bytes of frontier records kept in memory before segments go to disk (0: every full segment). */
  readonly memoryBytes: number;
  /** A directory to create the spill directory in (default: the system's temporary directory). */
  readonly dir?: string;
  /** Words per segment (default: a sixteenth of the budget, between 2^10 and 2^16 words). */
  readonly segmentWords?: number;
}

/** The segment of a queue without a budget (256 KiB), and the smallest one a budget gets (4 KiB). */
export const DEFAULT_SEGMENT_WORDS = 1 << 16;
const MIN_SEGMENT_WORDS = 1 << 10;

/** Segments written and read back, for a caller that reports them. */
export interface SpillFigures {
  readonly segmentsWritten: number;
  readonly bytesWritten: number;
}

export class SpillArea {
  readonly memoryBytes: number;
  readonly segmentWords: number;
  /** Bytes of segments held in memory by every queue sharing this area. */
  inMemory = 0;
  private readonly root: string;
  private path: string | undefined;
  private seq = 0;
  private written = 0;
  private bytes = 0;
  private readonly onExit = (): void => this.close();

  constructor(budget: FrontierBudget) {
    this.memoryBytes = budget.memoryBytes;
    // a budget holds about 16 segments, so that a small one still keeps most of the queue in memory
    const fit = Math.floor(budget.memoryBytes / 4 / 16);
    this.segmentWords = Math.max(1, budget.segmentWords ?? Math.min(DEFAULT_SEGMENT_WORDS, Math.max(MIN_SEGMENT_WORDS, fit)));
    this.root = budget.dir ?? tmpdir();
  }

  /** True when one more segment in memory would pass the budget. */
  full(segmentBytes: number): boolean {
    return this.inMemory + segmentBytes > this.memoryBytes;
  }

  /** Writes a segment to a new file; returns its path. */
  write(segment: Int32Array): string {
    if (this.path === undefined) {
      try {
        mkdirSync(this.root, { recursive: true });
        this.path = mkdtempSync(join(this.root, 'vdpa-mc-frontier-'));
      } catch (e) {
        throw new Error(`frontier: cannot create a spill directory in ${this.root}: ${e instanceof Error ? e.message : String(e)}`);
      }
      process.on('exit', this.onExit);
    }
    const file = join(this.path, `${this.seq++}.seg`);
    try {
      writeFileSync(file, new Uint8Array(segment.buffer, segment.byteOffset, segment.byteLength));
    } catch (e) {
      throw new Error(`frontier: cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.written++;
    this.bytes += segment.byteLength;
    return file;
  }

  /** Reads a segment back; `keep` leaves the file (a checkpoint reads without consuming). */
  read(file: string, keep = false): Int32Array {
    const b = readFileSync(file);
    const seg = new Int32Array(b.byteLength >> 2);
    new Uint8Array(seg.buffer).set(b);
    if (!keep) rmSync(file, { force: true });
    return seg;
  }

  /** Removes a segment that will not be read (a search stopped early). */
  drop(file: string): void {
    rmSync(file, { force: true });
  }

  /** The directory, while one exists (tests look at it). */
  get directory(): string | undefined {
    return this.path;
  }

  get figures(): SpillFigures {
    return { segmentsWritten: this.written, bytesWritten: this.bytes };
  }

  /** Removes the directory and everything in it. */
  close(): void {
    if (this.path === undefined) return;
    rmSync(this.path, { recursive: true, force: true });
    this.path = undefined;
    process.removeListener('exit', this.onExit);
  }
}
