import { describe, expect, it } from 'vitest';
import { KnownFingerprints, VisitedStore } from '../../explorer/store.js';
import { pathTo } from '../../explorer/replay.js';
import { hashWords, newHashOut } from '../../explorer/hash.js';

const fp = (i: number): [number, number] => {
  const h = newHashOut();
  hashWords(new Int32Array([i, 0x5bd1e995]), 2, h);
  return [h[0]!, h[1]!];
};

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
