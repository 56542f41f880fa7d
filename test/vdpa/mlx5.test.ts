// mlx5 as the source has it, call by call: MR objects and VQ references (6.12 = Debian 6.12.117), the single
// data MR (6.1 = Debian 6.1.192), the errors mlx5 swallows. Each test cites the function and lines it follows
// (vnet = drivers/vdpa/mlx5/net/mlx5_vnet.c, mr = drivers/vdpa/mlx5/core/mr.c) and checks both outcomes.
import { beforeAll, describe, expect, test } from 'vitest';
import { setAutoFreeze } from '../../model/immer.js';
import type { Action } from '../../spec/vdpa/actions.js';
import { FAULT, GROUP_CVQ, GROUP_DATA, GROUP_DESC, IDENTITY, S_DRIVER_OK } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';
import { runActions, type Run } from './helpers.js';
import { liveMrs } from '../../model/parents/mlx5-mres.js';
import { VQ_NONE, VQ_RDY, VQ_SUSPEND } from '../../model/parents/mlx5-mr.js';

beforeAll(() => setAutoFreeze(true));

const run = (kernel: string, actions: readonly Action[]): Run => runActions(kernel, 'mlx5', actions);
const last = (r: Run): World => r.worlds[r.worlds.length - 1]!;
/** What DMA by group g to IOVA page p reaches now. */
const dma = (r: Run, g: number, p: number, w: World = last(r)): number => r.m.ctx.ops.translate(w, g, p);
const runs = (r: Run, g: number, w: World = last(r)): boolean => r.m.ctx.ops.canDma(w, g);

const open: Action = { t: 'open' };
const owner: Action = { t: 'setOwner' };
const driverOk: Action = { t: 'setStatus', status: 0xf };
const reset: Action = { t: 'setStatus', status: 0 };
const fault: Action = { t: 'parentFault' };
/** IOTLB_MSG_V2 | IOTLB_BATCH | IOTLB_ASID: messages for ASID 1 are ASID 1's (else vhost-vdpa uses 0). */
const asids: Action = { t: 'setBackendFeatures', features: (1 << 1) | (1 << 2) | (1 << 3) };
const U = (asid: number, page: number, npages: number, host: number): Action => ({ t: 'iotlbUpdate', asid, page, npages, host });
const I = (asid: number, page: number, npages: number): Action => ({ t: 'iotlbInvalidate', asid, page, npages });
const SGA = (group: number, asid: number): Action => ({ t: 'setGroupAsid', group, asid });

describe('6.12: VQs reference MR objects (set_map_data, mlx5_vdpa_change_map, fill_modify_virtqueue_cmd)', () => {
  // set_map_data vnet:3363-3364: `if (!mvdev->mres.mr[asid]) mlx5_vdpa_update_mr(...)` — no change_map, no
  // VIRTIO_Q_MKEY mark; the running VQs keep the DMA MR they were created with.
  test('the first set_map of an ASID without an MR only installs it: the VQs moved there keep their MR', () => {
    const r = run('6.12', [open, owner, asids, driverOk, SGA(GROUP_DATA, 1), U(1, 0, 1, 2)]);
    expect(r.rets).toEqual(['0', '0', '0', '0', '0', '0']);
    expect(r.m.ctx.ops.asidMap(last(r), 1, 0)).toBe(2); // mr[1] is installed ...
    expect(dma(r, GROUP_DATA, 0)).toBe(IDENTITY); // ... but the data VQs still translate through the DMA MR
    expect(r.m.ctx.ops.hwQueueAsid?.(last(r), GROUP_DATA)).toBe(0);
    // the other way: a set_map of an ASID that has an MR (mr[0]) is a change_map, which re-points every VQ
    // to mr[group2asid[DATA]] — mr[1], though the map changed was ASID 0's (vnet:1347-1352, 3067-3069)
    const r2 = run('6.12', [open, owner, asids, driverOk, SGA(GROUP_DATA, 1), U(1, 0, 1, 2), U(0, 3, 1, 3)]);
    expect(dma(r2, GROUP_DATA, 0)).toBe(2);
    expect(r2.m.ctx.ops.hwQueueAsid?.(last(r2), GROUP_DATA)).toBe(1);
  });

  // fill_modify_virtqueue_cmd vnet:1347-1352: mr[asid] NULL → the VIRTIO_Q_MKEY mark is dropped, and
  // modify_virtqueue_end vnet:1379-1387 keeps mvq->vq_mr, whose reference keeps the old MR alive (mr:691-711).
  test('a running VQ keeps the MR of an emptied map: DMA still reaches the unmapped, unpinned page', () => {
    const r = run('6.12', [open, owner, driverOk, U(0, 0, 1, 2), I(0, 0, 1)]);
    expect(r.m.ctx.ops.asidMap(last(r), 0, 0)).toBe(FAULT); // mr[0] = NULL
    expect(last(r).vHost[0]).toBe(-1);
    expect(last(r).pinned[2]).toBe(0);
    expect(dma(r, GROUP_DATA, 0)).toBe(2); // the VQ's MR: the old user MR
    expect(liveMrs(last(r))).toBe(1);
    // the other way: a map that stays non-empty gets a new MR and the VQ is re-pointed to it
    const r2 = run('6.12', [open, owner, driverOk, U(0, 0, 1, 2), U(0, 1, 1, 3), I(0, 0, 1)]);
    expect(dma(r2, GROUP_DATA, 0)).toBe(FAULT);
    expect(dma(r2, GROUP_DATA, 1)).toBe(3);
    expect(liveMrs(last(r2))).toBe(1);
  });

  // mlx5_vdpa_change_map vnet:3071-3072: not running → `goto out` with the VQs marked; resume_vqs at RESUME
  // (vnet:1676-1715) applies the marks.
  test('a map replaced while suspended: the VQs keep the old MR until RESUME re-points them', () => {
    const r = run('6.12', [open, owner, driverOk, { t: 'suspend' }, U(0, 0, 1, 2), { t: 'resume' }]);
    const suspended = r.worlds[5]!;
    expect(suspended.vqState).toBe(VQ_SUSPEND);
    expect(dma(r, GROUP_DATA, 0, suspended)).toBe(IDENTITY);
    expect(suspended.mkeyPending).toBe(3);
    expect(last(r).vqState).toBe(VQ_RDY);
    expect(dma(r, GROUP_DATA, 0)).toBe(2);
    expect(last(r).mkeyPending).toBe(0);
  });

  // create_virtqueue vnet:946-949: desc_group_mkey set only if mr[group2asid[DESC]] exists; otherwise the
  // hardware reads descriptors through virtio_q_mkey.
  test('the descriptor group falls back to the data mkey when its ASID has no MR', () => {
    const r = run('6.12', [open, owner, asids, SGA(GROUP_DESC, 1), driverOk]);
    expect(last(r).vqRef[1]).toBe(-1);
    expect(dma(r, GROUP_DESC, 0)).toBe(IDENTITY);
    const r2 = run('6.12', [open, owner, asids, SGA(GROUP_DESC, 1), U(1, 0, 1, 2), driverOk]);
    expect(dma(r2, GROUP_DESC, 0)).toBe(2);
    expect(dma(r2, GROUP_DATA, 0)).toBe(IDENTITY);
  });

  test('MR slots are canonical: the same objects reached by two paths fingerprint alike', () => {
    const a = last(run('6.12', [open, owner, asids, U(0, 0, 1, 2), U(1, 0, 1, 3)]));
    const b = last(run('6.12', [open, owner, asids, U(1, 0, 1, 3), U(0, 0, 1, 2)]));
    expect(a.mrRef).toEqual([0, 1]);
    expect(a.mrRef).toEqual(b.mrRef);
    expect(a.mrPages).toEqual(b.mrPages);
    expect(a.mrAsid).toEqual(b.mrAsid);
    expect(a.mrPages.slice(4 * 4)).toEqual([FAULT, FAULT, FAULT, FAULT]); // the scratch slot is free
  });
});

describe('6.1: one data MR (mvdev->mr) that follows the data group', () => {
  // mlx5_vdpa_handle_set_map mr.c:613-630 → change_map (vnet:2400-2432) → mlx5_vdpa_destroy_mr_asid(1)
  // destroys the MR (data group on 1) and _mlx5_vdpa_create_dvq_mr (mr.c:555-579) builds it from ASID 1.
  test('moving the data group and mapping its new ASID rebuilds THE MR from that ASID; ASID 0 has none', () => {
    const r = run('6.1', [open, owner, asids, SGA(GROUP_DATA, 1), U(1, 0, 1, 2)]);
    expect(r.m.ctx.ops.asidMap(last(r), 1, 0)).toBe(2);
    expect(r.m.ctx.ops.asidMap(last(r), 0, 0)).toBe(FAULT);
    expect(last(r).mrRef[1]).toBe(-1); // one object only
    // the other way: a set_map of the CVQ's ASID 0 is a change_map too (the MR is initialized), but
    // destroy_mr_asid(0) skips the data MR (data group on 1) and refills only the CVQ iotlb
    const r2 = run('6.1', [open, owner, asids, SGA(GROUP_DATA, 1), U(1, 0, 1, 2), U(0, 2, 1, 3)]);
    expect(r2.m.ctx.ops.asidMap(last(r2), 1, 0)).toBe(2);
    expect(last(r2).cvqMap).toEqual([FAULT, FAULT, 3, FAULT]);
  });

  // setup_driver on mvdev->mr.mkey; reset tears the VQs down before mlx5_vdpa_destroy_mr (vnet:2577-2606).
  test('the VQs are created on the one MR at DRIVER_OK and destroyed before it', () => {
    const r = run('6.1', [open, owner, U(0, 0, 1, 2), driverOk, reset]);
    expect(dma(r, GROUP_DATA, 0, r.worlds[4]!)).toBe(2);
    expect(last(r).vqState).toBe(VQ_NONE);
    expect(r.m.ctx.ops.asidMap(last(r), 0, 0)).toBe(IDENTITY);
  });
});

describe('errors mlx5 swallows', () => {
  // mlx5_vdpa_set_status vnet:3187-3240 (6.12): setup fails → err_setup: mlx5_vdpa_clean_mrs and
  // status |= FAILED; the op is void and vhost_vdpa_set_status returns 0.
  test('6.12 DRIVER_OK setup failure: MRs dropped, FAILED set, 0 returned; only a reset gets out', () => {
    const r = run('6.12', [open, owner, U(0, 0, 1, 2), fault, driverOk, driverOk, reset]);
    const failed = r.worlds[5]!;
    expect(r.rets[4]).toBe('0');
    expect(failed.status & 0x80).toBe(0x80);
    expect(failed.status & S_DRIVER_OK).toBe(0);
    expect(failed.mrRef).toEqual([-1, -1]);
    expect(failed.cvqMap).toEqual([FAULT, FAULT, FAULT, FAULT]);
    expect(failed.vHost[0]).toBe(2); // vhost-vdpa still holds the map
    expect(r.rets[5]).toBe('-EINVAL'); // FAILED may not be cleared but by 0
    expect(last(r).status).toBe(0);
    const ok = run('6.12', [open, owner, U(0, 0, 1, 2), driverOk]);
    expect(last(ok).status).toBe(0xf);
    expect(dma(ok, GROUP_DATA, 0)).toBe(2);
  });

  // mlx5_vdpa_set_status vnet:2529-2568 (6.1): setup_driver fails → mlx5_vdpa_destroy_mr, FAILED.
  test('6.1 DRIVER_OK setup failure: destroy_mr, FAILED, 0 returned', () => {
    const r = run('6.1', [open, owner, U(0, 0, 1, 2), fault, driverOk]);
    expect(r.rets[4]).toBe('0');
    expect(last(r).status).toBe(0x80);
    expect(last(r).mrInit).toBe(false);
    expect(r.m.ctx.ops.asidMap(last(r), 0, 0)).toBe(FAULT);
    expect(runs(r, GROUP_DATA)).toBe(false);
  });

  // mlx5_vdpa_compat_reset vnet:3300-3303: `if (mlx5_vdpa_create_dma_mr(mvdev)) mlx5_vdpa_err(...)`.
  test('6.12 reset with CLEAN_MAP: a failed DMA MR is only logged, ASID 0 is left with no MR', () => {
    const r = run('6.12', [open, owner, U(0, 0, 1, 2), fault, reset]);
    expect(r.rets[4]).toBe('0');
    expect(last(r).mrRef[0]).toBe(-1);
    expect(r.m.ctx.ops.groupMap(last(r), GROUP_DATA, 0)).toBe(FAULT);
    const ok = run('6.12', [open, owner, U(0, 0, 1, 2), reset]);
    expect(ok.m.ctx.ops.groupMap(last(ok), GROUP_DATA, 0)).toBe(IDENTITY);
  });

  // mlx5_vdpa_reset_mr mr:876-891: `if (mlx5_vdpa_create_dma_mr(mvdev)) mlx5_vdpa_warn(...)`; returns 0.
  test('6.12 reset_map at release: a failed DMA MR only warned, ASID 0 left with no MR', () => {
    const persist: Action = { t: 'setBackendFeatures', features: 1 << 8 };
    const r = run('6.12', [open, owner, persist, U(0, 0, 1, 2), fault, { t: 'close' }]);
    expect(last(r).mrRef[0]).toBe(-1);
    const ok = run('6.12', [open, owner, persist, U(0, 0, 1, 2), { t: 'close' }]);
    expect(ok.m.ctx.ops.asidMap(last(ok), 0, 0)).toBe(IDENTITY);
  });

  // mlx5_set_group_asid vnet:3641-3655: group2asid written, then mlx5_vdpa_update_cvq_iotlb (mr:844-861)
  // prunes and dups; a failing dup returns the error with the group moved and the CVQ iotlb empty.
  test('6.12 set_group_asid: the ASID is written before a refresh that can fail', () => {
    const r = run('6.12', [open, owner, asids, U(1, 0, 1, 2), fault, SGA(GROUP_CVQ, 1)]);
    expect(r.rets[5]).toBe('-ENOMEM');
    expect(last(r).group2asid[GROUP_CVQ]).toBe(1);
    expect(last(r).uGroupAsid[GROUP_CVQ]).toBe(0); // userspace saw the error
    expect(last(r).cvqMap).toEqual([FAULT, FAULT, FAULT, FAULT]);
    const ok = run('6.12', [open, owner, asids, U(1, 0, 1, 2), SGA(GROUP_CVQ, 1)]);
    expect(ok.rets[4]).toBe('0');
    expect(last(ok).cvqMap).toEqual([2, FAULT, FAULT, FAULT]);
  });

  // mlx5_vdpa_suspend vnet:3605-3620 → mlx5_vdpa_cvq_suspend: cvq->ready = false; mlx5_vdpa_resume
  // vnet:3622-3639 resumes the data VQs and leaves cvq.ready alone.
  test('6.12 RESUME does not mark the CVQ ready again', () => {
    const r = run('6.12', [open, owner, driverOk, { t: 'suspend' }, { t: 'resume' }]);
    expect(runs(r, GROUP_CVQ, r.worlds[3]!)).toBe(true);
    expect(runs(r, GROUP_DATA)).toBe(true);
    expect(runs(r, GROUP_CVQ)).toBe(false);
  });
});
