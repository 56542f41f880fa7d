// vhost-vdpa's error paths as the source has them (issue 14, "## vhost-vdpa"): each test names the
// kernel file, function and lines it follows, and checks the behaviour both ways (the branch taken
// and the one not taken). Auto-freeze on: a reducer that mutates its input throws here.
import { beforeAll, describe, expect, test } from 'vitest';
import { setAutoFreeze } from '../../model/immer.js';
import type { Action } from '../../spec/vdpa/actions.js';
import { FAULT, IDENTITY, NP } from '../../spec/vdpa/constants.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import { buildVdpaModel, type VdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import type { World } from '../../spec/vdpa/world.js';
import { anyUserspace } from '../../model/userspace-any.js';
import { MODEL_LIMITS, type ModelLimits } from '../../model/context.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import type { ParentName } from '../../spec/config.js';
import { checkVdpa } from './helpers.js';

beforeAll(() => setAutoFreeze(true));

export function model(kernel: string, parent: ParentName, limits: Partial<ModelLimits> = {}): VdpaModel {
  const k = VDPA_KERNEL_TABLE[kernel]!;
  return buildVdpaModel({ kernel: k, ops: makeParent(parent, k), limits: { ...MODEL_LIMITS, ...limits } }, anyUserspace(), VDPA_INVARIANTS);
}

export function run(m: VdpaModel, actions: readonly Action[]): { worlds: World[]; rets: string[] } {
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

export const open: Action = { t: 'open' };
export const owner: Action = { t: 'setOwner' };
export const U = (asid: number, page: number, npages: number, host: number): Action => ({ t: 'iotlbUpdate', asid, page, npages, host });
export const I = (asid: number, page: number, npages: number): Action => ({ t: 'iotlbInvalidate', asid, page, npages });
export const last = (r: { worlds: World[] }): World => r.worlds[r.worlds.length - 1]!;
const fault: Action = { t: 'parentFault' };
const faultSecond: Action = { t: 'parentFault', after: 1 };

describe('vhost_vdpa_pa_map error path (drivers/vhost/vdpa.c v6.12 l.1145-1275, v6.1 l.916-1046)', () => {
  // [0x2000,0x4000) → h2 (pfn 0x200), h3 (pfn 0x300): two runs, so two vhost_vdpa_map calls
  for (const pinBatch of [1, 2]) {
    test(`pinBatch ${pinBatch}: the first run failing unpins both pages (l.1229 the rest of the batch, l.1264 the run)`, () => {
      const r = run(model('6.12', 'vdpa_sim_dma', { pinBatch }), [open, owner, fault, U(0, 2, 2, 2)]);
      expect(r.rets[3]).toMatch(/^-EFAULT \(-ENOMEM/);
      expect(last(r).pinned).toEqual([0, 0, 0, 0]);
      expect(last(r).vHost.slice(0, NP)).toEqual([-1, -1, -1, -1]);
    });
    test(`pinBatch ${pinBatch}: the rest chunk failing after a run was mapped leaves it pinned (nchunks = 0, l.1236/1251)`, () => {
      const r = run(model('6.12', 'vdpa_sim_dma', { pinBatch }), [open, owner, faultSecond, U(0, 2, 2, 2)]);
      expect(r.rets[3]).toMatch(/^-EFAULT \(-ENOMEM/);
      // h2's run was mapped and is unmapped again by vhost_vdpa_unmap (unpinned); h3 stays pinned, in no entry
      expect(last(r).pinned).toEqual([0, 0, 0, 1]);
      expect(last(r).vHost.slice(0, NP)).toEqual([-1, -1, -1, -1]);
      expect(last(r).devMap.slice(0, NP)).toEqual([FAULT, FAULT, FAULT, FAULT]);
    });
  }
  test('6.1 has the same path: the rest chunk stays pinned', () => {
    const r = run(model('6.1', 'vdpa_sim_dma'), [open, owner, faultSecond, U(0, 2, 2, 2)]);
    expect(last(r).pinned).toEqual([0, 0, 0, 1]);
  });
  test('a contiguous range is one run: a failure unpins it whole (nchunks != 0 at "out:")', () => {
    const r = run(model('6.12', 'vdpa_sim_dma'), [open, owner, fault, U(0, 0, 2, 0)]);
    expect(last(r).pinned).toEqual([0, 0, 0, 0]);
  });
  test('max_iotlb_entries (vdpa.c l.37, iotlb.c vhost_iotlb_add_range_ctx l.92-97): -ENOSPC on the second run, no parent call', () => {
    const steps = [open, owner, U(0, 0, 2, 0), U(0, 2, 2, 2)];
    const r = run(model('6.12', 'vdpa_sim_dma', { iotlbLimit: 2 }), steps);
    expect(r.rets[3]).toMatch(/^-EFAULT \(-ENOSPC/);
    expect(last(r).pinned).toEqual([1, 1, 0, 1]); // h3 pinned by the rest chunk, never unpinned
    expect(last(r).vStart.slice(0, NP)).toEqual([0, 0, -1, -1]);
    const ok = run(model('6.12', 'vdpa_sim_dma', { iotlbLimit: 3 }), steps);
    expect(ok.rets[3]).toBe('0');
    expect(last(ok).pinned).toEqual([1, 1, 1, 1]);
  });
  test('-ENOSPC on the first run of an update: everything unpinned (nchunks != 0)', () => {
    const r = run(model('6.12', 'vdpa_sim_dma', { iotlbLimit: 1 }), [open, owner, U(0, 0, 1, 2), U(0, 2, 2, 2)]);
    expect(r.rets[3]).toMatch(/-ENOSPC/);
    expect(last(r).pinned).toEqual([0, 0, 1, 0]);
  });
  test('a pin failure reaches "out:" too: vhost_vdpa_unmap re-pushes set_map, vdpa_sim drops passthrough (l.1267; vdpa_sim.c vdpasim_set_map l.645-646)', () => {
    const free3: Action = { t: 'userFree', host: 3 };
    const r = run(model('6.12', 'vdpa_sim'), [open, owner, free3, U(0, 2, 2, 2)]);
    expect(r.rets[3]).toMatch(/^-EFAULT/);
    expect(last(r).pinned).toEqual([0, 0, 0, 0]); // h2 pinned by the first batch, unpinned at "out:" (nchunks = 1)
    expect(last(r).devMap.slice(0, NP)).toEqual([FAULT, FAULT, FAULT, FAULT]); // the empty iotlb pushed
    // the other way: no failure, no re-push of an empty map (passthrough kept until the first map)
    const ok = run(model('6.12', 'vdpa_sim'), [open, owner, free3]);
    expect(last(ok).devMap.slice(0, NP)).toEqual([IDENTITY, IDENTITY, IDENTITY, IDENTITY]);
  });
  test('pinBatch 2, three pages: a pin failure in the next batch after a run was mapped leaves the pending page pinned (nchunks = 0)', () => {
    // h1,h2 in batch 1 (pfns 0x101, 0x200: [h1] mapped, nchunks = 0, h2 pending); h3 munmapped: batch 2 fails
    const r = run(model('6.12', 'vdpa_sim_dma', { pinBatch: 2 }), [open, owner, { t: 'userFree', host: 3 }, U(0, 1, 3, 1)]);
    expect(r.rets[3]).toMatch(/^-EFAULT \(-EFAULT/);
    expect(last(r).pinned).toEqual([0, 0, 1, 0]);
    expect(last(r).vHost.slice(0, NP)).toEqual([-1, -1, -1, -1]);
    // with h3 mapped the same update succeeds and pins each page once
    expect(last(run(model('6.12', 'vdpa_sim_dma', { pinBatch: 2 }), [open, owner, U(0, 1, 3, 1)])).pinned).toEqual([0, 1, 1, 1]);
  });
  test('pinBatch 2: a partial pin (h2 pinned, h3 munmapped) is undone at once (-ENOMEM, l.1196-1203)', () => {
    const r = run(model('6.12', 'vdpa_sim', { pinBatch: 2 }), [open, owner, { t: 'userFree', host: 3 }, U(0, 2, 2, 2)]);
    expect(r.rets[3]).toMatch(/-ENOMEM: vhost_vdpa_pa_map/);
    expect(last(r).pinned).toEqual([0, 0, 0, 0]);
  });
});

describe('vhost_vdpa_pa_unmap unpins before the parent unmaps (vdpa.c v6.12 l.970-991, v6.1 l.742-763)', () => {
  const dok: Action = { t: 'setStatus', status: 0xf };
  const free2: Action = { t: 'userFree', host: 2 };
  const isolation = (m: VdpaModel, w: World): string | undefined =>
    m.properties().find((p) => p.id === 'dma-isolation')!.kind === 'invariant'
      ? (m.properties().find((p) => p.id === 'dma-isolation') as { check: (w: World) => { message: string } | undefined }).check(w)?.message
      : undefined;
  for (const parent of ['vdpa_sim_dma', 'vdpa_sim', 'mlx5', 'platform'] as const) {
    test(`${parent}: INVALIDATE of a munmapped page on a running device opens the window`, () => {
      const m = model('6.12', parent);
      const r = run(m, [open, owner, U(0, 0, 1, 2), dok, free2, I(0, 0, 1)]);
      expect(last(r).unpinWindow).toBe(1 << 2);
      expect(isolation(m, last(r))).toMatch(/unpinned h2/);
    });
  }
  test('no window when the page is still userspace\'s, when the device is stopped, or after the next call', () => {
    const m = model('6.12', 'vdpa_sim_dma');
    expect(last(run(m, [open, owner, U(0, 0, 1, 2), dok, I(0, 0, 1)])).unpinWindow).toBe(0);
    expect(last(run(m, [open, owner, U(0, 0, 1, 2), free2, I(0, 0, 1)])).unpinWindow).toBe(0);
    const after = run(m, [open, owner, U(0, 0, 1, 2), dok, free2, I(0, 0, 1), U(0, 0, 1, 0)]);
    expect(last(after).unpinWindow).toBe(0);
    expect(isolation(m, last(after))).toBeUndefined();
  });
});

describe('what `any` finds through these paths (shortest traces, and where they do not exist)', () => {
  test('pin-accounting: 6.12 vdpa_sim, the second allocation of [0x2000,0x4000) fails, h3 stays pinned (4 steps)', async () => {
    const r = await checkVdpa('6.12', 'vdpa_sim_dma', 'any', 'pin-accounting', 4);
    expect(r.violated).toBe(true);
    expect(r.length).toBe(4);
    expect(r.labels.join('\n')).toMatch(/allocation after the next 1 fails/);
    expect(r.message).toMatch(/h3 is pinned 1 times, vhost-vdpa's iotlb maps it 0 times/);
  });
  test('pin-accounting holds on 6.12 vdpa_sim_dma with QEMU (one fault-free script)', async () => {
    const r = await checkVdpa('6.12', 'vdpa_sim_dma', 'qemu', 'pin-accounting', 120);
    expect(r.violated).toBe(false);
  });
  test('dma-isolation: 6.12 platform, the unpin window of an INVALIDATE on a running device', async () => {
    const r = await checkVdpa('6.12', 'platform', 'any', 'dma-isolation', 8);
    expect(r.violated).toBe(true);
    expect(r.message).toMatch(/unpinned h\d/);
    expect(r.length).toBe(6);
  });
});

describe('SUSPEND / RESUME (vdpa.c v6.12 vhost_vdpa_suspend/resume l.620-660; v6.1 vhost_vdpa_suspend l.504-513)', () => {
  const dok: Action = { t: 'setStatus', status: 0xf };
  const suspend: Action = { t: 'suspend' };
  const resume: Action = { t: 'resume' };
  test('6.12: 0 before DRIVER_OK even without the op; -EOPNOTSUPP once DRIVER_OK is set', () => {
    const r = run(model('6.12', 'platform'), [open, owner, suspend, resume, dok, suspend, resume]);
    expect(r.rets.slice(2)).toEqual(['0 (no DRIVER_OK: nothing to suspend)', '0 (no DRIVER_OK: nothing to resume)', '0',
      '-EOPNOTSUPP (parent has no suspend)', '-EOPNOTSUPP (parent has no resume)']);
  });
  test('6.1: no DRIVER_OK check (-EOPNOTSUPP without the op; vdpa_sim suspended before DRIVER_OK)', () => {
    expect(run(model('6.1', 'platform'), [open, owner, suspend]).rets[2]).toBe('-EOPNOTSUPP (parent has no suspend)');
    const r = run(model('6.1', 'vdpa_sim'), [open, owner, suspend]);
    expect(r.rets[2]).toBe('0');
    expect(last(r).devSuspended).toBe(true);
  });
  test('vdpasim_set_status (vdpa_sim.c): running = DRIVER_OK, so DRIVER_OK written again runs a suspended device', () => {
    const r = run(model('6.12', 'vdpa_sim'), [open, owner, dok, suspend, dok]);
    expect(r.worlds[4]!.devSuspended).toBe(true);
    expect(last(r).devSuspended).toBe(false);
    expect(last(r).suspended).toBe(true); // vhost-vdpa's v->suspended is not told
    // the other way: RESUME clears both
    const s = run(model('6.12', 'vdpa_sim'), [open, owner, dok, suspend, resume]);
    expect(last(s).devSuspended).toBe(false);
    expect(last(s).suspended).toBe(false);
  });
});

describe('VHOST_VDPA_SET_GROUP_ASID bounds (vdpa.c v6.12 vhost_vdpa_vring_ioctl l.684-740; 6.1.192 l.531-560)', () => {
  const sga = (group: number, asid: number): Action => ({ t: 'setGroupAsid', group, asid });
  test('6.12 vdpa_sim: index >= nvqs (3) -ENOBUFS, group >= ngroups (2) or asid >= nas (2) -EINVAL', () => {
    const r = run(model('6.12', 'vdpa_sim'), [open, owner, sga(3, 0), sga(2, 0), sga(0, 2), sga(1, 1)]);
    expect(r.rets.slice(2)).toEqual(['-ENOBUFS (index 3 >= nvqs 3)', '-EINVAL (group 2 >= ngroups 2)', '-EINVAL (asid 2 >= nas 2)', '0']);
    expect(last(r).group2asid.slice(0, 2)).toEqual([0, 1]);
  });
  test('6.6 (before cd025c1e876b): vdpa_sim checks group > ngroups itself, so group == ngroups returns 0 and re-points nothing', () => {
    const r = run(model('6.6', 'vdpa_sim'), [open, owner, sga(2, 1), sga(3, 0)]);
    expect(r.rets.slice(2)).toEqual(['0', '-ENOBUFS (index 3 >= nvqs 3)']);
    expect(last(r).group2asid).toEqual([0, 0, 0]);
  });
  test('`any` has the out-of-range letters, refused (no world added) except the 6.6 off-by-one', () => {
    const ctx = model('6.12', 'vdpa_sim').ctx;
    const letters = anyUserspace().alphabet(ctx).filter((a) => a.t === 'setGroupAsid' && (a.group >= 2 || a.asid >= 2));
    expect(letters).toEqual([sga(2, 0), sga(3, 0), sga(0, 2)]);
  });
});

describe('UPDATE of size 0 (vhost.c vhost_chr_write_iter: 6.12.117 l.1731-1734, 6.1.192 l.1211-1214: -EINVAL before the handler)', () => {
  // The handler's own !msg->size check (vdpa.c 6.12 l.1283) is never reached; measured in the lab (lab/DISCREPANCIES.md D2)
  test('refused with -EINVAL, owner or not, and no address space created (a self-loop), on both kernels', () => {
    for (const k of ['6.12', '6.1']) {
      const r = run(model(k, 'mlx5'), [open, owner, U(0, 0, 0, 0)]);
      expect(r.rets[2]).toMatch(/^-EINVAL \(size 0/);
      expect(last(r).asExists).toBe(0);
      expect(r.worlds[3]).toBe(r.worlds[2]);
      const noOwner = run(model(k, 'mlx5'), [open, U(0, 0, 0, 0)]);
      expect(noOwner.rets[1]).toMatch(/^-EINVAL/);
    }
  });
  test('the other way: an UPDATE of one page reaches the handler: AS created; without the owner -EFAULT (-EPERM)', () => {
    const r = run(model('6.12', 'mlx5'), [open, owner, U(0, 0, 1, 0)]);
    expect(r.rets[2]).toBe('0');
    expect(last(r).asExists).toBe(1);
    expect(run(model('6.12', 'mlx5'), [open, U(0, 0, 1, 0)]).rets[1]).toMatch(/^-EFAULT \(-EPERM/);
  });
});

describe('VHOST_VDPA_RESUME on 6.1, which has no such ioctl (vdpa.c 6.1.176 l.717-720 → vhost_dev_ioctl → vhost_vdpa_vring_ioctl)', () => {
  test('-EPERM without the owner (vhost_dev_check_owner), -EFAULT with it (get_user of the NULL argument)', () => {
    const m = model('6.1', 'vdpa_sim');
    expect(run(m, [open, { t: 'resume' }]).rets[1]).toMatch(/^-EPERM/);
    expect(run(m, [open, owner, { t: 'resume' }]).rets[2]).toMatch(/^-EFAULT/);
    expect(run(m, [{ t: 'resume' }]).rets[0]).toMatch(/^-EBADF/);
  });
});

describe('VDUSE: the domain holds its own file references (iova_domain.c vduse_iotlb_add_range l.26-49, del_range l.51-63)', () => {
  const dok: Action = { t: 'setStatus', status: 0xf };
  test('after release the stale user map is held by the domain, not "unpinned": pin-accounting holds, identity-after-detach does not', () => {
    const m = model('6.12', 'vduse');
    const r = run(m, [open, owner, U(0, 0, 1, 2), { t: 'close' }, { t: 'bindVirtio' }]);
    expect(last(r).pinned).toEqual([0, 0, 1, 0]); // vhost's reference dropped (va_unmap: fput), the domain's kept
    expect(last(r).devMap[0]).toBe(2);
    const check = (id: string): string | undefined => {
      const p = m.properties().find((x) => x.id === id)!;
      return p.kind === 'invariant' ? p.check(last(r))?.message : undefined;
    };
    expect(check('pin-accounting')).toBeUndefined();
    expect(check('identity-after-detach')).toMatch(/stale user entry .* overlaps IOVA 0x0, an IOVA virtio-vdpa can be given/);
    // the other way: INVALIDATE before close re-pushes the empty map, the domain lets go
    const clean = run(m, [open, owner, U(0, 0, 1, 2), I(0, 0, 4), { t: 'close' }, { t: 'bindVirtio' }]);
    expect(last(clean).pinned).toEqual([0, 0, 0, 0]);
    expect(last(clean).devMap.slice(0, NP)).toEqual([FAULT, FAULT, FAULT, FAULT]);
  });
  test('the daemon fails VDUSE_UPDATE_IOTLB: vduse_domain_clear_map empties the domain, UPDATE fails (vduse_dev.c l.781-799)', () => {
    // an allocation passes (vduse_iotlb_add_range), the daemon's reply is the second armed point
    const r = run(model('6.12', 'vduse'), [open, owner, { t: 'parentFault', after: 1 }, U(0, 0, 1, 2)]);
    expect(r.rets[3]).toMatch(/^-EFAULT \(-EIO/);
    expect(last(r).devMap.slice(0, NP)).toEqual([FAULT, FAULT, FAULT, FAULT]);
    expect(last(r).pinned).toEqual([0, 0, 0, 0]);
  });
  test('the daemon fails VDUSE_SET_STATUS: DRIVER_OK not set, yet SET_STATUS returns 0 (vduse_vdpa_set_status l.703-711 is void)', () => {
    const r = run(model('6.12', 'vduse'), [open, owner, { t: 'parentFault' }, dok]);
    expect(r.rets[3]).toBe('0');
    expect(last(r).status).toBe(0);
    expect(last(run(model('6.12', 'vduse'), [open, owner, dok])).status).toBe(0xf);
  });
  test('the daemon fails VDUSE_SET_STATUS(0): the device is reset anyway, SET_STATUS(0) and open return -EIO (l.743-751; vdpa.c l.347-350 (_compat_vdpa_reset), l.1474-1476)', () => {
    const r = run(model('6.12', 'vduse'), [open, owner, dok, { t: 'parentFault' }, { t: 'setStatus', status: 0 }]);
    expect(r.rets[4]).toMatch(/^-EIO/);
    expect(last(r).status).toBe(0);
    const o = run(model('6.12', 'vduse'), [{ t: 'parentFault' }, open]);
    expect(o.rets[1]).toMatch(/^-EIO/);
    expect(last(o).fdOpen).toBe(false);
    expect(last(run(model('6.12', 'vduse'), [open])).fdOpen).toBe(true);
  });
});

describe('vhost_vdpa_va_map with find_vma (vdpa.c v6.12 l.1094-1143, v6.1 l.865-914)', () => {
  const free = (host: number): Action => ({ t: 'userFree', host });
  test('one entry per VMA: [0x2000,0x4000) → h2,h3 is one entry in VA mode (two in PA mode: pfns 0x200, 0x300)', () => {
    expect(last(run(model('6.12', 'vduse'), [open, owner, U(0, 2, 2, 2)])).vStart.slice(0, NP)).toEqual([-1, -1, 2, 2]);
    expect(last(run(model('6.12', 'vdpa_sim_dma'), [open, owner, U(0, 2, 2, 2)])).vStart.slice(0, NP)).toEqual([-1, -1, 2, 3]);
  });
  test('a munmapped page before a mapped one: find_vma returns the next VMA, the UPDATE succeeds through its file', () => {
    const r = run(model('6.12', 'vduse'), [open, owner, free(0), U(0, 0, 2, 0)]);
    expect(r.rets[3]).toBe('0');
    expect(last(r).vHost.slice(0, NP)).toEqual([0, 1, -1, -1]);
    expect(last(r).pinned).toEqual([2, 2, 0, 0]); // vhost's get_file and the domain's, per page
  });
  test('a munmapped page at the top: the VMA above is no shared file mapping, skipped; the UPDATE returns 0 with the rest unmapped', () => {
    const m = model('6.12', 'vduse');
    const r = run(m, [open, owner, free(3), U(0, 2, 2, 2)]);
    expect(r.rets[3]).toBe('0');
    expect(last(r).vHost.slice(0, NP)).toEqual([-1, -1, 2, -1]);
    const uka = m.properties().find((p) => p.id === 'user-kernel-agreement')!;
    expect(uka.kind === 'invariant' ? uka.check(last(r))?.message : undefined).toMatch(/0x3000: userspace believes h3/);
    // the other way: nothing munmapped, both pages mapped
    expect(last(run(m, [open, owner, U(0, 2, 2, 2)])).vHost.slice(0, NP)).toEqual([-1, -1, 2, 3]);
  });
});

describe('vdpa_sim use_va (vdpa_sim.c v6.12 l.39-41 use_va = true; vdpasim_queue_ready l.95-110; vdpasim_work_fn l.175-192)', () => {
  const dok: Action = { t: 'setStatus', status: 0xf };
  test('through the owner\'s mm: a munmapped VA faults (PA mode reaches the pinned page); nothing pinned for the device', () => {
    const steps: Action[] = [open, owner, U(0, 0, 1, 2), dok, { t: 'userFree', host: 2 }];
    const va = model('6.12', 'vdpa_sim_va');
    const w = last(run(va, steps));
    expect(va.ctx.ops.translate(w, 0, 0)).toBe(FAULT);
    expect(w.vStart.slice(0, NP)).toEqual([0, -1, -1, -1]);
    const pa = model('6.12', 'vdpa_sim');
    expect(pa.ctx.ops.translate(last(run(pa, steps)), 0, 0)).toBe(2);
  });
  test('passthrough makes the IOVA a user VA: before the first map the device faults instead of reaching physical memory', () => {
    const va = model('6.12', 'vdpa_sim_va');
    expect(va.ctx.ops.translate(last(run(va, [open, owner, dok])), 0, 0)).toBe(FAULT);
    const pa = model('6.12', 'vdpa_sim');
    expect(pa.ctx.ops.translate(last(run(pa, [open, owner, dok])), 0, 0)).toBe(IDENTITY);
    // without a bound mm (virtio-vdpa) the iotlb is physical again: passthrough is the 1:1 map
    expect(va.ctx.ops.translate(last(run(va, [{ t: 'bindVirtio' }])), 0, 0)).toBe(IDENTITY);
  });
  test('6.1 has no use_va', () => {
    expect(() => makeParent('vdpa_sim_va', VDPA_KERNEL_TABLE['6.1']!)).toThrow(/no use_va in 6.1/);
  });
});
