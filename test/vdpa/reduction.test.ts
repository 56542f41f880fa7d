// `--reduce canonical` (systems/vdpa/reduce.ts, explorer Model.canonical) against `--reduce none` on
// every row of the shipped matrix (cli/matrix-rows.ts): the same verdict and the same violations —
// invariant, cause key, class and shortest length — at a depth where both searches complete, with no
// more states. `any` rows at depth 4 here (the suite's budget); `npm run bench` compares them deeper
// (bench/reduction.ts, BENCHMARKS.md "Reductions"). And the comparison can fail: a reduction that
// forgets a field the invariants read is caught.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTarget } from '../../systems/registry.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import { runCheck, type CheckJson } from '../../cli/check.js';
import { matrixRows, rowSlug, type MatrixRow } from '../../cli/matrix-rows.js';
import type { InvariantId, ParentName, ReduceName } from '../../spec/config.js';
import type { CheckTarget } from '../../systems/target.js';
import type { World } from '../../spec/vdpa/world.js';
import { run, isOneLineError } from '../cli/helpers.js';
import { finished, verdictsOf } from './helpers.js';

const ANY_DEPTH = 4;

async function targetOf(r: MatrixRow, reduce: ReduceName): Promise<CheckTarget> {
  const bounds = r.userspace === 'any' ? { maxDepth: ANY_DEPTH, timeLimit: 1000 } : { timeLimit: 1000 };
  return buildTarget({ system: r.system, kernel: r.kernel, parent: r.parent, userspace: r.userspace, invariants: undefined, bounds, reduce });
}

/** What must not change: the verdict and every violation's invariant, cause, class and length. */
const verdicts = verdictsOf;

type VdpaConfig = Omit<Parameters<typeof buildVdpaTarget>[0], 'reduce'>;

/** Both searches of one vDPA configuration, complete, with the same verdicts; `fewer`: strictly fewer states. */
async function expectSameVerdicts(config: VdpaConfig, fewer: boolean): Promise<void> {
  const full = runCheck(await buildVdpaTarget({ ...config, reduce: 'none' })).json;
  const reduced = runCheck(await buildVdpaTarget({ ...config, reduce: 'canonical' })).json;
  expect(full.complete && reduced.complete).toBe(true);
  expect(verdicts(reduced)).toEqual(verdicts(full));
  if (fewer) expect(reduced.stats.distinctStates).toBeLessThan(full.stats.distinctStates);
  else expect(reduced.stats.distinctStates).toBeLessThanOrEqual(full.stats.distinctStates);
}

describe('--reduce canonical gives the verdicts and causes of --reduce none on every matrix row', () => {
  const rows = matrixRows();
  for (const r of rows) {
    it(`${rowSlug(r)}${r.userspace === 'any' ? ` (depth ${ANY_DEPTH})` : ''}`, async () => {
      const full = runCheck(await targetOf(r, 'none')).json;
      const reducedTarget = await targetOf(r, 'canonical');
      const reduced = runCheck(reducedTarget).json;
      expect(finished(full) && finished(reduced), 'both searches finish').toBe(true);
      expect(verdicts(reduced)).toEqual(verdicts(full));
      expect(reduced.stats.distinctStates).toBeLessThanOrEqual(full.stats.distinctStates);
      // what is reduced, by whom: vdpa shipped kernels only (a variant is user code; vfio declares nothing)
      const declares = r.system === 'vdpa' && !r.kernel.includes('/');
      expect(reducedTarget.model.canonical !== undefined).toBe(declares);
    }, 60_000);
  }

  it('6.12 mlx5 any one step deeper (depth 5): the same violations, fewer states', async () => {
    const config = { system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: { maxDepth: 5, timeLimit: 1000 } } as const;
    await expectSameVerdicts(config, true);
  }, 60_000);
});

// Fewer invariants checked, more fields dead (systems/vdpa/reduce.ts): SUSPEND and RESUME without
// errno-expectation, any offer without feature-negotiation (rfc-v2 accepts bits it does not offer: K1),
// the map-change record without dma-isolation and no-dma-window, the unpin observation without the
// two dma-isolation invariants
describe('--reduce canonical with some invariants checked', () => {
  const cases: [string, string, readonly InvariantId[]][] = [
    ['6.12', 'mlx5', ['kernel-device-agreement', 'dma-isolation', 'asid-routing', 'feature-negotiation']],
    ['6.12', 'mlx5', ['user-kernel-agreement', 'identity-after-detach', 'pin-accounting']],
    ['rfc-v2', 'vdpa_sim', ['feature-negotiation', 'kernel-device-agreement']],
    ['rfc-v2', 'vdpa_sim', ['errno-expectation', 'dma-isolation']],
    // the map-change record alive (no-dma-window), the unpin observation dead; and the other way round
    ['6.12', 'mlx5', ['no-dma-window', 'asid-routing']],
    ['6.12', 'vdpa_sim_dma', ['dma-isolation-strict']],
  ];
  for (const [kernel, parent, invariants] of cases) {
    it(`${kernel} ${parent} any depth 4, ${invariants.join(',')}: the violations of none, fewer states`, async () => {
      const config = { system: 'vdpa', kernel, parent: parent as ParentName, userspace: 'any', invariants, bounds: { maxDepth: 4, timeLimit: 1000 } } as const;
      await expectSameVerdicts(config, true);
    }, 60_000);
  }
  it('QEMU (6.12 vdpa_sim_dma, K4) without the map-change invariants: the violations of none, no more states', async () => {
    const config = { system: 'vdpa', kernel: '6.12', parent: 'vdpa_sim_dma', userspace: 'qemu', invariants: ['kernel-device-agreement', 'dma-isolation-strict'], bounds: { timeLimit: 1000 } } as const;
    await expectSameVerdicts(config, false);
  }, 60_000);
});

describe('the comparison fails for an unsound reduction', () => {
  // uBroke keeps the worlds of contract-keeping paths apart from the others (spec/vdpa/world.ts): merged,
  // a world is judged by the first path's cause only (the case of test/vdpa/contract-superset.test.ts)
  it('forgetting whether the trace broke the strict contract (uBroke) changes the violations of 6.12 mlx5 any at depth 5', async () => {
    const config = { system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: { maxDepth: 5, timeLimit: 1000 } } as const;
    const full = runCheck(await buildVdpaTarget(config)).json;
    const t = await buildVdpaTarget(config);
    const forget = (w: World): World => (w.uBroke ? { ...w, uBroke: false } : w);
    const unsound = runCheck({ ...t, model: { ...t.model, canonical: forget as (s: unknown) => unknown } }).json;
    expect(unsound.stats.distinctStates).toBeLessThan(full.stats.distinctStates);
    expect(verdicts(unsound)).not.toEqual(verdicts(full));
  }, 60_000);
});

describe('vdpa-mc check --reduce', () => {
  it('a reduced search writes traces that replay (trace replay: the same violation)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-reduce-'));
    try {
      const c = await run(['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--max-depth', '4', '--reduce', 'canonical', '--traces-per-invariant', '1', '--out', dir]);
      expect(c.code).toBe(12);
      const itfs = readdirSync(dir).filter((f) => f.endsWith('.itf.json'));
      expect(itfs.length).toBeGreaterThan(0);
      for (const f of itfs) {
        const r = await run(['trace', 'replay', join(dir, f)]);
        expect(r.stdout).toMatch(/same outcome and world at every step/);
        expect(r.code).toBe(12);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('two worker threads give the one-core reduced result (counts, traces, causes)', async () => {
    const args = ['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--max-depth', '4', '--reduce', 'canonical', '--json'];
    const timeless = (out: string): unknown => {
      const j = JSON.parse(out) as CheckJson;
      return { ...j, stats: { ...j.stats, seconds: 0, statesPerSecond: 0 } };
    };
    const one = await run(args);
    const two = await run([...args, '--workers', '2']);
    expect(one.code).toBe(12);
    expect(timeless(two.stdout)).toEqual(timeless(one.stdout));
  }, 60_000);

  it('refuses an unknown reduction in one line, exit 2 (check and matrix)', async () => {
    for (const cmd of ['check', 'matrix']) {
      const r = await run([cmd, '--reduce', 'symmetric']);
      expect(r.code).toBe(2);
      expect(isOneLineError(r)).toBe(true);
      expect(r.stderr).toMatch(/--reduce "symmetric" is not a reduction \(accepted: none, canonical\)/);
    }
  });
});
