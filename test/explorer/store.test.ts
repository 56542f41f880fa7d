import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { FingerprintSet, KnownFingerprints, VisitedStore } from '../../explorer/store.js';
import { pathTo } from '../../explorer/replay.js';
import { hashWords, newHashOut } from '../../explorer/hash.js';

/** The reader thread (store-reader.worker.ts), from source: tsx's loader registered inside it, as pool.ts does. */
function readerThread(data: unknown): Worker {
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./store-reader.worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

const fp = (i: number): [number, number] => {
  const h = newHashOut();
  hashWords(new Int32Array([i, 0x5bd1e995]), 2, h);
  return [h[0]!, h[1]!];
};

/**
 * Fills `st` with fingerprints 0..399,999 while a reader thread (store-reader.worker.ts) asks about
 * stored and never-stored ones; what it counted.
 */
async function readWhileFilling(st: VisitedStore): Promise<{ falsePositives: number; hits: number; asked: number }> {
  const control = new Int32Array(new SharedArrayBuffer(12));
  const worker = readerThread({ table: st.share(), control });
  const answer = new Promise<{ falsePositives: number; hits: number; asked: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  while (Atomics.load(control, 2) === 0) await new Promise((r) => setTimeout(r, 10)); // until it asks
  for (let i = 0; i < 400_000; i++) {
    st.addIfNew(...fp(i), i - 1, 0);
    Atomics.store(control, 1, i + 1);
  }
  Atomics.store(control, 0, 1);
  const counts = await answer;
  await worker.terminate();
  return counts;
}

describe('visited store', () => {
  it('adds each fingerprint once, across growth, and keeps parent and action per index', () => {
    const st = new VisitedStore();
    const N = 100_000;
    let wrong = 0; // plain counting: an expect() per insert would dominate the test's time
    for (let i = 0; i < N; i++) {
      const [lo, hi] = fp(i);
      if (st.addIfNew(lo, hi, i - 1, i % 200) !== i) wrong++;
    }
    for (let i = 0; i < N; i += 7) {
      const [lo, hi] = fp(i);
      if (st.addIfNew(lo, hi, 0, 0) !== -1 || !st.has(lo, hi)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(st.has(...fp(N + 1))).toBe(false);
    expect(st.size).toBe(N);
    expect(st.parentOf(12345)).toBe(12344);
    expect(st.actionOf(12345)).toBe(12345 % 200);
  });

  it('the recent-fingerprint cache: fingerprints that share its entry (same low bits) evict each other and are still found; one differing only in the high word is new', () => {
    const st = new VisitedStore();
    // low words equal modulo 2^20 (beyond the cache's index bits): all in one cache entry
    const keys = Array.from({ length: 50 }, (_, i) => [(0x12345 + i * 0x100000) >>> 0, (0x9e3779b9 * (i + 1)) >>> 0] as const);
    keys.forEach(([lo, hi], i) => expect(st.addIfNew(lo, hi, -1, 0)).toBe(i));
    for (const [lo, hi] of keys) {
      expect(st.addIfNew(lo, hi, 0, 0)).toBe(-1);
      expect(st.has(lo, hi)).toBe(true);
    }
    // the last one looked up sits in the entry: the same low word with another high word is not it
    const [lo, hi] = keys[keys.length - 1]!;
    expect(st.has(lo, (hi + 1) >>> 0)).toBe(false);
    expect(st.addIfNew(lo, (hi + 1) >>> 0, 0, 0)).toBe(keys.length);
    expect(st.size).toBe(keys.length + 1);
  });

  it('stays at or under 16 bytes per state across growth from 10^5 to 4·10^5 states', () => {
    const st = new VisitedStore();
    const h = newHashOut();
    const w = new Int32Array(1);
    let worst = 0;
    for (let i = 0; i < 400_000; i++) {
      w[0] = i;
      hashWords(w, 1, h);
      st.addIfNew(h[0]!, h[1]!, i - 1, 3);
      if (i >= 100_000 && i % 997 === 0) worst = Math.max(worst, st.bytes / st.size);
    }
    expect(worst).toBeLessThanOrEqual(16);
    expect(st.bytes / st.size).toBeGreaterThan(13); // 8/0.9 + 5: the table really is 8 B/slot
  });

  it('treats the all-zero fingerprint (the empty-slot mark) as an ordinary one', () => {
    const st = new VisitedStore();
    expect(st.addIfNew(0, 0, -1, 0)).toBe(0);
    expect(st.addIfNew(0, 0, -1, 0)).toBe(-1);
    expect(st.has(0, 0)).toBe(true);
  });

  it('treats a fingerprint whose low word is 0 as an ordinary one (a filled slot is told by its low word)', () => {
    const st = new VisitedStore();
    expect(st.addIfNew(0, 7, -1, 0)).toBe(0);
    expect(st.addIfNew(0, 7, -1, 0)).toBe(-1);
    expect(st.has(0, 7)).toBe(true);
    expect(st.has(0, 8)).toBe(false);
  });

  it('loads a checkpoint table written when a low word 0 was stored as 0: still found, not added again', () => {
    const st = new VisitedStore();
    st.addIfNew(0, 0x9e3779b9, -1, 0);
    st.addIfNew(5, 6, 0, 1);
    const d = st.dump();
    const table = d.table.slice();
    let j = 0;
    while (!(table[j] === 1 && table[j + 1] === 0x9e3779b9)) j += 2;
    table[j] = 0; // as the earlier store wrote it
    const back = VisitedStore.load({ ...d, table });
    expect(back.has(0, 0x9e3779b9)).toBe(true);
    expect(back.addIfNew(0, 0x9e3779b9, 1, 0)).toBe(-1);
    expect(back.size).toBe(2);
  });

  it('shared: a reader sees exactly what the store holds; after growth its old table is a subset until it is handed the new one', () => {
    const st = new VisitedStore();
    const reader = new KnownFingerprints(st.share());
    const N = 5000; // grows the 1024-slot table several times
    for (let i = 0; i < 100; i++) st.addIfNew(...fp(i), i - 1, 0);
    let seen = 0;
    for (let i = 0; i < 100; i++) if (reader.has(...fp(i))) seen++;
    expect(seen).toBe(100); // no growth yet: the reader's table is the store's
    for (let i = 100; i < N; i++) st.addIfNew(...fp(i), i - 1, 0);
    let stale = 0;
    let wrong = 0;
    for (let i = 0; i < N; i++) if (reader.has(...fp(i))) stale++;
    for (let i = N; i < 2 * N; i++) if (reader.has(...fp(i))) wrong++;
    expect(stale).toBeGreaterThanOrEqual(100);
    expect(stale).toBeLessThan(N); // the old table misses what came after the growth
    reader.update(st.share());
    let now = 0;
    for (let i = 0; i < N; i++) if (reader.has(...fp(i))) now++;
    for (let i = N; i < 2 * N; i++) if (reader.has(...fp(i))) wrong++;
    expect(now).toBe(N);
    expect(wrong).toBe(0);
    expect(st.share().buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('grows in place: the same buffer, every fingerprint still found (also those probing past the end), none added twice, none invented', () => {
    const st = new VisitedStore(0, 0); // in place from the first growth
    const buffer = st.share().buffer;
    const reader = new KnownFingerprints(st.share()); // never handed the table again
    // fingerprints from all over, and clusters at both ends of the table (the one at the top wraps around)
    const all: [number, number][] = [];
    for (let i = 0; i < 60_000; i++) all.push(fp(i));
    for (let i = 0; i < 300; i++) all.push([i * 7 + 1, 0xffffffff - i], [i * 11 + 3, i]);
    let wrong = 0;
    all.forEach(([lo, hi], i) => {
      if (st.addIfNew(lo, hi, i - 1, 0) !== i) wrong++;
    });
    expect(st.share().buffer).toBe(buffer); // it grew many times, in place
    for (const [lo, hi] of all) if (!st.has(lo, hi) || !reader.has(lo, hi) || st.addIfNew(lo, hi, 0, 0) !== -1) wrong++;
    for (let i = 60_000; i < 120_000; i++) if (st.has(...fp(i)) || reader.has(...fp(i))) wrong++;
    expect(wrong).toBe(0);
    expect(st.size).toBe(all.length);
  });

  it('a reader answers no while the generation is odd (entries moving) or changed during its probe', () => {
    const st = new VisitedStore(0, 0);
    const shared = st.share();
    const reader = new KnownFingerprints(shared);
    st.addIfNew(...fp(1), -1, 0);
    expect(reader.has(...fp(1))).toBe(true);
    Atomics.add(shared.header, 0, 1);
    expect(reader.has(...fp(1))).toBe(false);
    Atomics.add(shared.header, 0, 1);
    expect(reader.has(...fp(1))).toBe(true);
    const gen = Atomics.load(shared.header, 0);
    for (let i = 2; i < 5000; i++) st.addIfNew(...fp(i), i - 1, 0); // grows in place several times
    expect(Atomics.load(shared.header, 0)).toBeGreaterThan(gen); // each growth moved it twice: even again
    expect(Atomics.load(shared.header, 0) % 2).toBe(0);
  });

  it('a reader in another thread while the table grows in place: never a fingerprint the store does not hold', async () => {
    const st = new VisitedStore(0, 0);
    const { falsePositives, hits, asked } = await readWhileFilling(st);
    expect(falsePositives).toBe(0);
    expect(hits).toBeGreaterThan(0); // it did read the table while it grew
    expect(asked).toBeGreaterThan(hits);
  });

  it('a reader in another thread of a table that cannot grow (slots written once, no generation check): never a fingerprint the store does not hold', async () => {
    const st = new VisitedStore(450_000); // sized for every insert: the buffer never changes
    const shared = st.share();
    expect((shared.buffer as SharedArrayBuffer & { growable: boolean }).growable).toBe(false);
    const { falsePositives, hits, asked } = await readWhileFilling(st);
    expect(st.share().buffer).toBe(shared.buffer);
    expect(falsePositives).toBe(0);
    expect(hits).toBeGreaterThan(0); // it read the table while it was filled
    expect(asked).toBeGreaterThan(hits);
  });

  it('a checkpoint table (a plain buffer) moves to a growable one when it grows, and grows in place from there', () => {
    const st = new VisitedStore(0, 0);
    for (let i = 0; i < 3000; i++) st.addIfNew(...fp(i), i - 1, 0);
    const d = st.dump();
    const back = VisitedStore.load({ ...d, table: d.table.slice() }, 0);
    for (let i = 3000; i < 20_000; i++) back.addIfNew(...fp(i), i - 1, 0);
    const buffer = back.share().buffer;
    for (let i = 20_000; i < 40_000; i++) back.addIfNew(...fp(i), i - 1, 0);
    expect(back.share().buffer).toBe(buffer);
    let missing = 0;
    for (let i = 0; i < 40_000; i++) if (!back.has(...fp(i))) missing++;
    expect(missing).toBe(0);
  });

  it('widens the action index when a world has more than 255 actions, keeping earlier ones', () => {
    const st = new VisitedStore();
    st.addIfNew(1, 1, -1, 0);
    st.addIfNew(2, 2, 0, 255);
    st.addIfNew(3, 3, 1, 300);
    st.addIfNew(4, 4, 2, 70_000);
    expect([st.actionOf(1), st.actionOf(2), st.actionOf(3)]).toEqual([255, 300, 70_000]);
    expect(pathTo(st, 3)).toEqual({ initIndex: 0, actionIndices: [255, 300, 70_000] });
  });

  it('pathTo decodes the initial-world index of a root', () => {
    const st = new VisitedStore();
    st.addIfNew(5, 5, -3, 0);
    expect(pathTo(st, 0)).toEqual({ initIndex: 2, actionIndices: [] });
  });
});

// What an expander remembers having sent (expand.ts): sized once, emptied by clear, grown only when it must keep everything.
describe('fingerprint set', () => {
  it('adds each fingerprint once across growth, the all-zero one included; clear forgets them all', () => {
    const set = new FingerprintSet();
    const N = 50_000;
    let wrong = 0;
    for (let i = 0; i < N; i++) if (!set.addIfNew(...fp(i))) wrong++;
    for (let i = 0; i < N; i += 3) if (set.addIfNew(...fp(i))) wrong++;
    expect(wrong).toBe(0);
    expect(set.size).toBe(N);
    expect(set.addIfNew(0, 0)).toBe(true);
    expect(set.addIfNew(0, 0)).toBe(false);
    set.clear();
    expect(set.size).toBe(0);
    for (let i = 0; i < N; i += 5) if (!set.addIfNew(...fp(i))) wrong++;
    expect(wrong).toBe(0);
    expect(set.addIfNew(0, 0)).toBe(true);
  });
});
