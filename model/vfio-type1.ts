// VFIO type1 (drivers/vfio/vfio_iommu_type1.c): one reducer per kernel function, named as the source
// names it, each mutating a working copy of the world (model/vfio/working-copy.ts) as vDPA's
// reducers do. Each assumes the guard (spec/vfio/transitions.ts) allowed the call; calls are
// recorded through model/call-log.ts (nothing is recorded during the search).
import { call } from './call-log.js';
import { OK, type CallResult } from './context.js';
import type { VfioCtx } from '../spec/vfio/context.js';
import { startUpdate } from './vfio/device-dma.js';
import { releaseIfUnheld } from './vfio/host-memory.js';
import { iommu_map } from './vfio/iommu.js';
import { LANE_IOMMU, LANE_VFIO } from './vfio/lanes.js';
import { MAP_LIVE_UPDATE, MAP_READ, MAP_VADDR, MAP_WRITE, UNMAP_ALL, UNMAP_VADDR, iovaHex, iovaRange, pfnName, vaddrHex } from '../spec/vfio/constants.js';
import type { MapDma, SetContainer, UnmapDma } from '../spec/vfio/actions.js';
import { domainList, firstDomain, lockedOf, type Dma, type DomainId, type VfioWorld } from '../spec/vfio/world.js';

export { LANE_IOMMU, LANE_VFIO };
const V = LANE_VFIO;
const I = LANE_IOMMU;

function pt(w: VfioWorld, d: DomainId): number[] {
  return d === 'A' ? w.ptA : w.ptB;
}

// vfio_change_dma_owner, drivers/vfio/vfio_iommu_type1.c, v6.12: the pages stay pinned, their
// locked_vm moves to the caller's mm
function vfio_change_dma_owner(d: VfioWorld, dma: Dma): void {
  if (dma.mmCur) return;
  d.lockedVm += lockedOf(d, dma);
  dma.mmCur = true;
  call(V, V, () => `vfio_change_dma_owner: locked_vm += ${lockedOf(d, dma)} in the new mm`);
}

// vfio_pin_map_dma, drivers/vfio/vfio_iommu_type1.c, v6.12 (+ K5's LIVE_UPDATE skip of
// vfio_iommu_map): pin each page, map it in every domain of the container
function vfio_pin_map_dma(ctx: VfioCtx, d: VfioWorld, dma: Dma, flags: number): void {
  const doms = domainList(d);
  const skipMap = (flags & MAP_LIVE_UPDATE) !== 0;
  for (let i = 0; i < dma.size; i++) {
    const p = dma.iova + i;
    const h = d.vmap[dma.vaddr + i]!;
    d.pins[h]!++;
    d.pinnedPfn[p] = h;
    d.lockedVm++;
    call(V, V, () => `vfio_pin_pages_remote ${vaddrHex(dma.vaddr + i)} → ${pfnName(h)} (locked_vm +1)`);
    if (skipMap) continue;
    for (const dom of doms) iommu_map(ctx, d, dom, p, h, 'iommu_map');
  }
  if (skipMap) call(V, V, 'LIVE_UPDATE: iommu_map skipped (persisted tables trusted)');
  dma.iommuMapped = true;
}

// vfio_dma_do_map, drivers/vfio/vfio_iommu_type1.c, v6.12: VADDR updates the vfio_dma in place
// (vfio_change_dma_owner); otherwise vfio_link_dma, then vfio_pin_map_dma unless domain_list is empty
export function vfio_dma_do_map(ctx: VfioCtx, d: VfioWorld, a: MapDma): CallResult {
  if (a.flags & MAP_VADDR) {
    const dma = d.dmas.find((e) => e.iova === a.iova)!;
    // lockedVmFollowsTask: before 90fdd158a695 (v6.3) there is no vfio_change_dma_owner
    if (!ctx.kernel.lockedVmFollowsTask) vfio_change_dma_owner(d, dma);
    dma.vaddr = a.vaddr;
    dma.vaddrInvalid = false;
    call(V, V, () => `vfio_dma ${iovaRange(dma.iova, dma.size)}: vaddr = ${vaddrHex(a.vaddr)}, valid`);
    return OK;
  }
  const dma: Dma = {
    iova: a.iova, size: a.size, vaddr: a.vaddr, prot: a.flags & (MAP_READ | MAP_WRITE),
    vaddrInvalid: false, iommuMapped: false, mmCur: true,
  };
  let at = 0;
  while (at < d.dmas.length && d.dmas[at]!.iova < a.iova) at++;
  d.dmas.splice(at, 0, dma);
  call(V, V, () => `vfio_link_dma ${iovaRange(a.iova, a.size)}`);
  if (domainList(d).length === 0) {
    call(V, V, 'no IOMMU domain: nothing pinned or mapped');
    return OK;
  }
  vfio_pin_map_dma(ctx, d, dma, a.flags);
  return OK;
}

// vfio_unmap_unpin, drivers/vfio/vfio_iommu_type1.c, v6.12: other domains unmapped first; the pfns
// to unpin are read back from the first domain ("we use the IOMMU to track the physical addresses").
function vfio_unmap_unpin(d: VfioWorld, dma: Dma): void {
  const doms = domainList(d);
  const first = firstDomain(d);
  if (!dma.iommuMapped || first === undefined) {
    for (let p = dma.iova; p < dma.iova + dma.size; p++) d.pinnedPfn[p] = -1;
    return;
  }
  for (const dom of doms) {
    if (dom === first) continue;
    for (let p = dma.iova; p < dma.iova + dma.size; p++) pt(d, dom)[p] = -1;
    call(V, I, () => `iommu_unmap domain ${dom} ${iovaRange(dma.iova, dma.size)}`);
  }
  const fpt = pt(d, first);
  let unlocked = 0;
  for (let p = dma.iova; p < dma.iova + dma.size; p++) {
    const h = fpt[p]!;
    d.pinnedPfn[p] = -1;
    if (h < 0) {
      call(V, V, () => `WARN_ON(!phys): iommu_iova_to_phys(domain ${first}, ${iovaHex(p)}) = 0, page skipped`);
      continue;
    }
    fpt[p] = -1;
    call(V, I, () => `iommu_unmap domain ${first} ${iovaHex(p)} (was → ${pfnName(h)}); iotlb sync`);
    d.pins[h]!--;
    unlocked++;
    call(V, V, () => `unpin ${pfnName(h)} (read from domain ${first})`);
    releaseIfUnheld(d, h);
  }
  if (dma.mmCur) d.lockedVm -= unlocked;
}

// vfio_remove_dma, drivers/vfio/vfio_iommu_type1.c, v6.12: vfio_unmap_unpin, then vfio_unlink_dma
function vfio_remove_dma(d: VfioWorld, dma: Dma): void {
  vfio_unmap_unpin(d, dma);
  if (d.inUpdate) for (let p = dma.iova; p < dma.iova + dma.size; p++) d.keep[p] = false;
  call(V, V, () => `vfio_remove_dma ${iovaRange(dma.iova, dma.size)}`);
}

// vfio_dma_do_unmap, drivers/vfio/vfio_iommu_type1.c, v6.12: VADDR only marks vaddr_invalid (DMA
// continues); otherwise vfio_remove_dma of every vfio_dma starting in the range
export function vfio_dma_do_unmap(_ctx: VfioCtx, d: VfioWorld, a: UnmapDma): CallResult {
  const all = (a.flags & UNMAP_ALL) !== 0;
  const first = all ? 0 : a.iova;
  const end = all ? Infinity : a.iova + a.size;
  if (a.flags & UNMAP_VADDR) {
    for (const dma of d.dmas) {
      if (dma.iova < first || dma.iova >= end) continue;
      dma.vaddrInvalid = true;
      call(V, V, () => `vfio_dma ${iovaRange(dma.iova, dma.size)}: vaddr_invalid (DMA continues)`);
    }
    startUpdate(d);
    return OK;
  }
  for (const dma of d.dmas.filter((e) => e.iova >= first && e.iova < end)) vfio_remove_dma(d, dma);
  d.dmas = d.dmas.filter((e) => e.iova < first || e.iova >= end);
  return OK;
}

// vfio_iommu_replay, drivers/vfio/vfio_iommu_type1.c, v6.12: every vfio_dma into the new domain,
// phys read from the first domain for mapped ones (WARN_ON(!phys) skips), pinned now for the others
function vfio_iommu_replay(ctx: VfioCtx, d: VfioWorld, dom: DomainId): void {
  const src = firstDomain(d);
  for (const dma of d.dmas) {
    for (let p = dma.iova; p < dma.iova + dma.size; p++) {
      let phys: number;
      if (dma.iommuMapped) {
        phys = src === undefined ? -1 : pt(d, src)[p]!;
        if (phys < 0) {
          call(V, V, () => `replay: WARN_ON(!phys) at ${iovaHex(p)}, skipped`);
          continue;
        }
      } else {
        phys = d.vmap[dma.vaddr + (p - dma.iova)]!;
        d.pins[phys]!++;
        d.pinnedPfn[p] = phys;
        if (dma.mmCur) d.lockedVm++;
        const h = phys;
        call(V, V, () => `replay: vfio_pin_pages_remote ${vaddrHex(dma.vaddr + p - dma.iova)} → ${pfnName(h)}`);
      }
      iommu_map(ctx, d, dom, p, phys, 'replay: iommu_map');
    }
  }
  for (const dma of d.dmas) dma.iommuMapped = true;
}

// vfio_iommu_type1_attach_group, drivers/vfio/vfio_iommu_type1.c:2145-2330, v6.12: a group whose
// new domain matches one on domain_list (same iommu_ops, same enforce_cache_coherency: :2279-2295)
// is attached to that domain and the new one freed, with no replay; otherwise the new domain is
// replayed and list_add()ed first on domain_list. persisted: VFIO_CONTAINER_SET_PERSISTENT_PGTABLES
// of the pkernfs RFC (Feb 2024, patch 13/18) makes vfio_iommu_domain_alloc use
// iommu_domain_alloc_persistent, and the replay maps into the persisted table. Simplified: the RFC
// sets the table on the container, so any domain allocated after the ioctl (group B's too) would use
// it, and the compatible-domain loop still runs after the allocation; the model gives it to group A's
// attach only and never joins it elsewhere (a VMM re-attaching its device first, as QEMU's cpr does)
export function vfio_iommu_type1_attach_group(ctx: VfioCtx, d: VfioWorld, a: SetContainer): CallResult {
  const dom: DomainId = a.group === 0 ? 'A' : 'B';
  const other: DomainId = dom === 'A' ? 'B' : 'A';
  if (!a.persisted && a.compatible && (dom === 'A' ? d.bIn : d.aIn)) {
    call(V, I, `iommu_domain_alloc, then domain ${other} on domain_list matches (iommu_ops, enforce_cache_coherency): ` +
      `iommu_attach_group ${dom} to domain ${other}, the new domain freed, no replay`);
    if (dom === 'A') {
      // the device moves to domain B; A's own table (a persisted one included) is given up
      for (let p = 0; p < d.ptA.length; p++) d.ptA[p] = -1;
      d.aPersisted = false;
      d.aIn = true;
      d.joined = 'A-in-B';
    } else {
      d.bIn = true;
      d.joined = 'B-in-A';
    }
    return OK;
  }
  const npt = pt(d, dom);
  if (!a.persisted) {
    for (let p = 0; p < npt.length; p++) npt[p] = -1;
    if (dom === 'A') d.aPersisted = false;
    call(V, I, `iommu_domain_alloc: domain ${dom} (empty); iommu_attach_group ${dom}`);
  } else {
    call(V, I, `iommu_attach_group ${dom} to the persisted domain`);
  }
  vfio_iommu_replay(ctx, d, dom);
  if (dom === 'A') d.aIn = true;
  else d.bIn = true;
  // list_add(&domain->next, &iommu->domain_list): the new domain goes first.
  if (d.aIn && d.bIn) d.bFirst = dom === 'B';
  return OK;
}

