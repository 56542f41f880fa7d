// vhost-vdpa (drivers/vhost/vdpa.c): the char device, its ioctls and the IOTLB message handler.
// Each function mutates an Immer draft of the world; spec/vdpa/transitions.ts has already refused
// what the guards refuse (EBUSY, EPERM, EOPNOTSUPP ...), so only data-dependent errors are decided here.
import { FAULT, F, HOST_PFN, NH, NP, S_DRIVER_OK, bit, iovaRange } from '../spec/vdpa/constants.js';
import type { World } from '../spec/vdpa/world.js';
import { call, LANE_DEVICE, LANE_PARENT, LANE_VHOST, returned } from './call-log.js';
import { deviceRuns } from './device-dma.js';
import { fail, limitsOf, OK, type CallResult, type VdpaCtx } from './context.js';
import { isFreed, ownedByOthers, pinPage, unpinPage } from './host-memory.js';
import { vdpa_reset } from './vdpa-bus.js';
import { addEntry, entriesIntersecting, entryCount, isEmpty, overlaps, removeEntry, type Entry } from './vhost-iotlb.js';
import { VDPA_RESET_F_CLEAN_MAP, takeFault } from './parents/ops.js';

const hasFeature = (w: World, name: keyof typeof F): boolean => (w.acked & bit(name)) !== 0;

// _compat_vdpa_reset (v6.7+, bc91df5c70ac): CLEAN_MAP unless IOTLB_PERSIST acked, only once vqs exist;
// returns vdpa_reset's result (v6.12 l.241-262)
function _compat_vdpa_reset(ctx: VdpaCtx, d: World, vqsExist: boolean): string | 0 {
  if (ctx.kernel.suspendTracked) d.suspended = false;
  const flags = ctx.kernel.compatReset && vqsExist && !hasFeature(d, 'IOTLB_PERSIST') ? VDPA_RESET_F_CLEAN_MAP : 0;
  return vdpa_reset(ctx, d, flags, LANE_VHOST);
}

// vhost_vdpa_reset (v6.1: in_batch = 0 + vdpa_reset; v6.7+: in_batch = 0 + _compat_vdpa_reset)
function vhost_vdpa_reset(ctx: VdpaCtx, d: World, vqsExist: boolean): string | 0 {
  d.inBatch = false;
  return _compat_vdpa_reset(ctx, d, vqsExist);
}

// vhost_vdpa_alloc_domain (v6.1+): only for parents with neither set_map nor dma_map
function vhost_vdpa_alloc_domain(ctx: VdpaCtx, d: World): void {
  if (ctx.ops.set_map !== undefined || ctx.ops.dma_map !== undefined) return;
  for (let p = 0; p < NP; p++) d.devMap[p] = FAULT;
  d.domainAttached = true;
  call(LANE_VHOST, LANE_PARENT, 'iommu_domain_alloc + iommu_attach_device (empty domain)');
}

// vhost_vdpa_open (v6.1+): exclusive open, reset with vqs not yet allocated (flags 0), vhost_dev_init, domain
// (v6.12 l.1459-1505): a failing reset fails the open (`goto err`: opened dropped), the device reset anyway
export function vhost_vdpa_open(ctx: VdpaCtx, d: World): CallResult {
  d.fdOpen = true;
  const r = vhost_vdpa_reset(ctx, d, false);
  if (r !== 0) {
    d.fdOpen = false;
    return fail(r, `${r}: vhost_vdpa_reset failed, open fails`);
  }
  d.acked = 0; // vhost_dev_init → vhost_vq_reset: acked_backend_features = 0
  vhost_vdpa_alloc_domain(ctx, d);
  return OK;
}

// vhost_dev_set_owner (drivers/vhost/vhost.c, v6.1+)
export function vhost_dev_set_owner(d: World): CallResult {
  d.owner = true;
  return OK;
}

// vhost_set_backend_features (vhost.c, v6.1+): store on every vq; the checks ran in the guard
export function vhost_set_backend_features(d: World, features: number): CallResult {
  d.acked = features;
  return OK;
}

// vhost_vdpa_set_status (v6.1: status 0 → vdpa_reset; v6.7+: → _compat_vdpa_reset, in_batch NOT cleared);
// a reset's error is returned (v6.12 l.347-350), a set_status's cannot be (vdpa_set_status is void)
export function vhost_vdpa_set_status(ctx: VdpaCtx, d: World, status: number): CallResult {
  if (status === 0) {
    const r = _compat_vdpa_reset(ctx, d, true);
    if (r !== 0) return fail(r, `${r}: the parent's reset failed (the device was reset all the same)`);
  } else {
    call(LANE_VHOST, LANE_PARENT, () => `vdpa_set_status(0x${status.toString(16)})`);
    ctx.ops.set_status(d, status);
  }
  return OK;
}

// vhost_vdpa_suspend (v6.1: ops->suspend; v6.8+: no-op without DRIVER_OK, tracks v->suspended)
export function vhost_vdpa_suspend(ctx: VdpaCtx, d: World): CallResult {
  if (ctx.kernel.suspendTracked && (d.status & S_DRIVER_OK) === 0) return OK;
  call(LANE_VHOST, LANE_PARENT, 'ops->suspend');
  ctx.ops.suspend?.(d);
  if (ctx.kernel.suspendTracked) d.suspended = true;
  return OK;
}

// vhost_vdpa_resume (v6.3+; v6.8+: no-op without DRIVER_OK, tracks v->suspended)
export function vhost_vdpa_resume(ctx: VdpaCtx, d: World): CallResult {
  if (ctx.kernel.suspendTracked && (d.status & S_DRIVER_OK) === 0) return OK;
  call(LANE_VHOST, LANE_PARENT, 'ops->resume');
  ctx.ops.resume?.(d);
  if (ctx.kernel.suspendTracked) d.suspended = false;
  return OK;
}

// VHOST_VDPA_SET_GROUP_ASID in vhost_vdpa_vring_ioctl (v6.1+): forwarded to ops->set_group_asid
export function vhost_vdpa_set_group_asid(ctx: VdpaCtx, d: World, group: number, asid: number): CallResult {
  call(LANE_VHOST, LANE_PARENT, () => `ops->set_group_asid(group=${group}, asid=${asid})`);
  const r = ctx.ops.set_group_asid?.(d, group, asid) ?? '-EOPNOTSUPP';
  return r === 0 ? OK : fail(r);
}

// VHOST_SET_VRING_ADDR / VHOST_SET_VRING_BASE in vhost_vdpa_vring_ioctl (vdpa.c 6.12 l.773-802, 6.1
// l.585-608): after vhost_vring_ioctl, ops->set_vq_address (non-zero → -EINVAL) / ops->set_vq_state
// (its return). The guard has refused the v6.8+ DRIVER_OK case. Ring addresses and indices are not
// modelled: only what the parent keeps of the call (spec/vdpa/config-ops.ts).
export function vhost_vdpa_set_vring(ctx: VdpaCtx, d: World, which: 'addr' | 'base', vq: number): CallResult {
  if (which === 'addr') {
    call(LANE_VHOST, LANE_PARENT, () => `ops->set_vq_address(idx=${vq})`);
    const r = ctx.ops.set_vq_address?.(d, vq) ?? 0;
    return r === 0 ? OK : fail('-EINVAL', `${r}: set_vq_address failed`);
  }
  call(LANE_VHOST, LANE_PARENT, () => `ops->set_vq_state(idx=${vq})`);
  const r = ctx.ops.set_vq_state?.(d, vq) ?? 0;
  return r === 0 ? OK : fail(r);
}

// VHOST_VDPA_SET_VRING_ENABLE in vhost_vdpa_vring_ioctl (vdpa.c 6.12 l.708-712, 6.1 l.538-542):
// ops->set_vq_ready(idx, num), void, 0 whatever it did.
export function vhost_vdpa_set_vring_enable(ctx: VdpaCtx, d: World, vq: number, ready: number): CallResult {
  call(LANE_VHOST, LANE_PARENT, () => `ops->set_vq_ready(idx=${vq}, ${ready !== 0})`);
  ctx.ops.set_vq_ready?.(d, vq, ready !== 0);
  return OK;
}

// vhost_vdpa_general_unmap (v6.1+): dma_unmap for dma_map parents, iommu_unmap for platform, nothing for set_map
function vhost_vdpa_general_unmap(ctx: VdpaCtx, d: World, asid: number, e: Entry): void {
  if (ctx.ops.dma_map !== undefined) {
    call(LANE_VHOST, LANE_PARENT, 'ops->dma_unmap', () => ({ args: { asid, iova: iovaRange(e.start, e.npages) } }));
    ctx.ops.dma_unmap?.(d, asid, e.start, e.npages);
  } else if (ctx.ops.set_map === undefined) {
    call(LANE_VHOST, LANE_PARENT, () => `iommu_unmap(domain, iova=${iovaRange(e.start, e.npages)})`);
    for (let i = 0; i < e.npages; i++) d.devMap[e.start + i] = FAULT;
  }
}

// vhost_vdpa_pa_unmap (v6.12 l.970-991, v6.1 l.742-763) / vhost_vdpa_va_unmap: whole entries, pages
// unpinned BEFORE the parent's unmap (vhost_vdpa_general_unmap; for set_map parents the set_map after
// the loop, or at BATCH_END). A running device can reach an unpinned page in between: noted in
// d.unpinWindow when that page was munmapped (back to the allocator) and the driver still uses the IOVA.
function vhost_vdpa_iotlb_unmap(ctx: VdpaCtx, d: World, asid: number, first: number, last: number): void {
  for (const e of entriesIntersecting(d, asid, first, last)) {
    for (const h of e.hosts) unpinPage(d, h, ctx.ops.useVa);
    if (!ctx.ops.useVa) noteUnpinWindow(ctx, d, asid);
    vhost_vdpa_general_unmap(ctx, d, asid, e);
    removeEntry(d, asid, e);
  }
}

/** Between unpin_user_page and the parent's unmap: what a running group on `asid` reaches. */
function noteUnpinWindow(ctx: VdpaCtx, d: World, asid: number): void {
  if (d.userFreed === 0) return;
  for (let g = 0; g < ctx.ops.ngroups; g++) {
    if (d.group2asid[g] !== asid || !deviceRuns(ctx, d, g)) continue;
    const a = d.uGroupAsid[g]!;
    for (let p = 0; p < NP; p++) {
      if (d.uMap[a * NP + p]! < 0) continue; // the driver does not use this IOVA
      const t = ctx.ops.translate(d, g, p);
      if (t >= 0 && ownedByOthers(d, t)) {
        d.unpinWindow |= 1 << t;
        call(LANE_VHOST, LANE_DEVICE, () => `window: h${t} unpinned and freed, group ${g} still translates IOVA ${iovaRange(p, 1)} to it`);
      }
    }
  }
}

// vhost_vdpa_remove_as (v6.1: unmap all; v6.7+ 1d0f874bfe78: then ops->reset_map)
function vhost_vdpa_remove_as(ctx: VdpaCtx, d: World, asid: number): void {
  d.asExists &= ~(1 << asid);
  vhost_vdpa_iotlb_unmap(ctx, d, asid, 0, NP - 1);
  if (ctx.kernel.resetMapInRemoveAs && ctx.ops.reset_map !== undefined) {
    call(LANE_VHOST, LANE_PARENT, () => `ops->reset_map(asid=${asid})`);
    ctx.ops.reset_map(d, asid);
  }
}

// vhost_vdpa_unmap (v6.1+): iotlb unmap, then set_map of the whole iotlb unless in a batch
function vhost_vdpa_unmap(ctx: VdpaCtx, d: World, asid: number, first: number, last: number): void {
  vhost_vdpa_iotlb_unmap(ctx, d, asid, first, last);
  if (ctx.ops.set_map !== undefined && !d.inBatch) {
    const ev = call(LANE_VHOST, LANE_PARENT, 'ops->set_map', () => ({ args: { asid }, ignored: true }));
    returned(ev, ctx.ops.set_map(d, asid));
  }
}

// vhost_vdpa_map (drivers/vhost/vdpa.c v6.12 l.1042-1075, v6.1 the same): iotlb entry first
// (vhost_iotlb_add_range_ctx: -ENOSPC at max_iotlb_entries, nothing added, no parent call), then
// dma_map / set_map (deferred in a batch) / iommu_map; on a parent failure the entry is deleted again
// (vhost_iotlb_del_range) and the error returned. The iotlb node's own kmalloc failing would act as
// -ENOSPC does (nothing added, no parent call): the limit stands for both.
function vhost_vdpa_map(ctx: VdpaCtx, d: World, asid: number, page: number, hosts: readonly number[]): string | 0 {
  const range = iovaRange(page, hosts.length);
  if (entryCount(d, asid) >= limitsOf(ctx).iotlbLimit) {
    call(LANE_VHOST, LANE_VHOST, () => `vhost_iotlb_add_range_ctx(${range}): -ENOSPC (max_iotlb_entries)`);
    return '-ENOSPC';
  }
  addEntry(d, asid, page, hosts);
  let r: string | 0 = 0;
  if (ctx.ops.dma_map !== undefined) {
    const ev = call(LANE_VHOST, LANE_PARENT, 'ops->dma_map', () => ({ args: { asid, iova: range } }));
    r = ctx.ops.dma_map(d, asid, page, hosts);
    returned(ev, r);
  } else if (ctx.ops.set_map !== undefined) {
    if (!d.inBatch) {
      const ev = call(LANE_VHOST, LANE_PARENT, 'ops->set_map', () => ({ args: { asid } }));
      r = ctx.ops.set_map(d, asid);
      returned(ev, r);
    }
  } else if (takeFault(d)) {
    call(LANE_VHOST, LANE_PARENT, () => `iommu_map(domain, iova=${range}) -ENOMEM`);
    r = '-ENOMEM';
  } else {
    call(LANE_VHOST, LANE_PARENT, () => `iommu_map(domain, iova=${range})`);
    for (let i = 0; i < hosts.length; i++) d.devMap[page + i] = hosts[i]!;
  }
  if (r !== 0) {
    removeEntry(d, asid, { start: page, npages: hosts.length, hosts });
    call(LANE_VHOST, LANE_VHOST, () => `vhost_iotlb_del_range(${range}): ${r}`);
  }
  return r;
}

const pfnOf = (h: number): number => HOST_PFN[h] ?? -2;

// vhost_vdpa_pa_map (drivers/vhost/vdpa.c v6.12 l.1145-1275; v6.1 l.916-1046, the same but for
// pin_user_pages' vmas argument). Pins in batches of pinBatch pages (page_list: 512 pointers); a run of
// physically contiguous pages is mapped (one iotlb entry) when the next page breaks it, the last run
// after the loop. `nchunks` counts the batches pinned since the last run was mapped: the common error
// path unpins the pending run [map_pfn, last_pfn] only when nchunks != 0, so a failure of the rest
// chunk after a run was mapped inside the same batch leaves that rest chunk pinned (l.1236, 1251).
// Every failure that reaches `out:` — a pin failure included — ends in vhost_vdpa_unmap of the whole
// range, which re-pushes set_map outside a batch (l.1267).
//
// Simplified, and why no verdict depends on it: the RLIMIT_MEMLOCK check (l.1182-1186) and the
// page_list allocation fail before anything is pinned and leave by `unlock:`/`free:` without
// vhost_vdpa_unmap: a refused self-loop, so no world is missed. pinned_vm is not kept: it only feeds
// that check. With pinBatch 1 the partial pin inside a batch (l.1196-1203) and the second nchunks = 0
// leak (a later batch failing to pin after a run of the previous batch was mapped) need three pages and
// a batch of 2, which `any`'s two-page updates never make; both are tested with pinBatch 2, and the
// invariant they break (pin-accounting) is already broken by the rest-chunk path.
function vhost_vdpa_pa_map(ctx: VdpaCtx, d: World, asid: number, start: number, hosts: readonly number[]): string | 0 {
  const batch = limitsOf(ctx).pinBatch;
  let npages = hosts.length;
  let cur = 0; // cur_base, as an index into hosts
  let iova = start;
  let nchunks = 0;
  let mapIdx = 0; // map_pfn
  let lastIdx = -1; // last_pfn (-1: last_pfn == 0, nothing pinned yet)
  let ret: string | 0 = 0;
  const mapRun = (): string | 0 => vhost_vdpa_map(ctx, d, asid, iova, hosts.slice(mapIdx, lastIdx + 1));
  pin: {
    while (npages > 0) {
      const sz2pin = Math.min(npages, batch);
      // pin_user_pages: stops at the first munmapped page; -EFAULT if that is the first one
      let pinned = 0;
      while (pinned < sz2pin && !isFreed(d, hosts[cur + pinned]!)) pinned++;
      if (pinned !== sz2pin) {
        // pinned > 0: unpin_user_pages(page_list, pinned) at once, -ENOMEM (net: no pin left)
        ret = pinned === 0 ? '-EFAULT' : '-ENOMEM';
        call(LANE_VHOST, LANE_VHOST, () => `pin_user_pages(h${hosts[cur]!}..): ${pinned === 0 ? '-EFAULT' : `${pinned} of ${sz2pin}, unpinned, -ENOMEM`}`);
        break pin;
      }
      for (let i = 0; i < pinned; i++) pinPage(d, hosts[cur + i]!);
      call(LANE_VHOST, LANE_VHOST, 'pin_user_pages', () => ({ pinned: hosts.slice(cur, cur + pinned) }));
      nchunks++;
      if (lastIdx < 0) mapIdx = cur;
      for (let i = 0; i < pinned; i++) {
        const idx = cur + i;
        if (lastIdx >= 0 && pfnOf(hosts[idx]!) !== pfnOf(hosts[lastIdx]!) + 1) {
          const r = mapRun();
          if (r !== 0) {
            // unpin_user_pages(&page_list[i], pinned - i): the rest of this batch
            for (let k = idx; k < cur + pinned; k++) unpinPage(d, hosts[k]!);
            ret = r;
            break pin;
          }
          iova += lastIdx - mapIdx + 1;
          mapIdx = idx;
          nchunks = 0;
        }
        lastIdx = idx;
      }
      cur += pinned;
      npages -= pinned;
    }
    ret = mapRun(); // "Pin the rest chunk"
  }
  if (ret !== 0) {
    if (nchunks !== 0) for (let k = mapIdx; k <= lastIdx; k++) unpinPage(d, hosts[k]!);
    else if (lastIdx >= 0) { // the pending run was pinned in a batch that has since mapped a run
      call(LANE_VHOST, LANE_VHOST, () => `nchunks == 0: ${hosts.slice(mapIdx, lastIdx + 1).map((h) => 'h' + h).join(',')} stay pinned (no entry)`);
    }
    vhost_vdpa_unmap(ctx, d, asid, start, start + hosts.length - 1);
  }
  return ret;
}

// vhost_vdpa_process_iotlb_update → vhost_vdpa_pa_map / vhost_vdpa_va_map (v6.1+)
function vhost_vdpa_process_iotlb_update(
  ctx: VdpaCtx, d: World, asid: number, page: number, npages: number, host: number,
): CallResult {
  if (page < 0 || npages <= 0 || page + npages > NP) return fail('-EFAULT', '-EINVAL: outside the device IOVA range');
  if (overlaps(d, asid, page, page + npages - 1)) {
    return fail('-EFAULT', `-EEXIST: ${iovaRange(page, npages)} overlaps an entry of asid ${asid}`);
  }
  const hosts: number[] = [];
  for (let i = 0; i < npages; i++) hosts.push(host + i);
  if (ctx.ops.useVa) {
    const r = vhost_vdpa_va_map(ctx, d, asid, page, hosts);
    return r === 0 ? OK : fail('-EFAULT', `${r}: vhost_vdpa_va_map failed`);
  }
  const r = vhost_vdpa_pa_map(ctx, d, asid, page, hosts);
  return r === 0 ? OK : fail('-EFAULT', `${r}: vhost_vdpa_pa_map failed`);
}

/**
 * The VMA find_vma returns for user page h (the first VMA ending above it), as [first, last] host
 * pages, or undefined when it is not one of the model's pages. The process maps h0..h3 as one shared
 * memfd mapping (QEMU's memory-backend-memfd,share=on, as VA mode needs); each munmap splits it. Above
 * h3 lies some VMA that is no shared file mapping (the stack at the latest), so find_vma never
 * returns NULL for these addresses: va_map's -EINVAL cannot happen here.
 */
function findVma(d: World, h: number): { first: number; last: number } | undefined {
  let first = h;
  while (first < NH && isFreed(d, first)) first++;
  if (first >= NH) return undefined;
  let last = first;
  while (last + 1 < NH && !isFreed(d, last + 1)) last++;
  return { first, last };
}

// vhost_vdpa_va_map (drivers/vhost/vdpa.c v6.12 l.1094-1143, v6.1 l.865-914): one entry per VMA from
// find_vma(uaddr), which returns the first VMA *ending above* uaddr: a munmapped page followed by a mapped
// one is mapped with that VMA's file at the offset the hole had (vm_pgoff + uaddr - vm_start), so the
// UPDATE succeeds and the entry reaches the file page the user munmapped. A VMA that is no shared file
// mapping is skipped (`goto next`) and the UPDATE still returns 0: with a hole at the top of the range the
// rest is left unmapped. A failing vhost_vdpa_map drops its file (fput) and vhost_vdpa_unmap undoes what
// was mapped before it (and re-pushes set_map outside a batch).
function vhost_vdpa_va_map(ctx: VdpaCtx, d: World, asid: number, start: number, hosts: readonly number[]): string | 0 {
  let i = 0;
  let ret: string | 0 = 0;
  while (i < hosts.length) {
    const vma = findVma(d, hosts[i]!);
    if (vma === undefined) {
      const rest = hosts.slice(i);
      call(LANE_VHOST, LANE_VHOST, () => `find_vma(${rest.map((h) => 'h' + h).join(',')}): a VMA above that is no shared file mapping, skipped (goto next)`);
      break;
    }
    const n = Math.min(hosts.length - i, vma.last - hosts[i]! + 1);
    const chunk = hosts.slice(i, i + n);
    for (const h of chunk) pinPage(d, h); // map_file->file = get_file(vma->vm_file): counted per page
    call(LANE_VHOST, LANE_VHOST, () => `get_file(vma->vm_file) for ${chunk.map((h) => 'h' + h).join(',')}` +
      (vma.first > hosts[i]! ? ` (find_vma found the VMA at h${vma.first}: the munmapped page is mapped through its file)` : ''));
    const r = vhost_vdpa_map(ctx, d, asid, start + i, chunk);
    if (r !== 0) {
      for (const h of chunk) unpinPage(d, h, true);
      ret = r;
      break;
    }
    i += n;
  }
  if (ret !== 0) vhost_vdpa_unmap(ctx, d, asid, start, start + i - 1);
  return ret;
}

export type IotlbType = 'update' | 'invalidate' | 'batchBegin' | 'batchEnd';

// vhost_vdpa_process_iotlb_msg (v6.1+): owner, AS find/alloc, batch ASID check, dispatch.
// The guard has already refused EPERM and the AS / batch-ASID errors that change nothing.
export function vhost_vdpa_process_iotlb_msg(
  ctx: VdpaCtx, d: World, type: IotlbType, asid: number, page: number, npages: number, host: number,
): CallResult {
  if (type === 'update' || type === 'batchBegin') {
    if ((d.asExists & (1 << asid)) === 0) {
      d.asExists |= 1 << asid; // vhost_vdpa_alloc_as: the AS is created even if the message then fails
      call(LANE_VHOST, LANE_VHOST, () => `vhost_vdpa_alloc_as(asid=${asid})`);
    }
  }
  if (d.inBatch && d.batchAsid !== asid) {
    return fail('-EFAULT', `-EINVAL: batch open for asid ${d.batchAsid}, message for asid ${asid}`);
  }
  switch (type) {
    case 'update':
      return vhost_vdpa_process_iotlb_update(ctx, d, asid, page, npages, host);
    case 'invalidate':
      vhost_vdpa_unmap(ctx, d, asid, page, page + npages - 1);
      if (ctx.kernel.removeAsWhenEmpty && !d.inBatch && isEmpty(d, asid)) vhost_vdpa_remove_as(ctx, d, asid);
      return OK;
    case 'batchBegin':
      d.batchAsid = asid;
      d.inBatch = true;
      return OK;
    case 'batchEnd':
      if (d.inBatch && ctx.ops.set_map !== undefined) {
        const ev = call(LANE_VHOST, LANE_PARENT, 'ops->set_map', () => ({ args: { asid }, ignored: true }));
        returned(ev, ctx.ops.set_map(d, asid));
      }
      d.inBatch = false;
      if (ctx.kernel.removeAsWhenEmpty && isEmpty(d, asid)) vhost_vdpa_remove_as(ctx, d, asid);
      return OK;
  }
}

// vhost_vdpa_release → vhost_vdpa_cleanup (v6.1; v6.7+: reset with compat flags computed from the
// features still acked, then remove_as → reset_map for every AS, domain freed, vhost_dev_cleanup)
export function vhost_vdpa_release(ctx: VdpaCtx, d: World): CallResult {
  vhost_vdpa_reset(ctx, d, true);
  for (let a = 0; a < ctx.ops.nas; a++) if ((d.asExists & (1 << a)) !== 0) vhost_vdpa_remove_as(ctx, d, a);
  if (d.domainAttached) {
    d.domainAttached = false;
    call(LANE_VHOST, LANE_PARENT, 'iommu_detach_device + iommu_domain_free (back to the default domain)');
  }
  d.acked = 0;
  d.owner = false;
  d.fdOpen = false;
  return OK;
}
