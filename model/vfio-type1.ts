// VFIO type1 (drivers/vfio/vfio_iommu_type1.c): one Immer reducer per ioctl. Each assumes the
// verdict of spec/vfio/transitions.ts was `allowed`; `calls`, when given, receives the calls made
// (lane to lane) for sequence diagrams.
import { edit } from './vfio/edit.js';
import type { CallView } from '../traces/trace-model.js';
import { MAP_LIVE_UPDATE, MAP_READ, MAP_VADDR, MAP_WRITE, UNMAP_ALL, UNMAP_VADDR, iovaHex, iovaRange, pfnName, vaddrHex } from '../spec/vfio/constants.js';
import type { Attach, MapDma, UnmapDma } from '../spec/vfio/actions.js';
import { domainList, firstDomain, lockedOf, type Dma, type DomainId, type VfioWorld } from '../spec/vfio/world.js';
import { releaseIfUnheld } from './vfio/host-memory.js';

const U = 'userspace';
const V = 'vfio type1';
const I = 'iommu';

type Draft = VfioWorld;

function pt(w: Draft, d: DomainId): number[] {
  return d === 'A' ? w.ptA : w.ptB;
}

// vfio_dma_do_map (+ vfio_pin_map_dma, vfio_change_dma_owner), drivers/vfio/vfio_iommu_type1.c, v6.12; LIVE_UPDATE: seed 004
export function mapDma(w: VfioWorld, a: MapDma, calls?: CallView[]): VfioWorld {
  return edit(w, (x) => {
    if (a.flags & MAP_VADDR) {
      const d = x.dmas.find((e) => e.iova === a.iova)!;
      if (!d.mmCur) {
        // vfio_change_dma_owner: the pages stay pinned, their locked_vm moves to the caller's mm.
        x.lockedVm += lockedOf(x, d);
        d.mmCur = true;
        calls?.push({ from: V, to: V, label: `vfio_change_dma_owner: locked_vm += ${lockedOf(x, d)} in the new mm` });
      }
      d.vaddr = a.vaddr;
      d.vaddrInvalid = false;
      calls?.push({ from: V, to: V, label: `vfio_dma ${iovaRange(d.iova, d.size)}: vaddr = ${vaddrHex(a.vaddr)}, valid` });
      return;
    }
    const dma: Dma = {
      iova: a.iova, size: a.size, vaddr: a.vaddr, prot: a.flags & (MAP_READ | MAP_WRITE),
      vaddrInvalid: false, iommuMapped: false, mmCur: true,
    };
    let at = 0;
    while (at < x.dmas.length && x.dmas[at]!.iova < a.iova) at++;
    x.dmas.splice(at, 0, dma);
    calls?.push({ from: V, to: V, label: `vfio_link_dma ${iovaRange(a.iova, a.size)}` });
    const doms = domainList(x);
    if (doms.length === 0) {
      calls?.push({ from: V, to: V, label: 'no IOMMU domain: nothing pinned or mapped' });
      return;
    }
    const skipMap = (a.flags & MAP_LIVE_UPDATE) !== 0;
    for (let i = 0; i < a.size; i++) {
      const p = a.iova + i;
      const h = x.vmap[a.vaddr + i]!;
      x.pins[h]!++;
      x.pinnedPfn[p] = h;
      x.lockedVm++;
      calls?.push({ from: V, to: V, label: `vfio_pin_pages_remote ${vaddrHex(a.vaddr + i)} → ${pfnName(h)} (locked_vm +1)` });
      if (skipMap) continue;
      for (const dom of doms) {
        pt(x, dom)[p] = h;
        calls?.push({ from: V, to: I, label: `iommu_map domain ${dom} ${iovaHex(p)} → ${pfnName(h)}` });
      }
    }
    if (skipMap) calls?.push({ from: V, to: V, label: 'LIVE_UPDATE: iommu_map skipped (persisted tables trusted)' });
    x.dmas[at]!.iommuMapped = true;
  });
}

// vfio_unmap_unpin, drivers/vfio/vfio_iommu_type1.c, v6.12: other domains unmapped first; the pfns
// to unpin are read back from the first domain ("we use the IOMMU to track the physical addresses").
function unmapUnpin(x: Draft, d: Dma, calls?: CallView[]): void {
  const doms = domainList(x);
  const first = firstDomain(x);
  if (!d.iommuMapped || first === undefined) {
    for (let p = d.iova; p < d.iova + d.size; p++) x.pinnedPfn[p] = -1;
    return;
  }
  for (const dom of doms) {
    if (dom === first) continue;
    for (let p = d.iova; p < d.iova + d.size; p++) pt(x, dom)[p] = -1;
    calls?.push({ from: V, to: I, label: `iommu_unmap domain ${dom} ${iovaRange(d.iova, d.size)}` });
  }
  const fpt = pt(x, first);
  let unlocked = 0;
  for (let p = d.iova; p < d.iova + d.size; p++) {
    const h = fpt[p]!;
    x.pinnedPfn[p] = -1;
    if (h < 0) {
      calls?.push({ from: V, to: V, label: `WARN_ON(!phys): iommu_iova_to_phys(domain ${first}, ${iovaHex(p)}) = 0, page skipped` });
      continue;
    }
    fpt[p] = -1;
    calls?.push({ from: V, to: I, label: `iommu_unmap domain ${first} ${iovaHex(p)} (was → ${pfnName(h)}); iotlb sync` });
    x.pins[h]!--;
    unlocked++;
    calls?.push({ from: V, to: V, label: `unpin ${pfnName(h)} (read from domain ${first})` });
    releaseIfUnheld(x, h);
  }
  if (d.mmCur) x.lockedVm -= unlocked;
}

// vfio_dma_do_unmap (+ vfio_remove_dma), drivers/vfio/vfio_iommu_type1.c, v6.12
export function unmapDma(w: VfioWorld, a: UnmapDma, calls?: CallView[]): VfioWorld {
  return edit(w, (x) => {
    const all = (a.flags & UNMAP_ALL) !== 0;
    const first = all ? 0 : a.iova;
    const end = all ? Infinity : a.iova + a.size;
    if (a.flags & UNMAP_VADDR) {
      for (const d of x.dmas) {
        if (d.iova < first || d.iova >= end) continue;
        d.vaddrInvalid = true;
        calls?.push({ from: V, to: V, label: `vfio_dma ${iovaRange(d.iova, d.size)}: vaddr_invalid (DMA continues)` });
      }
      startUpdate(x);
      return;
    }
    const victims = x.dmas.filter((d) => d.iova >= first && d.iova < end);
    for (const d of victims) {
      unmapUnpin(x, d, calls);
      if (x.inUpdate) for (let p = d.iova; p < d.iova + d.size; p++) x.keep[p] = false;
      calls?.push({ from: V, to: V, label: `vfio_remove_dma ${iovaRange(d.iova, d.size)}` });
    }
    x.dmas = x.dmas.filter((d) => d.iova < first || d.iova >= end);
  });
}

/** The live update starts (first UNMAP_DMA|VADDR, exec or kexec): note what is mapped now. */
export function startUpdate(x: Draft): void {
  if (x.inUpdate) return;
  x.inUpdate = true;
  for (const d of x.dmas) for (let p = d.iova; p < d.iova + d.size; p++) x.keep[p] = true;
}

// vfio_iommu_type1_attach_group + vfio_iommu_replay, drivers/vfio/vfio_iommu_type1.c, v6.12;
// persisted: VFIO_CONTAINER_SET_PERSISTENT_PGTABLES of the pkernfs RFC (Feb 2024)
export function attachGroup(w: VfioWorld, a: Attach, calls?: CallView[]): VfioWorld {
  return edit(w, (x) => {
    const dom: DomainId = a.group === 0 ? 'A' : 'B';
    const src = firstDomain(x);
    const npt = pt(x, dom);
    if (!a.persisted) {
      for (let p = 0; p < npt.length; p++) npt[p] = -1;
      if (dom === 'A') x.aPersisted = false;
      calls?.push({ from: V, to: I, label: `iommu_domain_alloc: domain ${dom} (empty); iommu_attach_group ${dom}` });
    } else {
      calls?.push({ from: V, to: I, label: `iommu_attach_group ${dom} to the persisted domain` });
    }
    for (const d of x.dmas) {
      for (let p = d.iova; p < d.iova + d.size; p++) {
        let phys: number;
        if (d.iommuMapped) {
          phys = src === undefined ? -1 : pt(x, src)[p]!;
          if (phys < 0) {
            calls?.push({ from: V, to: V, label: `replay: WARN_ON(!phys) at ${iovaHex(p)}, skipped` });
            continue;
          }
        } else {
          phys = x.vmap[d.vaddr + (p - d.iova)]!;
          x.pins[phys]!++;
          x.pinnedPfn[p] = phys;
          if (d.mmCur) x.lockedVm++;
          calls?.push({ from: V, to: V, label: `replay: vfio_pin_pages_remote ${vaddrHex(d.vaddr + p - d.iova)} → ${pfnName(phys)}` });
        }
        npt[p] = phys;
        calls?.push({ from: V, to: I, label: `replay: iommu_map domain ${dom} ${iovaHex(p)} → ${pfnName(phys)}` });
      }
    }
    for (const d of x.dmas) d.iommuMapped = true;
    if (dom === 'A') x.aIn = true;
    else x.bIn = true;
    // list_add(&domain->next, &iommu->domain_list): the new domain goes first.
    if (x.aIn && x.bIn) x.bFirst = dom === 'B';
  });
}

export const VFIO_LANES = { U, V, I } as const;
