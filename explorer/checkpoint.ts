// A chunked search saved between two merged chunks: the visited store (fingerprints, parent and
// action links), the worlds of the current level not expanded yet, the next level so far, the
// counters and the violations (as action indices: rebuilt by replay on resume), and with sleep sets
// the masks of both levels (sleep.ts; empty sections without). One file:
//   "VDPAMCK2" | u32 header length | header JSON | sections (u32 byte length, bytes)...
// (VDPAMCK1, before sleep sets, had no mask sections: such a file is refused, not misread.)
// written to FILE.tmp and renamed, so a crash while writing leaves the previous checkpoint whole.
import { openSync, readFileSync, renameSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import type { FoundByIndex } from './properties.js';

const MAGIC = 'VDPAMCK2';
const SECTIONS = 7;

export interface CheckpointHeader {
  readonly format: typeof MAGIC;
  /** What the search was (depth, properties, shard, the caller's description): a resume must match. */
  readonly identity: string;
  readonly level: number;
  /** Store index of the first world of the current level. */
  readonly levelBase: number;
  /** Worlds of the current level already expanded. */
  readonly done: number;
  readonly initCount: number;
  readonly transitions: number;
  readonly depth: number;
  readonly enabled: readonly number[];
  readonly newStates: readonly number[];
  /** With sleep sets: transitions skipped as asleep so far. */
  readonly asleep?: number;
  readonly found: readonly FoundByIndex[];
  readonly store: { readonly slots: number; readonly count: number; readonly actionMax: number };
  readonly secondsBefore: number;
}

export interface CheckpointData {
  readonly header: CheckpointHeader;
  readonly table: Uint32Array;
  readonly parents: Int32Array;
  readonly actions: Uint32Array;
  /** The current level's worlds not expanded yet, then the next level's, as records. */
  readonly current: Int32Array;
  readonly next: Int32Array;
  /** Sleep masks of the current level's worlds not expanded yet, then of the next level's (empty without sleep sets). */
  readonly currentSleep: Uint32Array;
  readonly nextSleep: Uint32Array;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function writeCheckpoint(file: string, d: CheckpointData): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const head = Buffer.from(JSON.stringify(d.header), 'utf8');
    const len = Buffer.alloc(4);
    writeSync(fd, Buffer.from(MAGIC, 'latin1'));
    len.writeUInt32LE(head.length);
    writeSync(fd, len);
    writeSync(fd, head);
    for (const part of [d.table, d.parents, d.actions, d.current, d.next, d.currentSleep, d.nextSleep]) {
      const b = bytesOf(part);
      const l = Buffer.alloc(4);
      l.writeUInt32LE(b.byteLength);
      writeSync(fd, l);
      // large sections in slices (writeSync may write less than asked on some systems)
      for (let off = 0; off < b.byteLength; ) off += writeSync(fd, b, off, Math.min(1 << 26, b.byteLength - off));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function readCheckpoint(file: string): CheckpointData {
  const buf = readFileSync(file);
  const bad = (why: string): Error => new Error(`checkpoint ${file}: ${why}`);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw bad('not a vdpa-mc checkpoint');
  const hl = buf.readUInt32LE(8);
  let at = 12 + hl;
  if (at > buf.length) throw bad('truncated');
  const header = JSON.parse(buf.toString('utf8', 12, at)) as CheckpointHeader;
  const sections: ArrayBuffer[] = [];
  for (let i = 0; i < SECTIONS; i++) {
    if (at + 4 > buf.length) throw bad('truncated');
    const l = buf.readUInt32LE(at);
    at += 4;
    if (at + l > buf.length) throw bad('truncated');
    sections.push(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + l));
    at += l;
  }
  return {
    header,
    table: new Uint32Array(sections[0]!),
    parents: new Int32Array(sections[1]!),
    actions: new Uint32Array(sections[2]!),
    current: new Int32Array(sections[3]!),
    next: new Int32Array(sections[4]!),
    currentSleep: new Uint32Array(sections[5]!),
    nextSleep: new Uint32Array(sections[6]!),
  };
}
