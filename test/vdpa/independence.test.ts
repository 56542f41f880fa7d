// The vDPA independence (systems/vdpa/independence.ts) keeps Model.independent's contract on every
// world reachable within a depth, on several configurations: both orders of two independent actions
// reach the same store key, each stays listed after the other, and each step property's call part
// judges each the same before and after the other (explorer/independence-check.ts). And the checker
// catches relations that lie, so the passing runs are not vacuous.
import { describe, expect, it } from 'vitest';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import { checkIndependence } from '../../explorer/independence-check.js';
import type { Model } from '../../explorer/model.js';
import type { ContractName, ParentName } from '../../spec/config.js';
import type { Action } from '../../spec/vdpa/actions.js';
import type { World } from '../../spec/vdpa/world.js';

async function anyModel(kernel: string, parent: ParentName, reduce: 'none' | 'canonical' = 'none', contract: ContractName = 'none'): Promise<Model<World, Action>> {
  const t = await buildVdpaTarget({ system: 'vdpa', kernel, parent, userspace: 'any', invariants: undefined, bounds: { maxDepth: 4, timeLimit: 1000 }, reduce, contract });
  return t.model as unknown as Model<World, Action>;
}

describe('the vDPA independence keeps the contract on every reachable world', () => {
  const configs: [string, ParentName, number, 'none' | 'canonical', ContractName?][] = [
    ['6.12', 'mlx5', 4, 'none'],
    ['6.12', 'mlx5', 4, 'canonical'],
    ['6.1', 'mlx5', 5, 'none'],
    ['6.12', 'vdpa_sim', 4, 'none'],
    ['6.12', 'vdpa_sim_va', 3, 'none'],
    ['6.12', 'platform', 4, 'none'],
    // the contract's clauses decide what is listed (IOTLB_BATCH for qemu-like's messages-in-batch)
    ['6.12', 'mlx5', 4, 'none', 'qemu-like'],
  ];
  for (const [kernel, parent, depth, reduce, contract] of configs) {
    it(`${kernel} ${parent} any, --reduce ${reduce}${contract !== undefined ? `, --contract ${contract}` : ''}, depth ${depth}`, async () => {
      const r = checkIndependence(await anyModel(kernel, parent, reduce, contract), depth);
      expect(r.failures).toEqual([]);
      expect(r.pairsChecked).toBeGreaterThan(1000);
    }, 120_000);
  }
  it('errno-expectation\'s target part, the part the contract leaves out, holds in the initial world', async () => {
    const m = await anyModel('6.12', 'mlx5');
    const errno = m.properties().find((p) => p.id === 'errno-expectation')!;
    expect(errno.kind === 'step' && errno.callPart !== undefined).toBe(true);
    const [init] = m.init();
    const other = { ...init! };
    // a step into the initial world whose call part has nothing to say (the environment arms a fault)
    if (errno.kind === 'step') expect(errno.check(other, { t: 'parentFault' }, init!)).toBeUndefined();
  });
});

describe('the checker catches relations that lie', () => {
  it('a kernel variant (user code) declares no independence', async () => {
    const t = await buildVdpaTarget({ system: 'vdpa', kernel: 'examples/variants/k3-no-reset-map-no-compat-reset.ts', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: { maxDepth: 2, timeLimit: 1000 } });
    expect(t.model.independent).toBeUndefined();
    expect((await anyModel('6.12', 'mlx5')).independent).toBeDefined();
  });
  it('every two different actions independent: broken pairs on 6.12 mlx5 at depth 3', async () => {
    const m = await anyModel('6.12', 'mlx5');
    const r = checkIndependence(m, 3, (a, b) => a !== b);
    expect(r.failures.length).toBeGreaterThan(0);
  }, 60_000);
  it('one wrong pair: SET_BACKEND_FEATURES with a BATCH_BEGIN naming ASID 1 (where it lands reads IOTLB_ASID)', async () => {
    const m = await anyModel('6.12', 'mlx5');
    const ind = m.independent!;
    const wrong = (a: Action, b: Action): boolean => {
      const pair = (x: Action, y: Action): boolean => x.t === 'setBackendFeatures' && y.t === 'iotlbBatchBegin' && y.asid === 1;
      return pair(a, b) || pair(b, a) || ind(a, b);
    };
    const r = checkIndependence(m, 4, wrong);
    expect(r.failures.length).toBeGreaterThan(0);
    expect(r.failures.every((f) => /VHOST_SET_BACKEND_FEATURES/.test(f.a + f.b) && /BATCH_BEGIN asid=1/.test(f.a + f.b))).toBe(true);
  }, 60_000);
  it('one wrong pair only a deeper world shows: SET_BACKEND_FEATURES with an INVALIDATE that unpins a munmapped page the device uses (6.1 mlx5, depth 5; the next step clears the observation)', async () => {
    const m = await anyModel('6.1', 'mlx5');
    const ind = m.independent!;
    const hits = (x: Action, y: Action): boolean => x.t === 'setBackendFeatures' && y.t === 'iotlbInvalidate' && y.asid === 0;
    const r = checkIndependence(m, 5, (a, b) => hits(a, b) || hits(b, a) || ind(a, b));
    expect(r.failures.length).toBeGreaterThan(0);
    expect(r.failures.every((f) => f.why === 's·a·b and s·b·a differ' && f.depth === 5)).toBe(true);
  }, 60_000);
  it('one wrong pair: munmap of h0 with an UPDATE of h0,h1 (the UPDATE pins h0)', async () => {
    const m = await anyModel('6.12', 'mlx5');
    const ind = m.independent!;
    const hits = (x: Action, y: Action): boolean => x.t === 'userFree' && x.host === 0 && y.t === 'iotlbUpdate' && y.host === 0 && y.asid === 0;
    const r = checkIndependence(m, 4, (a, b) => hits(a, b) || hits(b, a) || ind(a, b));
    expect(r.failures.length).toBeGreaterThan(0);
  }, 60_000);
});
