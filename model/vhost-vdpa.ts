// vhost-vdpa (drivers/vhost/vdpa.c): the char device, its ioctls and the IOTLB message handler.
// Each function mutates an Immer draft of the world; spec/vdpa/transitions.ts has already refused
// what the guards refuse (EBUSY, EPERM, EOPNOTSUPP ...), so only data-dependent errors are decided here.
import { FAULT, F, NP, S_DRIVER_OK, bit, iovaRange } from '../spec/vdpa/constants.js';
import type { World } from '../spec/vdpa/world.js';
import { call, LANE_PARENT, LANE_VHOST, returned } from './call-log.js';
import { fail, OK, type CallResult, type VdpaCtx } from './context.js';
import { contiguousChunks, isFreed, pinPage, unpinPage } from './host-memory.js';
import { vdpa_reset } from './vdpa-bus.js';
import { addEntry, entriesIntersecting, isEmpty, overlaps, removeEntry, type Entry } from './vhost-iotlb.js';
import { VDPA_RESET_F_CLEAN_MAP, takeFault } from './parents/ops.js';

const hasFeature = (w: World, name: keyof typeof F): boolean => (w.acked & bit(name)) !== 0;

// _compat_vdpa_reset (v6.7+, bc91df5c70ac): CLEAN_MAP unless IOTLB_PERSIST acked, only once vqs exist.
function _compat_vdpa_reset(ctx: VdpaCtx, d: World, vqsExist: boolean): void {
  if (ctx.kernel.suspendTracked) d.suspended = false;
  const flags = ctx.kernel.compatReset && vqsExist && !hasFeature(d, 'IOTLB_PERSIST') ? VDPA_RESET_F_CLEAN_MAP : 0;
  vdpa_reset(ctx, d, flags, LANE_VHOST);
}

// vhost_vdpa_reset (v6.1: in_batch = 0 + vdpa_reset; v6.7+: in_batch = 0 + _compat_vdpa_reset)
function vhost_vdpa_reset(ctx: VdpaCtx, d: World, vqsExist: boolean): void {
  d.inBatch = false;
  _compat_vdpa_reset(ctx, d, vqsExist);
}

// vhost_vdpa_alloc_domain (v6.1+): only for parents with neither set_map nor dma_map
function vhost_vdpa_alloc_domain(ctx: VdpaCtx, d: World): void {
  if (ctx.ops.set_map !== undefined || ctx.ops.dma_map !== undefined) return;
  for (let p = 0; p < NP; p++) d.devMap[p] = FAULT;
  d.domainAttached = true;
  call(LANE_VHOST, LANE_PARENT, 'iommu_domain_alloc', { note: 'iommu_attach_device: empty domain' });
}

// vhost_vdpa_open (v6.1+): exclusive open, reset with vqs not yet allocated (flags 0), vhost_dev_init, domain
export function vhost_vdpa_open(ctx: VdpaCtx, d: World): CallResult {
  d.fdOpen = true;
  vhost_vdpa_reset(ctx, d, false);
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

// vhost_vdpa_set_status (v6.1: status 0 → vdpa_reset; v6.7+: → _compat_vdpa_reset, in_batch NOT cleared)
export function vhost_vdpa_set_status(ctx: VdpaCtx, d: World, status: number): CallResult {
  if (status === 0) {
    _compat_vdpa_reset(ctx, d, true);
  } else {
    call(LANE_VHOST, LANE_PARENT, 'vdpa_set_status', () => ({ args: { status: `0x${status.toString(16)}` } }));
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
  const ev = call(LANE_VHOST, LANE_PARENT, 'ops->set_group_asid', () => ({ args: { group, asid } }));
  const r = ctx.ops.set_group_asid?.(d, group, asid) ?? '-EOPNOTSUPP';
  returned(ev, r);
  return r === 0 ? OK : fail(r);
}

// vhost_vdpa_general_unmap (v6.1+): dma_unmap for dma_map parents, iommu_unmap for platform, nothing for set_map
function vhost_vdpa_general_unmap(ctx: VdpaCtx, d: World, asid: number, e: Entry): void {
  if (ctx.ops.dma_map !== undefined) {
    call(LANE_VHOST, LANE_PARENT, 'ops->dma_unmap', () => ({ args: { asid, iova: iovaRange(e.start, e.npages) } }));
    ctx.ops.dma_unmap?.(d, asid, e.start, e.npages);
  } else if (ctx.ops.set_map === undefined) {
    call(LANE_VHOST, LANE_PARENT, 'iommu_unmap', () => ({ args: { iova: iovaRange(e.start, e.npages) } }));
    for (let i = 0; i < e.npages; i++) d.devMap[e.start + i] = FAULT;
  }
}

// vhost_vdpa_pa_unmap / vhost_vdpa_va_unmap (v6.1+): whole entries, pages unpinned BEFORE the device unmap
function vhost_vdpa_iotlb_unmap(ctx: VdpaCtx, d: World, asid: number, first: number, last: number): void {
  for (const e of entriesIntersecting(d, asid, first, last)) {
    for (const h of e.hosts) unpinPage(d, h, ctx.ops.useVa);
    vhost_vdpa_general_unmap(ctx, d, asid, e);
    removeEntry(d, asid, e);
  }
}

// vhost_vdpa_remove_as (v6.1: unmap all; v6.7+ 1d0f874bfe78: then ops->reset_map)
function vhost_vdpa_remove_as(ctx: VdpaCtx, d: World, asid: number): void {
  d.asExists &= ~(1 << asid);
  vhost_vdpa_iotlb_unmap(ctx, d, asid, 0, NP - 1);
  if (ctx.kernel.resetMapInRemoveAs && ctx.ops.reset_map !== undefined) {
    call(LANE_VHOST, LANE_PARENT, 'ops->reset_map', () => ({ args: { asid } }));
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

// vhost_vdpa_map (v6.1+): iotlb entry first, then dma_map / set_map (deferred in a batch) / iommu_map;
// on failure the entry is deleted again (vhost_iotlb_del_range) and the error returned
function vhost_vdpa_map(ctx: VdpaCtx, d: World, asid: number, page: number, hosts: readonly number[]): string | 0 {
  addEntry(d, asid, page, hosts);
  const range = iovaRange(page, hosts.length);
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
    call(LANE_VHOST, LANE_PARENT, 'iommu_map', () => ({ args: { iova: range }, ret: '-ENOMEM' }));
    r = '-ENOMEM';
  } else {
    call(LANE_VHOST, LANE_PARENT, 'iommu_map', () => ({ args: { iova: range }, ret: '0' }));
    for (let i = 0; i < hosts.length; i++) d.devMap[page + i] = hosts[i]!;
  }
  if (r !== 0) {
    removeEntry(d, asid, { start: page, npages: hosts.length, hosts });
    call(LANE_VHOST, LANE_VHOST, 'vhost_iotlb_del_range', () => ({ args: { iova: range }, note: `undo after ${r}` }));
  }
  return r;
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
    // vhost_vdpa_va_map: one entry per VMA; a hole in the VA range → -EINVAL
    if (hosts.some((h) => isFreed(d, h))) return fail('-EFAULT', '-EINVAL: no VMA at uaddr (munmapped)');
    for (const h of hosts) pinPage(d, h); // get_file on the VMA's file keeps its pages alive (counted as a pin)
    call(LANE_VHOST, LANE_VHOST, 'get_file', () => ({ args: { file: `vma->vm_file of ${hosts.map((h) => 'h' + h).join(',')}` } }));
    const r = vhost_vdpa_map(ctx, d, asid, page, hosts);
    if (r === 0) return OK;
    for (const h of hosts) unpinPage(d, h, true);
    vhost_vdpa_unmap(ctx, d, asid, page, page + npages - 1);
    return fail('-EFAULT', `${r}: vhost_vdpa_map failed`);
  }
  // pin_user_pages of the whole range first: a munmapped page fails it (-EFAULT, or -ENOMEM if partial)
  const firstBad = hosts.findIndex((h) => isFreed(d, h));
  if (firstBad >= 0) {
    return fail('-EFAULT', firstBad === 0 ? '-EFAULT: pin_user_pages failed (munmapped)' : '-ENOMEM: pin_user_pages pinned fewer pages');
  }
  for (const h of hosts) pinPage(d, h);
  call(LANE_VHOST, LANE_VHOST, 'pin_user_pages', () => ({ pinned: [...hosts] }));
  let iova = page;
  const chunks = contiguousChunks(hosts);
  for (let c = 0; c < chunks.length; c++) {
    const r = vhost_vdpa_map(ctx, d, asid, iova, chunks[c]!);
    if (r !== 0) {
      // error path of vhost_vdpa_pa_map: unpin the pages not mapped yet, then vhost_vdpa_unmap the
      // whole range (unpins what was mapped, and set_map again unless in a batch)
      for (let k = c; k < chunks.length; k++) for (const h of chunks[k]!) unpinPage(d, h);
      vhost_vdpa_unmap(ctx, d, asid, page, page + npages - 1);
      return fail('-EFAULT', `${r}: vhost_vdpa_map failed for ${iovaRange(iova, chunks[c]!.length)}`);
    }
    iova += chunks[c]!.length;
  }
  return OK;
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
      call(LANE_VHOST, LANE_VHOST, 'vhost_vdpa_alloc_as', () => ({ args: { asid } }));
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
    call(LANE_VHOST, LANE_PARENT, 'iommu_detach_device', { note: 'iommu_domain_free: back to the default domain' });
  }
  d.acked = 0;
  d.owner = false;
  d.fdOpen = false;
  return OK;
}
