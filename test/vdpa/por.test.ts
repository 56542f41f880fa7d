// `--por sleep` (explorer/sleep.ts with systems/vdpa/independence.ts) against `--por none` on every
// row of the shipped matrix (cli/matrix-rows.ts): the same distinct worlds, verdict and violations —
// invariant, cause key, class and shortest length — at a depth where both complete (`any` rows at
// depth 4 here; `npm run bench por` goes deeper), and fewer transitions where `any` declares
// independence. The comparison can fail: test/explorer/sleep.test.ts shows a lying relation losing a
// violation, and test/vdpa/independence.test.ts the checker catching one.
import { describe, expect, it } from 'vitest';
import { buildTarget } from '../../systems/registry.js';
import { runCheck, type CheckJson } from '../../cli/check.js';
import { matrixRows, rowSlug, type MatrixRow } from '../../cli/matrix-rows.js';
import type { PorName } from '../../spec/config.js';
import type { CheckTarget } from '../../systems/target.js';
import { run } from '../cli/helpers.js';
import { finished, verdictsOf } from './helpers.js';

const ANY_DEPTH = 4;

async function targetOf(r: MatrixRow, por: PorName, depth = ANY_DEPTH): Promise<CheckTarget> {
  const bounds = r.userspace === 'any' ? { maxDepth: depth, timeLimit: 1000 } : { timeLimit: 1000 };
  return buildTarget({ system: r.system, kernel: r.kernel, parent: r.parent, userspace: r.userspace, invariants: undefined, bounds, por });
}

/** What must not change: the worlds, the verdict and every violation's invariant, cause, class and length. */
const kept = (j: CheckJson): { states: number; verdict: string; violations: string[] } => ({ states: j.stats.distinctStates, ...verdictsOf(j) });

describe('--por sleep gives the worlds, verdicts and causes of --por none on every matrix row', () => {
  for (const r of matrixRows()) {
    it(`${rowSlug(r)}${r.userspace === 'any' ? ` (depth ${ANY_DEPTH})` : ''}`, async () => {
      const full = runCheck(await targetOf(r, 'none')).json;
      const sleepTarget = await targetOf(r, 'sleep');
      const por = runCheck(sleepTarget).json;
      expect(finished(full) && finished(por), 'both searches finish').toBe(true);
      expect(kept(por)).toEqual(kept(full));
      // who declares independence: vdpa `any` on shipped kernels (a variant is user code); the others search as with none
      const declares = r.system === 'vdpa' && r.userspace === 'any' && !r.kernel.includes('/');
      expect(sleepTarget.model.independent !== undefined).toBe(declares);
      if (declares) {
        expect(por.stats.asleep).toBeGreaterThan(0);
        expect(por.stats.transitions + por.stats.asleep!).toBe(full.stats.transitions);
      } else {
        expect(por.stats.asleep).toBeUndefined();
        expect(por.stats.transitions).toBe(full.stats.transitions);
      }
    }, 120_000);
  }
});

describe('vdpa-mc check --por', () => {
  const args = ['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--max-depth', '4', '--json'];
  const timeless = (out: string): unknown => {
    const j = JSON.parse(out) as CheckJson;
    return { ...j, stats: { ...j.stats, seconds: 0, statesPerSecond: 0 } };
  };
  it('counts the asleep transitions in the JSON stats; two worker threads give the one-core result', async () => {
    const one = await run([...args, '--por', 'sleep']);
    expect(one.code).toBe(12);
    const j = JSON.parse(one.stdout) as CheckJson;
    expect(j.stats.asleep).toBeGreaterThan(0);
    const two = await run([...args, '--por', 'sleep', '--workers', '2']);
    expect(timeless(two.stdout)).toEqual(timeless(one.stdout));
    const none = JSON.parse((await run([...args, '--por', 'none'])).stdout) as CheckJson;
    expect(none.stats.asleep).toBeUndefined();
    expect(none.stats.transitions).toBe(j.stats.transitions + j.stats.asleep!);
  }, 120_000);
  it('the text report says how many were asleep, and only with --por sleep', async () => {
    const text = ['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--max-depth', '3'];
    expect((await run([...text, '--por', 'sleep'])).stdout).toMatch(/transitions \([\d,]+ more asleep: --por sleep\)/);
    expect((await run(text)).stdout).not.toMatch(/asleep/);
  }, 60_000);
  it('a bad value is a one-line error, exit 2', async () => {
    const r = await run([...args, '--por', 'dpor']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--por/);
  });
});
