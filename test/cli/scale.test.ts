// The deep-search options of `check` on the vDPA model (issue 16): worker threads, shards merged,
// and a checkpointed run killed at random points and resumed. Small depths: the large runs are
// `npm run bench`'s.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../explorer/random.js';
import type { CheckJson } from '../../cli/check.js';
import { isOneLineError, run } from './helpers.js';
import { explore } from '../../explorer/bfs.js';
import { exploreChunked } from '../../explorer/chunked.js';
import type { ExploreResult } from '../../explorer/explore-api.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import { prepareCheck } from '../../cli/check.js';
import type { Config } from '../../spec/config.js';
import { availableParallelism } from 'node:os';
import { parseScale, withDefaultWorkers } from '../../cli/scale-options.js';
import { parseArgs } from '../../cli/args.js';
import { COMMAND_OPTIONS } from '../../cli/options.js';

const CONFIG = ['--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any'];
/** What must not depend on workers, shards or interruptions: everything but the clock. */
const timeless = (j: CheckJson): unknown => ({ ...j, stats: { ...j.stats, seconds: 0, statesPerSecond: 0 } });
/** Verdict-level view: each (invariant, cause) with its length and class. */
const causes = (j: CheckJson): string[] =>
  j.violations.map((v) => `${v.invariant} | ${v.cause?.key ?? ''} | ${v.length} | ${v.class ?? ''}`).sort();

describe('check --workers', () => {
  it('two worker threads give the same JSON result as one core (counts, traces, causes)', async () => {
    const one = await run(['check', ...CONFIG, '--max-depth', '5', '--workers', '1', '--json']);
    const two = await run(['check', ...CONFIG, '--max-depth', '5', '--workers', '2', '--json']);
    expect(one.code).toBe(12);
    expect(two.code).toBe(12);
    expect(timeless(JSON.parse(two.stdout) as CheckJson)).toEqual(timeless(JSON.parse(one.stdout) as CheckJson));
  });
  it('the default is the cores (design.md), for the registry\'s targets on the real engine only; a given count and swarm are kept', () => {
    const scaleOf = (argv: string[]) => parseScale('vdpa-mc check', parseArgs(argv, COMMAND_OPTIONS.check, 'vdpa-mc check'));
    const cores = availableParallelism();
    expect(withDefaultWorkers(undefined, true)?.workers ?? 1).toBe(cores);
    expect(withDefaultWorkers(scaleOf(['--checkpoint', join(tmpdir(), 'x.ckpt')]), true)?.workers).toBe(cores);
    expect(withDefaultWorkers(undefined, false)).toBeUndefined(); // an injected engine or target: one thread
    expect(withDefaultWorkers(scaleOf(['--workers', '1']), true)?.workers).toBe(1);
    expect(withDefaultWorkers(scaleOf(['--workers', '3']), false)?.workers).toBe(3);
    expect(withDefaultWorkers(scaleOf(['--strategy', 'random']), true)?.workers).toBe(1);
  });
  it('without --workers: the JSON result of --workers 1', async () => {
    const one = await run(['check', ...CONFIG, '--max-depth', '5', '--workers', '1', '--json']);
    const dflt = await run(['check', ...CONFIG, '--max-depth', '5', '--json']);
    expect(dflt.code).toBe(one.code);
    expect(timeless(JSON.parse(dflt.stdout) as CheckJson)).toEqual(timeless(JSON.parse(one.stdout) as CheckJson));
  });
  it('refuses a bad worker count in one line', async () => {
    const r = await run(['check', '--workers', '0']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
  });
});

describe('the chunked search on the vDPA model', () => {
  it('2 threads in chunks of 64, 3 in chunks of 128: the counts, causes and traces of the one-core search, the worker threads taking part', async () => {
    const config: Config = { system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: { maxDepth: 5 } };
    const target = await buildVdpaTarget(config);
    const clockless = (r: ExploreResult<unknown>): unknown => ({ ...r, stats: { ...r.stats, seconds: 0, statesPerSecond: 0, distinctPerSecond: 0 } });
    const one = clockless(explore(target.model, prepareCheck(target).exploreOptions));
    const source = { module: new URL('../../cli/scale.ts', import.meta.url).href, export: 'workerModel', arg: config };
    for (const [workers, chunkSize] of [[2, 64], [3, 128]] as const) {
      const by = new Set<number>();
      // a fresh PreparedCheck each time: its distinct keys remember what they saw
      const r = await exploreChunked(target.model, { ...prepareCheck(target).exploreOptions, workers, chunkSize, source, eagerWorkers: true, onChunk: (t) => by.add(t) });
      expect(clockless(r), `${workers} threads, chunks of ${chunkSize}`).toEqual(one);
      for (let t = 1; t < workers; t++) expect(by, `${workers} threads, chunks of ${chunkSize}`).toContain(t);
    }
  }, 240_000);
});

describe('check --shard I/N and merge', () => {
  it('four shards merged: the verdict, every cause of the single run at its length and class', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-shards-'));
    try {
      const single = JSON.parse((await run(['check', ...CONFIG, '--max-depth', '5', '--json'])).stdout) as CheckJson;
      const files: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await run(['check', ...CONFIG, '--max-depth', '5', '--shard', `${i}/4`, '--shard-depth', '2', '--json']);
        expect(r.code).toBe(12);
        files.push(join(dir, `shard-${i}.json`));
        writeFileSync(files[i]!, r.stdout);
      }
      const m = await run(['merge', ...files, '--json']);
      expect(m.code).toBe(12);
      const merged = JSON.parse(m.stdout) as CheckJson;
      expect(merged.verdict).toBe(single.verdict);
      expect(merged.complete).toBe(true);
      // The shortest violation of each invariant has the same length.
      const shortest = (j: CheckJson): Record<string, number> =>
        Object.fromEntries([...new Set(j.violations.map((v) => v.invariant))].map((id) => [id, Math.min(...j.violations.filter((v) => v.invariant === id).map((v) => v.length))]));
      expect(shortest(merged)).toEqual(shortest(single));
      // Every cause the single run keys is found, at the same length: a world below the split depth
      // may be reached first by another path in its shard, so a shard can key a cause the single run's
      // first paths never show (merged ⊇ single).
      const mc = new Set(causes(merged));
      for (const c of causes(single)) expect(mc, c).toContain(c);
      const missing = await run(['merge', ...files.slice(1)]);
      expect(missing.code).toBe(2);
      expect(isOneLineError(missing)).toBe(true);
      expect(missing.stderr).toContain('0/4');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = resolve(ROOT, 'dist/cli/main.js');

/** Spawns the binary; kills it with `signal` after `ms` (if still running). */
function spawnBin(args: string[], killAfter?: { ms: number; signal: NodeJS.Signals }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 120_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      done({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      void err;
    });
    if (killAfter !== undefined) setTimeout(() => child.kill(killAfter.signal), killAfter.ms);
  });
}

describe('check --checkpoint / --resume (the binary)', () => {
  it('killed at random points (SIGKILL, SIGTERM) and resumed, it ends with the counts and traces of one uninterrupted run', async () => {
    const seed = Date.now() >>> 0;
    console.log(`checkpoint kill test seed ${seed}`);
    const rand = mulberry32(seed);
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-ckpt-'));
    const file = join(dir, 'run.ckpt');
    const args = [...CONFIG, '--max-depth', '6', '--json'];
    try {
      const whole = await spawnBin(['check', ...args]);
      expect(whole.code).toBe(12);
      let last: Awaited<ReturnType<typeof spawnBin>> | undefined;
      let kills = 0;
      let terms = 0;
      for (let round = 0; round < 30; round++) {
        const resume = existsSync(file) ? ['--resume', file] : [];
        const signal: NodeJS.Signals = round % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
        const r = await spawnBin(['check', ...args, '--checkpoint', file, '--checkpoint-every', '0.1', ...resume], round < 6 ? { ms: 400 + (rand() % 1500), signal } : undefined);
        // killed outright (SIGKILL, or SIGTERM before the search installed its handler)
        if (r.signal !== null) kills++;
        else if (r.code === 143) {
          terms++;
          expect(existsSync(file)).toBe(true);
          expect(r.stderr).toContain('--resume');
        } else {
          last = r;
          break;
        }
      }
      expect(last?.code).toBe(12);
      expect(timeless(JSON.parse(last!.stdout) as CheckJson)).toEqual(timeless(JSON.parse(whole.stdout) as CheckJson));
      console.log(`checkpoint kill test: ${kills} SIGKILL, ${terms} SIGTERM before the run ended`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('check --frontier-memory, --frontier-dir', () => {
  it('a queue spilled to disk at a zero budget: the same JSON result, and the files are gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-frontier-cli-'));
    try {
      const spillDir = join(dir, 'not-yet'); // created only when a segment is written
      const one = await run(['check', ...CONFIG, '--max-depth', '5', '--workers', '1', '--json']);
      const spilled = await run(['check', ...CONFIG, '--max-depth', '5', '--workers', '1', '--frontier-memory', '0', '--frontier-dir', spillDir, '--json']);
      expect(spilled.code).toBe(one.code);
      expect(timeless(JSON.parse(spilled.stdout) as CheckJson)).toEqual(timeless(JSON.parse(one.stdout) as CheckJson));
      expect(existsSync(spillDir)).toBe(true);
      expect(readdirSync(spillDir)).toEqual([]);
      const two = await run(['check', ...CONFIG, '--max-depth', '5', '--workers', '2', '--frontier-memory', '0', '--frontier-dir', spillDir, '--json']);
      expect(timeless(JSON.parse(two.stdout) as CheckJson)).toEqual(timeless(JSON.parse(one.stdout) as CheckJson));
      expect(readdirSync(spillDir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('the binary stopped by SIGTERM while its queue is on disk: exit 143, incomplete, no file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-frontier-sig-'));
    try {
      let seen = 0;
      const poll = setInterval(() => {
        for (const d of readdirSync(dir)) seen = Math.max(seen, readdirSync(join(dir, d)).length);
      }, 50);
      const r = await spawnBin(['check', ...CONFIG, '--max-depth', '9', '--workers', '1', '--frontier-memory', '0', '--frontier-dir', dir, '--json'], { ms: 8000, signal: 'SIGTERM' });
      clearInterval(poll);
      expect(r.code).toBe(143);
      expect((JSON.parse(r.stdout) as CheckJson).stoppedBy).toBe('signal');
      expect(seen).toBeGreaterThan(0); // segments were on disk while it ran
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('refuses a bad size, a directory that cannot be made, and a directory without a budget, in one line', async () => {
    for (const argv of [
      ['--frontier-memory', 'lots'],
      ['--frontier-memory', '1M', '--frontier-dir', '/proc/self/nope'],
      ['--frontier-dir', tmpdir()],
    ]) {
      const r = await run(['check', ...CONFIG, ...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(isOneLineError(r)).toBe(true);
    }
  });
});
