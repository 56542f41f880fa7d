// The progress line of a long run (cli/progress.ts): a live line rewritten in place on a terminal,
// plain lines in a log, the live line cleared before what follows.
import { describe, expect, test } from 'vitest';
import type { Progress } from '../../explorer/explore-api.js';
import { progressLine, progressPrinter } from '../../cli/progress.js';

const p = (seconds: number): Progress => ({ generated: 1234567, distinct: 1000, queue: 10, depth: 3, seconds, statesPerSecond: 200000 });

describe('progress line', () => {
  test('states, distinct, queue, rate, depth and elapsed time', () => {
    expect(progressLine(p(12))).toBe('12 s: 1,234,567 generated, 1,000 distinct, 10 queued, 200,000/s, depth 3');
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
});
