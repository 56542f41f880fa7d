// The disk-backed frontier (explorer/spill.ts, frontier.ts): a search whose queue spills to files at
// a tiny budget finds exactly what the in-memory search finds, and leaves no file behind.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explore } from '../../explorer/bfs.js';
import { exploreChunked, type ModelSource } from '../../explorer/chunked.js';
import type { ExploreOptions, ExploreResult } from '../../explorer/explore-api.js';
import { RecordQueue } from '../../explorer/frontier.js';
import { SpillArea } from '../../explorer/spill.js';
import { toy, type ToyArg } from './chunked-models.js';
import { bitsModel } from './toys.js';

const comparable = <A>(r: ExploreResult<A>) => ({ ...r, stats: { ...r.stats, seconds: 0, statesPerSecond: 0, distinctPerSecond: 0 } });
const sourceOf = (arg: ToyArg): ModelSource => ({ module: new URL('./chunked-models.ts', import.meta.url).href, export: 'toy', arg });

/** Segment files under `dir` right now (in the search's private directories). */
function segmentsUnder(dir: string): number {
  let n = 0;
  for (const d of readdirSync(dir)) n += readdirSync(join(dir, d)).filter((f) => f.endsWith('.seg')).length;
  return n;
}

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-spill-test-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withDirAsync<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-spill-test-'));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('RecordQueue over a SpillArea', () => {
  it('returns every record in order through memory and disk, and removes its files', () => {
    withDir((dir) => {
      const area = new SpillArea({ memoryBytes: 0, dir, segmentWords: 9 });
      const q = new RecordQueue(3, area);
      const rec = new Int32Array(3);
      const got: number[] = [];
      let pushed = 0;
      // interleaved: push 7, read 3, ... so that reading and writing share the queue
      while (pushed < 200) {
        for (let i = 0; i < 7; i++, pushed++) {
          rec.set([pushed, -pushed, pushed * 3]);
          q.push(rec);
        }
        if (pushed === 105) {
          const rest = q.unread();
          expect(rest.length).toBe(q.length * 3);
          expect(Array.from(rest.subarray(0, 3))).toEqual([got.length, -got.length, got.length * 3]);
          expect(segmentsUnder(dir)).toBeGreaterThan(10);
        }
        for (let i = 0; i < 3; i++) {
          const off = q.shift();
          got.push(q.chunk[off]!);
          expect([q.chunk[off + 1], q.chunk[off + 2]]).toEqual([-q.chunk[off]! | 0, q.chunk[off]! * 3]);
        }
      }
      const { records, count } = q.take(1000);
      for (let i = 0; i < count; i++) got.push(records[i * 3]!);
      expect(got).toEqual(Array.from({ length: pushed }, (_, i) => i));
      expect(area.figures.segmentsWritten).toBeGreaterThan(10);
      expect(segmentsUnder(dir)).toBe(0); // read back: each file removed
      q.dispose();
      area.close();
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it('within the budget nothing is written', () => {
    withDir((dir) => {
      const area = new SpillArea({ memoryBytes: 1 << 20, dir, segmentWords: 9 });
      const q = new RecordQueue(3, area);
      for (let i = 0; i < 200; i++) q.push(new Int32Array([i, i, i]));
      expect(area.figures.segmentsWritten).toBe(0);
      expect(area.directory).toBeUndefined();
      q.dispose();
      expect(area.inMemory).toBe(0);
    });
  });

  it('a queue dropped with segments on disk removes them', () => {
    withDir((dir) => {
      const area = new SpillArea({ memoryBytes: 0, dir, segmentWords: 3 });
      const q = new RecordQueue(1, area);
      for (let i = 0; i < 30; i++) q.push(new Int32Array([i]));
      expect(segmentsUnder(dir)).toBeGreaterThan(5);
      q.dispose();
      expect(segmentsUnder(dir)).toBe(0);
      area.close();
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});

const modes: [string, ToyArg, ExploreOptions][] = [
  ['stop at first', { n: 10, planted: true }, {}],
  ['collect', { n: 10, planted: true }, { stopAtFirstViolation: false }],
  ['no violation, depth bound', { n: 10 }, { maxDepth: 7 }],
  ['state bound', { n: 10 }, { maxStates: 300 }],
];

describe('a search with a tiny frontier budget finds what the in-memory search finds', () => {
  for (const [name, arg, options] of modes) {
    it(`${name}: explore`, () => {
      withDir((dir) => {
        let seen = 0;
        const spilled = explore(toy(arg), {
          ...options,
          frontier: { memoryBytes: 0, dir, segmentWords: 4 },
          shouldStop: () => {
            seen = Math.max(seen, segmentsUnder(dir));
            return undefined;
          },
        });
        expect(comparable(spilled)).toEqual(comparable(explore(toy(arg), options)));
        // not vacuous: the queue was on disk (the clock is read every 256 worlds, so the long runs show it)
        if (name === 'collect' || name.startsWith('no violation')) expect(seen).toBeGreaterThan(0);
        expect(readdirSync(dir)).toEqual([]); // removed when the search ended
      });
    });
  }

  it('the chunked search, in this thread and on 2 worker threads, spilling', async () => {
    for (const [, arg, options] of modes) {
      const one = comparable(explore(toy(arg), options));
      for (const workers of [0, 2]) {
        await withDirAsync(async (dir) => {
          const r = await exploreChunked(toy(arg), {
            ...options,
            chunkSize: 16,
            frontier: { memoryBytes: 0, dir, segmentWords: 4 },
            ...(workers > 0 ? { workers, source: sourceOf(arg) } : {}),
          });
          expect(comparable(r)).toEqual(one);
          expect(readdirSync(dir)).toEqual([]);
        });
      }
    }
  });

  it('a search stopped early (time limit) removes its segments too', () => {
    withDir((dir) => {
      let calls = 0;
      const r = explore(bitsModel(12), { frontier: { memoryBytes: 0, dir, segmentWords: 4 }, shouldStop: () => (++calls > 3 ? 'signal' : undefined) });
      expect(r.stoppedBy).toBe('signal');
      expect(r.stats.queueLeft).toBeGreaterThan(0);
      expect(existsSync(dir)).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it('refuses a frontier budget for a model without a schema', () => {
    expect(() => explore(bitsModel(4, { schema: false }), { frontier: { memoryBytes: 0 } })).toThrow(/needs a model with a schema/);
  });
});

describe('the level at the depth bound is counted, not kept', () => {
  it('RecordQueue countOnly: its length counts the pushes; it holds no segment and cannot be read', () => {
    const spill = new SpillArea({ memoryBytes: 0, segmentWords: 4 });
    try {
      const q = new RecordQueue(2, spill, true);
      for (let i = 0; i < 100; i++) q.push(new Int32Array([i, i]));
      expect(q.length).toBe(100);
      expect(spill.inMemory).toBe(0);
      expect(spill.figures.segmentsWritten).toBe(0);
      expect(() => q.shift()).toThrow(/keeps no records/);
      expect(() => q.unread()).toThrow(/keeps no records/);
    } finally {
      spill.close();
    }
  });

  // bits(14): 14 worlds at depth 1, 91 at depth 2, 364 at depth 3; a tiny budget puts every segment on disk
  const deepestSpill = async (maxDepth: number, engine: 'explore' | 'chunked' | 'workers', por: boolean): Promise<{ seen: number; r: ExploreResult<unknown> }> =>
    withDirAsync(async (dir) => {
      let seen = 0;
      const arg: ToyArg = { n: 14, ...(por ? { por: 'sound' as const } : {}) };
      const options: ExploreOptions = {
        maxDepth,
        ...(por ? { partialOrder: 'sleep' as const } : {}),
        frontier: { memoryBytes: 0, dir, segmentWords: 4 },
        shouldStop: () => {
          seen = Math.max(seen, segmentsUnder(dir));
          return undefined;
        },
      };
      const r = engine === 'explore'
        ? explore(toy(arg), options)
        : await exploreChunked(toy(arg), { ...options, chunkSize: 2, ...(engine === 'workers' ? { workers: 2, source: sourceOf(arg), eagerWorkers: true } : {}) });
      return { seen, r: r as ExploreResult<unknown> };
    });

  for (const engine of ['explore', 'chunked', 'workers'] as const) {
    for (const por of [false, true]) {
      it(`${engine}${por ? ', sleep sets' : ''}: no segment of the deepest level is written, and it is still counted`, async () => {
        const two = await deepestSpill(2, engine, por);
        const three = await deepestSpill(3, engine, por);
        expect(two.r.stats.queueLeft).toBe(91);
        expect(three.r.stats.queueLeft).toBe(364);
        expect([two.r.stats.distinctStates, two.r.stoppedBy, two.r.complete]).toEqual([1 + 14 + 91, 'max-depth', true]);
        // at depth 3 the 91 worlds of depth 2 were on disk while depth 1 was expanded; at depth 2 they never are
        expect(three.seen).toBeGreaterThan(14);
        expect(two.seen).toBeLessThanOrEqual(14);
      });
    }
  }
});
