// Sleep sets (explorer/sleep.ts): the same distinct worlds, verdicts and shortest traces as the full
// search, fewer transitions; the same result whatever the engine, threads, chunk size or resumes; and
// the independence checker (explorer/independence-check.ts) that catches a relation that lies.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explore } from '../../explorer/bfs.js';
import { exploreChunked, type ModelSource } from '../../explorer/chunked.js';
import type { ExploreOptions, ExploreResult } from '../../explorer/explore-api.js';
import { checkIndependence } from '../../explorer/independence-check.js';
import { toy, type ToyArg } from './chunked-models.js';

const sourceOf = (arg: ToyArg): ModelSource => ({ module: new URL('./chunked-models.ts', import.meta.url).href, export: 'toy', arg });
const SLEEP: ExploreOptions = { partialOrder: 'sleep' };
const collect: ExploreOptions = { stopAtFirstViolation: false };
/** What sleep sets keep: worlds, depth, completeness, each violated property with its shortest length. */
const kept = <A>(r: ExploreResult<A>) => ({
  distinct: r.stats.distinctStates,
  depth: r.stats.depth,
  complete: r.complete,
  violations: r.violations.map((v) => `${v.propertyId} ${v.actions.length}`).sort(),
});
const clockless = <A>(r: ExploreResult<A>) => ({ ...r, stats: { ...r.stats, seconds: 0, statesPerSecond: 0, distinctPerSecond: 0 } });

describe('sleep sets: the same worlds and verdicts, fewer transitions', () => {
  const arg: ToyArg = { n: 9, planted: true, por: 'sound' };
  it('collect mode on 2^9 worlds: every world, every violated property at its shortest length; transitions taken + asleep = the full count', () => {
    const full = explore(toy(arg), collect);
    const por = explore(toy(arg), { ...collect, ...SLEEP });
    expect(kept(por)).toEqual(kept(full));
    expect(full.violations.map((v) => v.propertyId).sort()).toEqual(['fewer-than-3', 'keep-bit-0']);
    expect(por.stats.transitions).toBeLessThan(full.stats.transitions / 2);
    expect(por.stats.transitions + por.stats.asleep!).toBe(full.stats.transitions);
    // coverage counts listed actions, asleep or taken: the same as without
    expect(por.coverage.map((c) => c.enabled)).toEqual(full.coverage.map((c) => c.enabled));
  });
  it('a depth bound and a stop at the first violation: the same verdicts', () => {
    for (const o of [{ maxDepth: 4 }, {}, { ...collect, maxDepth: 2 }] as ExploreOptions[]) {
      expect(kept(explore(toy(arg), { ...o, ...SLEEP })), JSON.stringify(o)).toEqual(kept(explore(toy(arg), o)));
    }
  });
  it('without the option, or without the hooks, the search is today\'s (no asleep count)', () => {
    const plain = clockless(explore(toy({ n: 8, planted: true }), collect));
    expect(clockless(explore(toy({ n: 8, planted: true, por: 'sound' }), collect))).toEqual(plain);
    expect(clockless(explore(toy({ n: 8, planted: true }), { ...collect, ...SLEEP }))).toEqual(plain);
    expect(plain.stats.asleep).toBeUndefined();
  });
  it('a relation that lies loses what it hides: the step property\'s violation is not found', () => {
    const wrong = explore(toy({ ...arg, por: 'wrong' }), { ...collect, ...SLEEP });
    expect(wrong.violations.map((v) => v.propertyId)).not.toContain('keep-bit-0');
  });
});

describe('sleep sets in the chunked search: the one-core result whatever the threads and chunks', () => {
  const arg: ToyArg = { n: 9, planted: true, por: 'sound' };
  const options: ExploreOptions = { ...collect, ...SLEEP };
  it('this thread with chunks of 1, 7, 512; worker threads (2, 3) with chunks of 3 and 16', async () => {
    const one = clockless(explore(toy(arg), options));
    expect(one.stats.asleep).toBeGreaterThan(0);
    for (const chunkSize of [1, 7, 512]) expect(clockless(await exploreChunked(toy(arg), { ...options, chunkSize })), `chunks of ${chunkSize}`).toEqual(one);
    for (const [workers, chunkSize] of [[2, 3], [3, 16]] as const) {
      const by = new Set<number>();
      const r = await exploreChunked(toy(arg), { ...options, workers, source: sourceOf(arg), chunkSize, eagerWorkers: true, onChunk: (t) => by.add(t) });
      expect(clockless(r), `${workers} threads, chunks of ${chunkSize}`).toEqual(one);
      expect(by).toContain(1);
    }
  }, 120_000);
  it('stopped and resumed from checkpoints at every few chunks: the uninterrupted result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-por-'));
    const file = join(dir, 'search.ckpt');
    try {
      const whole = clockless(explore(toy(arg), options));
      let resume: string | undefined;
      let r: ExploreResult<unknown> | undefined;
      for (let round = 0; round < 100; round++) {
        let left = 3;
        r = await exploreChunked(toy(arg), {
          ...options, chunkSize: 5, checkpoint: { file, everySeconds: 3600 },
          shouldStop: () => (--left <= 0 ? 'signal' : undefined), ...(resume !== undefined ? { resume } : {}),
        });
        if (r.stoppedBy !== 'signal') break;
        resume = file;
      }
      expect(resume).toBeDefined();
      expect(clockless(r!)).toEqual(whole);
      // a checkpoint of the full search is not resumed by a sleep-set one
      let n = 2;
      await exploreChunked(toy(arg), { ...collect, chunkSize: 5, checkpoint: { file, everySeconds: 3600 }, shouldStop: () => (--n <= 0 ? 'signal' : undefined) });
      await expect(exploreChunked(toy(arg), { ...options, resume: file })).rejects.toThrow(/another search/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the independence checker', () => {
  it('passes the sound relation on every world, and names the pair a wrong one breaks', () => {
    const sound = checkIndependence(toy({ n: 5, planted: true, por: 'sound' }), 5);
    expect(sound.failures).toEqual([]);
    expect(sound.worlds).toBe(32);
    expect(sound.pairsChecked).toBeGreaterThan(100);
    const wrong = checkIndependence(toy({ n: 5, planted: true, por: 'wrong' }), 5);
    expect(wrong.failures.length).toBeGreaterThan(0);
    expect(wrong.failures[0]!.why).toMatch(/keep-bit-0 judges/);
    // every pair declared independent, including an action with itself's neighbour that does not commute
    const all = checkIndependence(toy({ n: 5, planted: true, por: 'sound' }), 5, () => true);
    expect(all.failures.some((f) => /not listed|differ|judges/.test(f.why))).toBe(true);
  });
});
