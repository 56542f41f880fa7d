// The subtle kernel rules, one call at a time, on the model's reducers (auto-freeze on: a reducer
// that mutates its input throws here).
import { beforeAll, describe, expect, test } from 'vitest';
import { setAutoFreeze } from '../../model/immer.js';
import type { Action } from '../../spec/vdpa/actions.js';
import { bit, IDENTITY, NP } from '../../spec/vdpa/constants.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import { buildVdpaModel, type VdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { checkBackendFeatures } from '../../spec/vdpa/transitions.js';
import type { World } from '../../spec/vdpa/world.js';
import { anyUserspace } from '../../model/userspace-any.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import type { ParentName } from '../../spec/config.js';

beforeAll(() => setAutoFreeze(true));

function model(kernel: string, parent: ParentName): VdpaModel {
  const k = VDPA_KERNEL_TABLE[kernel]!;
  return buildVdpaModel({ kernel: k, ops: makeParent(parent, k) }, anyUserspace(), VDPA_INVARIANTS);
}

/** Applies actions in order; returns the worlds and what each caller saw. */
function run(m: VdpaModel, actions: readonly Action[]): { worlds: World[]; rets: string[] } {
  let w = m.init()[0]!;
  const worlds = [w];
  const rets: string[] = [];
  for (const a of actions) {
    const o = m.outcome(w, a);
    rets.push(o.reason === undefined ? o.ret : `${o.ret} (${o.reason})`);
    w = m.next(w, a) ?? w;
    worlds.push(w);
  }
  return { worlds, rets };
}

const open: Action = { t: 'open' };
const owner: Action = { t: 'setOwner' };
const U = (asid: number, page: number, npages: number, host: number): Action => ({ t: 'iotlbUpdate', asid, page, npages, host });
const I = (asid: number, page: number, npages: number): Action => ({ t: 'iotlbInvalidate', asid, page, npages });
const last = (r: { worlds: World[] }): World => r.worlds[r.worlds.length - 1]!;
/** The parent's translation of ASID a, page by page (mlx5 keeps it in MR objects, the others in devMap). */
const asidPages = (m: VdpaModel, w: World, a: number): number[] => [0, 1, 2, 3].map((p) => m.ctx.ops.asidMap(w, a, p));

describe('vhost_vdpa_process_iotlb_msg', () => {
  test('INVALIDATE removes whole entries: [0x0,0x1000) drops the contiguous entry [0x0,0x2000)', () => {
    const r = run(model('6.12', 'mlx5'), [open, owner, U(0, 0, 2, 0), I(0, 0, 1)]);
    expect(last(r).vHost.slice(0, NP)).toEqual([-1, -1, -1, -1]);
    expect(last(r).pinned).toEqual([0, 0, 0, 0]);
  });
  test('non-contiguous host pages become one entry each, and a partial INVALIDATE keeps the other', () => {
    const r = run(model('6.12', 'mlx5'), [open, owner, U(0, 2, 2, 2), I(0, 2, 1)]);
    expect(last(r).vStart.slice(0, NP)).toEqual([-1, -1, -1, 3]);
  });
  test('EEXIST on overlap reaches userspace as -EFAULT, including an entry pending in a batch', () => {
    const r = run(model('6.12', 'mlx5'), [open, owner, { t: 'iotlbBatchBegin', asid: 0 }, U(0, 0, 2, 0), U(0, 0, 1, 2)]);
    expect(r.rets[4]).toMatch(/^-EFAULT \(-EEXIST/);
  });
  test('a batch defers set_map to BATCH_END on a set_map parent, not on a dma_map parent', () => {
    const steps: Action[] = [open, owner, { t: 'iotlbBatchBegin', asid: 0 }, U(0, 0, 1, 2)];
    const sim = run(model('6.12', 'vdpa_sim'), [...steps, { t: 'iotlbBatchEnd', asid: 0 }]);
    expect(sim.worlds[4]!.devMap[0]).toBe(IDENTITY); // still passthrough inside the batch
    expect(last(sim).devMap[0]).toBe(2);
    const dma = run(model('6.12', 'vdpa_sim_dma'), steps);
    expect(last(dma).devMap[0]).toBe(2); // dma_map applied at once
  });
  test('without IOTLB_ASID acked the ASID field is ignored: the map lands in ASID 0', () => {
    const r = run(model('6.12', 'mlx5'), [open, owner, U(1, 0, 1, 2)]);
    expect(last(r).vHost[0]).toBe(2);
    expect(last(r).vHost[NP]).toBe(-1);
  });
  test('a message for another ASID while a batch is open fails, but an UPDATE has created its AS first', () => {
    const m = model('6.12', 'mlx5');
    const asid = bit('IOTLB_MSG_V2') | bit('IOTLB_BATCH') | bit('IOTLB_ASID');
    const r = run(m, [open, owner, { t: 'setBackendFeatures', features: asid }, { t: 'iotlbBatchBegin', asid: 0 }, U(1, 0, 1, 2)]);
    expect(r.rets[4]).toMatch(/-EINVAL: batch open/);
    expect(last(r).asExists & 2).toBe(2);
  });
});

describe('errors from the parent', () => {
  const fault: Action = { t: 'parentFault' };
  test('BATCH_END ignores a failing set_map: vhost holds the new map, mlx5 (6.12) keeps the old MR, vdpa_sim an empty table', () => {
    const steps: Action[] = [open, owner, { t: 'iotlbBatchBegin', asid: 0 }, U(0, 0, 1, 2), fault, { t: 'iotlbBatchEnd', asid: 0 }];
    const mm = model('6.12', 'mlx5');
    const m = run(mm, steps);
    expect(m.rets[5]).toBe('0'); // the error never reaches userspace
    expect(last(m).vHost[0]).toBe(2);
    expect(asidPages(mm, last(m), 0)[0]).toBe(IDENTITY); // the DMA MR it had before
    const s = run(model('6.12', 'vdpa_sim'), steps);
    expect(last(s).devMap.slice(0, NP)).toEqual([-1, -1, -1, -1]);
  });
  test('a failing dma_map unwinds: entry deleted, pages unpinned, -EFAULT to userspace', () => {
    const r = run(model('6.12', 'vdpa_sim_dma'), [open, owner, fault, U(0, 2, 2, 2)]);
    expect(r.rets[3]).toMatch(/^-EFAULT \(-ENOMEM/);
    expect(last(r).vHost.slice(0, NP)).toEqual([-1, -1, -1, -1]);
    expect(last(r).pinned).toEqual([0, 0, 0, 0]);
    expect(last(r).faultIn).toBe(0);
  });
  // drivers/vdpa/mlx5/net/mlx5_vnet.c (6.1.192) mlx5_vdpa_change_map:2400-2432: teardown_driver and
  // mlx5_vdpa_destroy_mr_asid before mlx5_vdpa_create_mr fails; vhost's unwind then re-pushes the (now
  // empty) iotlb, which the uninitialized MR takes through the create path (mr.c:613-630): an MR mapping
  // nothing, and no VQs.
  test('v6.1 mlx5 change_map failing leaves no VQs, and the unwind\'s set_map an MR mapping nothing', () => {
    const m = model('6.1', 'mlx5');
    const r = run(m, [open, owner, { t: 'setStatus', status: 0xf }, fault, U(0, 0, 1, 2)]);
    expect(r.rets[4]).toMatch(/^-EFAULT/);
    expect(r.worlds[3]!.vqState).toBe(2);
    expect(last(r).vqState).toBe(0);
    expect(asidPages(m, last(r), 0)).toEqual([-1, -1, -1, -1]);
    expect(last(r).mrInit).toBe(true);
  });
});

describe('reset', () => {
  test('in_batch survives SET_STATUS(0) and is cleared by close', () => {
    const r = run(model('6.12', 'mlx5'), [open, owner, { t: 'iotlbBatchBegin', asid: 0 }, { t: 'setStatus', status: 0 }]);
    expect(last(r).inBatch).toBe(true);
    const c = run(model('6.12', 'mlx5'), [open, owner, { t: 'iotlbBatchBegin', asid: 0 }, { t: 'close' }]);
    expect(last(c).inBatch).toBe(false);
  });
  test('compat_reset cleans maps iff IOTLB_PERSIST was not acked (6.7+); 6.6 .reset always drops them', () => {
    const persist: Action = { t: 'setBackendFeatures', features: bit('IOTLB_MSG_V2') | bit('IOTLB_BATCH') | bit('IOTLB_PERSIST') };
    const base = [open, owner, U(0, 0, 1, 2)];
    const reset: Action = { t: 'setStatus', status: 0 };
    const m67 = model('6.7', 'mlx5');
    const m66 = model('6.6', 'mlx5');
    expect(asidPages(m67, last(run(m67, [...base, reset])), 0)[0]).toBe(IDENTITY);
    expect(asidPages(m67, last(run(m67, [open, owner, persist, U(0, 0, 1, 2), reset])), 0)[0]).toBe(2);
    expect(asidPages(m66, last(run(m66, [...base, reset])), 0)[0]).toBe(IDENTITY);
    // vhost-vdpa's own iotlb is never touched by a reset
    expect(last(run(model('6.6', 'mlx5'), [...base, reset])).vHost[0]).toBe(2);
  });
  test('release calls reset_map for every AS (6.7+): mlx5 ASID 0 is back on the DMA MR', () => {
    const persist: Action = { t: 'setBackendFeatures', features: bit('IOTLB_PERSIST') };
    const m = model('6.12', 'mlx5');
    const r = run(m, [open, owner, persist, U(0, 0, 1, 2), { t: 'close' }]);
    expect(asidPages(m, last(r), 0)).toEqual([IDENTITY, IDENTITY, IDENTITY, IDENTITY]);
    expect(last(r).pinned).toEqual([0, 0, 0, 0]);
  });
});

describe('VHOST_SET_BACKEND_FEATURES per kernel', () => {
  const f = (...names: Parameters<typeof bit>[0][]): number => names.reduce((m, n) => m | bit(n), 0);
  const check = (kernel: string, parent: ParentName, features: number): string => {
    const k = VDPA_KERNEL_TABLE[kernel]!;
    const v = checkBackendFeatures(k, makeParent(parent, k), features);
    return v.ok ? '0' : v.ret;
  };
  test('6.1 knows no RESUME; 6.6 accepts ENABLE_AFTER_DRIVER_OK unchecked', () => {
    expect(check('6.1', 'mlx5', f('RESUME'))).toBe('-EOPNOTSUPP');
    expect(check('6.6', 'platform', f('ENABLE_AFTER_DRIVER_OK'))).toBe('0');
  });
  test('6.12 accepts ENABLE_AFTER_DRIVER_OK from every parent (vdpa.c:836-862); with sbfEnableAfterDriverOkNeedsParent only from those that report it', () => {
    const k = VDPA_KERNEL_TABLE['6.12']!;
    const fixed = { ...k, name: 'fixed', sbfEnableAfterDriverOkNeedsParent: true };
    const eado = f('IOTLB_MSG_V2', 'ENABLE_AFTER_DRIVER_OK');
    const sbf = (kernel: typeof k, parent: ParentName): string => {
      const v = checkBackendFeatures(kernel, makeParent(parent, kernel), eado);
      return v.ok ? '0' : v.ret;
    };
    for (const p of ['platform', 'vduse', 'mlx5', 'vdpa_sim'] as const) expect(sbf(k, p)).toBe('0');
    expect(sbf(fixed, 'platform')).toBe('-EOPNOTSUPP');
    expect(sbf(fixed, 'vduse')).toBe('-EOPNOTSUPP');
    expect(sbf(fixed, 'mlx5')).toBe('0'); // mlx5_vdpa_get_backend_features reports it
    expect(sbf(fixed, 'vdpa_sim')).toBe('0'); // vdpasim_get_backend_features reports it
    // parentsReportEnableAfterDriverOk selects the parents' op, not the check: off, vdpa_sim reports nothing
    expect(makeParent('vdpa_sim', { ...k, parentsReportEnableAfterDriverOk: false }).get_backend_features).toBeUndefined();
  });
  test('RFC v2 accepts IOTLB_PERSIST alone on a parent without persistent maps; RFC v3 refuses it', () => {
    expect(check('rfc-v2', 'vdpa_sim', f('IOTLB_PERSIST'))).toBe('0');
    expect(check('rfc-v3', 'vdpa_sim', f('IOTLB_PERSIST'))).toBe('-EOPNOTSUPP');
    expect(check('rfc-v2', 'vdpa_sim', f('IOTLB_ASID', 'DESC_ASID', 'IOTLB_PERSIST'))).toBe('-EOPNOTSUPP');
  });
  test('DESC_ASID requires IOTLB_ASID (-EINVAL) and a descriptor group (-EOPNOTSUPP)', () => {
    expect(check('6.12', 'mlx5', f('DESC_ASID'))).toBe('-EINVAL');
    expect(check('6.12', 'vdpa_sim', f('IOTLB_ASID', 'DESC_ASID'))).toBe('-EOPNOTSUPP');
    expect(check('6.12', 'mlx5', f('IOTLB_ASID', 'DESC_ASID'))).toBe('0');
  });
  test('IOTLB_PERSIST on 6.12: offered with reset_map (mlx5) or a platform IOMMU, refused for VDUSE', () => {
    expect(check('6.12', 'mlx5', f('IOTLB_PERSIST'))).toBe('0');
    expect(check('6.12', 'platform', f('IOTLB_PERSIST'))).toBe('0');
    expect(check('6.12', 'vduse', f('IOTLB_PERSIST'))).toBe('-EOPNOTSUPP');
  });
});
