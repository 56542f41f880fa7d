// The vring ioctls as far as they touch the DMA-mapping semantics (issue 14): VHOST_SET_VRING_ADDR,
// VHOST_SET_VRING_BASE and VHOST_VDPA_SET_VRING_ENABLE. Each test cites the kernel function and lines
// (vdpa.c = drivers/vhost/vdpa.c, vnet = drivers/vdpa/mlx5/net/mlx5_vnet.c; Debian 6.12.117 and 6.1.192)
// and checks both outcomes.
import { beforeAll, describe, expect, test } from 'vitest';
import { setAutoFreeze } from '../../model/immer.js';
import type { Action } from '../../spec/vdpa/actions.js';
import { GROUP_CVQ, GROUP_DATA, bit } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';
import { anyUserspace } from '../../model/userspace-any.js';
import type { ParentName } from '../../spec/config.js';
import { runActions, vdpaModel, type Run } from './helpers.js';
import { VQ_FIELDS, VQ_INIT, VQ_NONE, VQ_RDY } from '../../model/parents/mlx5-mr.js';

beforeAll(() => setAutoFreeze(true));

const model = vdpaModel;
const run = runActions;
const last = (r: Run): World => r.worlds[r.worlds.length - 1]!;
const runs = (r: Run, g: number, w: World = last(r)): boolean => r.m.ctx.ops.canDma(w, g);

const open: Action = { t: 'open' };
const owner: Action = { t: 'setOwner' };
const driverOk: Action = { t: 'setStatus', status: 0xf };
const reset: Action = { t: 'setStatus', status: 0 };
const suspend: Action = { t: 'suspend' };
const resume: Action = { t: 'resume' };
const addr = (vq = 0): Action => ({ t: 'setVringAddr', vq });
const base = (vq = 0): Action => ({ t: 'setVringBase', vq });
const enable = (vq: number): Action => ({ t: 'setVringEnable', vq, ready: 1 });
const CVQ = 2;

describe('vhost_vdpa_vring_ioctl: ADDR and BASE blocked at DRIVER_OK unless suspended (v6.8+)', () => {
  // vdpa.c 6.12 l.778-780 and 789-791: `(get_status & DRIVER_OK) && !v->suspended` → -EINVAL
  test('6.12: -EINVAL while DRIVER_OK and not suspended; 0 before DRIVER_OK and while suspended', () => {
    for (const a of [addr(), base()]) {
      expect(run('6.12', 'vdpa_sim', [open, owner, a]).rets[2]).toBe('0');
      expect(run('6.12', 'vdpa_sim', [open, owner, driverOk, a]).rets[3]).toBe('-EINVAL');
      expect(run('6.12', 'vdpa_sim', [open, owner, driverOk, suspend, a]).rets[4]).toBe('0');
      expect(run('6.12', 'vdpa_sim', [open, owner, driverOk, suspend, resume, a]).rets[5]).toBe('-EINVAL');
    }
  });
  // vdpa.c 6.1 l.590-607: set_vq_address / set_vq_state called in any status
  test('6.1 has no such check: 0 at DRIVER_OK on vdpa_sim', () => {
    for (const a of [addr(), base()]) expect(run('6.1', 'vdpa_sim', [open, owner, driverOk, a]).rets[3]).toBe('0');
  });
  // vhost.c 6.12 l.2423 (vhost_dev_check_owner in vhost_dev_ioctl), vdpa.c 6.12 l.684-685 (idx >= nvqs)
  test('-EPERM without the owner, -ENOBUFS past the last virtqueue, 0 at the CVQ index', () => {
    expect(run('6.12', 'vdpa_sim', [open, addr()]).rets[1]).toBe('-EPERM');
    expect(run('6.12', 'vdpa_sim', [open, owner, addr(3)]).rets[2]).toBe('-ENOBUFS');
    expect(run('6.12', 'vdpa_sim', [open, owner, enable(3)]).rets[2]).toBe('-ENOBUFS');
    expect(run('6.12', 'vdpa_sim', [open, owner, addr(2)]).rets[2]).toBe('0');
  });
  // vdpa_sim's set_status recomputes `running` from DRIVER_OK while v->suspended stays set (known-behaviours.md)
  test('6.12 vdpa_sim: DRIVER_OK written again after SUSPEND runs the device, and ADDR is let through', () => {
    const r = run('6.12', 'vdpa_sim', [open, owner, driverOk, suspend, driverOk, addr()]);
    expect(runs(r, GROUP_DATA, r.worlds[5]!)).toBe(true);
    expect(r.rets[5]).toBe('0');
  });
  // VHOST_VDPA_SET_VRING_ENABLE (vdpa.c 6.12 l.708-712): no status check, set_vq_ready is void
  test('SET_VRING_ENABLE is not blocked at DRIVER_OK', () => {
    expect(run('6.12', 'mlx5', [open, owner, driverOk, enable(CVQ)]).rets[3]).toBe('0');
  });
});

describe('mlx5 6.12: the ring fields of vqs[0] decide whether a reset re-creates the pre-created VQs', () => {
  // mlx5_vdpa_set_vq_address vnet:2471 / set_vq_state vnet:2592 mark modified_fields; mlx5_vdpa_compat_reset
  // vnet:3280-3284 tears down and re-creates the VQs when needs_vqs_reset (vnet:3250-3265) says so, which for
  // INIT VQs before DRIVER_OK is exactly ADDRS | AVAIL_IDX | USED_IDX of vqs[0]
  test('ADDR or BASE on vqs[0] before DRIVER_OK: the next reset tears the VQs down; without it they are kept', () => {
    for (const a of [addr(), base()]) {
      const r = run('6.12', 'mlx5', [open, owner, a, reset]);
      expect(last(r).vqState).toBe(VQ_INIT);
      expect(r.worlds[3]!.mkeyPending & VQ_FIELDS).toBe(VQ_FIELDS);
      expect(last(r).mkeyPending & VQ_FIELDS).toBe(0);
      expect(r.calls[3]!.some((c) => c.includes('VQs torn down'))).toBe(true);
    }
    const kept = run('6.12', 'mlx5', [open, owner, reset]);
    expect(kept.calls[2]!.some((c) => c.includes('VQs kept'))).toBe(true);
  });
  test('needs_vqs_reset reads vqs[0] only: ADDR of the CVQ marks nothing', () => {
    const r = run('6.12', 'mlx5', [open, owner, addr(CVQ), reset]);
    expect(r.worlds[3]!.mkeyPending & VQ_FIELDS).toBe(0);
    expect(r.calls[3]!.some((c) => c.includes('VQs kept'))).toBe(true);
  });
  // resume_vqs (vnet:1676-1715) → modify_virtqueues → modify_virtqueue_end clears modified_fields (vnet:1402)
  test('DRIVER_OK applies the marks (INIT → RDY): the fields are clear again', () => {
    const r = run('6.12', 'mlx5', [open, owner, addr(), driverOk]);
    expect(last(r).vqState).toBe(VQ_RDY);
    expect(last(r).mkeyPending).toBe(0);
  });
  // setup_vq (vnet:1527-1536): create_virtqueue, then resume_vq's modify clears every mark (vnet:1402); a
  // change_map while the VQs did not exist must not leave marks a later RESUME would apply
  test('VQs created at DRIVER_OK carry no marks, even after a change_map while there were none', () => {
    // IOTLB_PERSIST acked: the reset keeps the MRs (no CLEAN_MAP), so setup_vq_resources is the allocation that
    // fails when the reset after ADDR re-creates the VQs (its error ignored, vnet:3305-3306)
    const persist: Action = { t: 'setBackendFeatures', features: bit('IOTLB_PERSIST') };
    const r = run('6.12', 'mlx5', [open, owner, persist, addr(), { t: 'parentFault' }, reset, { t: 'iotlbUpdate', asid: 0, page: 0, npages: 1, host: 2 }, driverOk]);
    expect(r.rets.slice(0, 7)).toEqual(['0', '0', '0', '0', '0', '0', '0']);
    expect(r.worlds[6]!.vqState).toBe(VQ_NONE);
    expect(r.worlds[7]!.mkeyPending & 3).toBe(3); // mlx5_vdpa_change_map marked every VQ (vnet:3067-3069)
    expect(last(r).vqState).toBe(VQ_RDY);
    expect(last(r).mkeyPending).toBe(0);
    expect(last(r).vqRef[0]).toBe(last(r).mrRef[0]);
  });
  // mlx5_vdpa_set_vq_state vnet:2585-2588: a RDY VQ refuses a new base; 6.7 has no vhost check, so mlx5 answers
  test('6.7: SET_VRING_BASE at DRIVER_OK reaches mlx5, which refuses it for a RDY VQ; 0 before DRIVER_OK', () => {
    expect(run('6.7', 'mlx5', [open, owner, driverOk, base()]).rets[3]).toBe('-EINVAL');
    expect(run('6.7', 'mlx5', [open, owner, base()]).rets[2]).toBe('0');
    expect(run('6.1', 'mlx5', [open, owner, driverOk, base()]).rets[3]).toBe('-EINVAL');
  });
});

describe('mlx5: the CVQ made ready again (set_cvq_ready), and what the kick handler checks', () => {
  // mlx5_vdpa_resume (vnet:3622-3639) leaves cvq.ready false; mlx5_vdpa_set_vq_ready (vnet:2527-2541) →
  // set_cvq_ready (vnet:2516-2525) sets it
  test('6.12: after SUSPEND; RESUME the CVQ is stopped; SET_VRING_ENABLE(cvq, 1) runs it again', () => {
    const r = run('6.12', 'mlx5', [open, owner, driverOk, suspend, resume, enable(CVQ)]);
    expect(runs(r, GROUP_CVQ, r.worlds[5]!)).toBe(false);
    expect(runs(r, GROUP_CVQ)).toBe(true);
    expect(runs(r, GROUP_DATA)).toBe(true);
  });
  // mlx5_cvq_kick_handler (vnet:2372-2379; 6.1 vnet:1871-1878) checks DRIVER_OK and cvq->ready only
  test('a CVQ enabled while the device is suspended processes commands; the data VQs stay suspended', () => {
    for (const k of ['6.12', '6.1']) {
      const r = run(k, 'mlx5', [open, owner, driverOk, suspend, enable(CVQ)]);
      expect(runs(r, GROUP_CVQ, r.worlds[4]!)).toBe(false);
      expect(runs(r, GROUP_CVQ)).toBe(true);
      expect(runs(r, GROUP_DATA)).toBe(false);
    }
  });
  // mlx5_vdpa_set_vq_ready vnet:2533-2534: `if (!mvdev->actual_features) return;` (features come with FEATURES_OK)
  test('before the features are set (status 0) SET_VRING_ENABLE changes nothing', () => {
    const r = run('6.12', 'mlx5', [open, owner, enable(CVQ)]);
    expect(last(r)).toBe(r.worlds[2]);
  });
});

describe('the alphabet of `any`: the vring ioctls where the parent keeps something of them', () => {
  const letters = (k: string, p: ParentName): string[] =>
    anyUserspace().alphabet(model(k, p).ctx).filter((a) => a.t.startsWith('setVring')).map((a) => JSON.stringify(a));
  test('mlx5 6.12: ADDR of vqs[0] (BASE marks the same fields), ENABLE of the CVQ; mlx5 6.1 and 6.7: ENABLE only; vdpa_sim: none', () => {
    expect(letters('6.12', 'mlx5')).toEqual([JSON.stringify(addr()), JSON.stringify(enable(CVQ))]);
    expect(letters('6.1', 'mlx5')).toEqual([JSON.stringify(enable(CVQ))]);
    expect(letters('6.7', 'mlx5')).toEqual([JSON.stringify(enable(CVQ))]);
    expect(letters('6.12', 'vdpa_sim')).toEqual([]);
  });
});
