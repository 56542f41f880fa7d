// The progress line of a long run (cli/progress.ts): a live line rewritten in place on a terminal,
// plain lines in a log, the live line cleared before what follows.
import { describe, expect, test } from 'vitest';
import type { Progress } from '../../explorer/explore-api.js';
import { progressLine, progressPrinter } from '../../cli/progress.js';
import { explore } from '../../explorer/bfs.js';
import type { ExploreFn } from '../../cli/check.js';
import { run } from './helpers.js';

const p = (seconds: number): Progress => ({ generated: 1234567, distinct: 1000, queue: 10, depth: 3, seconds, statesPerSecond: 200000, violations: {} });

describe('progress line', () => {
  test('states, distinct, queue, rate, depth and elapsed time', () => {
    expect(progressLine(p(12))).toBe('12 s: 1,234,567 generated, 1,000 distinct, 10 queued, 200,000/s, depth 3; no violation yet');
    expect(progressLine({ ...p(2), violations: { 'dma-isolation': 2, 'pin-accounting': 1 } })).toMatch(/depth 3; violated: dma-isolation 2, pin-accounting 1$/);
  });

  test('on a terminal: one live line, rewritten, cleared by done()', () => {
    const out: string[] = [];
    const r = progressPrinter({ write: (s) => out.push(s), isTTY: true });
    r.onProgress(p(1));
    r.onProgress(p(2));
    r.done();
    expect(out.every((s) => s.startsWith('\r\u001b[2K'))).toBe(true);
    expect(out).toHaveLength(3);
    expect(out[2]).toBe('\r\u001b[2K');
  });

  test('in a log: plain lines, nothing to clear', () => {
    const out: string[] = [];
    const r = progressPrinter({ write: (s) => out.push(s), isTTY: false });
    r.onProgress(p(1));
    r.done();
    expect(out).toEqual([`progress: ${progressLine(p(1))}\n`]);
  });

  test('a header is written once, before the first line, and not at all without a report', () => {
    const out: string[] = [];
    const r = progressPrinter({ write: (s) => out.push(s), isTTY: false }, 'head');
    r.done();
    expect(out).toEqual([]);
    r.onProgress(p(1));
    r.search('base')(p(2));
    expect(out).toEqual(['head\n', `progress: ${progressLine(p(1))}\n`, `progress: base: ${progressLine(p(2))}\n`]);
  });
});

describe('long runs on the command line', () => {
  // An engine that reports one progress (as a search longer than a second does), then searches.
  const reporting: ExploreFn = (model, options) => {
    options.onProgress?.({ generated: 10, distinct: 5, queue: 2, depth: 1, seconds: 1, statesPerSecond: 10, violations: { 'feature-negotiation': 1 } });
    return explore(model, options);
  };

  test('check: the configuration header and bounds first, then the progress line with violations so far', async () => {
    const r = await run(['check', '--kernel', 'rfc-v2', '--parent', 'vdpa_sim', '--userspace', 'any', '--max-depth', '2', '--invariants', 'feature-negotiation'], { explore: reporting, watchSignals: false });
    expect(r.code).toBe(12);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^vdpa-mc \S+ check$/);
    expect(lines[1]).toBe('configuration  system vdpa · kernel rfc-v2 · parent vdpa_sim · userspace any');
    expect(lines[2]).toBe('bounds         max depth 2 · max states 3,000,000 · time limit 60 s');
    expect(lines[4]).toBe('progress: 1 s: 10 generated, 5 distinct, 2 queued, 10/s, depth 1; violated: feature-negotiation 1');
  });

  test('check --json: no progress, nothing on stderr', async () => {
    const r = await run(['check', '--kernel', 'rfc-v2', '--parent', 'vdpa_sim', '--userspace', 'any', '--max-depth', '2', '--json'], { explore: reporting, watchSignals: false });
    expect(r.stderr).toBe('');
  });

  test('compare: a header with both kernels and the bounds, then progress named by search', async () => {
    const r = await run(['compare', '--base', 'rfc-v2', '--patched', 'rfc-v3', '--parent', 'vdpa_sim', '--userspace', 'any', '--max-depth', '2'], { explore: reporting, watchSignals: false });
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^vdpa-mc \S+ compare$/);
    expect(lines[1]).toBe('base      kernel rfc-v2');
    expect(lines[2]).toBe('patched   kernel rfc-v3');
    expect(lines.find((l) => l.startsWith('bounds'))).toContain('max depth 2');
    const searches = lines.filter((l) => l.startsWith('progress: ')).map((l) => l.split(':')[1]!.trim());
    expect(searches).toEqual(['base', 'patched', 'behaviour']);
  });
});
