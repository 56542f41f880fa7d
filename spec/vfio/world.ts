// The VFIO world: the container (drivers/vfio/vfio_iommu_type1.c, v6.12: struct vfio_iommu and its
// vfio_dma rb-tree), the IOMMU domains' page tables, host-page pins and locked_vm, the process's
// memory, the device. Flat, small, plain data (stack-notes.md), described by `vfioWorldSchema`.
import { s, type Schema } from '../../explorer/schema.js';
import { NH, NP, NV } from './constants.js';

/** Who holds a host page: the current process (mapped, or pinned on its behalf), nobody (back in
 *  the allocator), or another user (reallocated, e.g. by the new kernel after kexec). */
export type Owner = 'proc' | 'freed' | 'other';
export const OWNERS: readonly Owner[] = ['proc', 'freed', 'other'];

/** 'B-in-A': group B joined group A's domain; 'A-in-B': group A joined group B's (after kexec, B first). */
export type Joined = 'none' | 'B-in-A' | 'A-in-B';
export const JOINED: readonly Joined[] = ['none', 'B-in-A', 'A-in-B'];

/** Which live update has happened (the model allows one per run). */
export type Phase = 'boot' | 'exec' | 'kexec';
export const PHASES: readonly Phase[] = ['boot', 'exec', 'kexec'];

/** struct vfio_dma (the fields the model needs), in IOVA pages. */
export interface Dma {
  iova: number;
  size: number;
  /** Vaddr page of the first IOVA page. */
  vaddr: number;
  /** IOMMU_READ | IOMMU_WRITE as VFIO_DMA_MAP_FLAG_* bits. */
  prot: number;
  vaddrInvalid: boolean;
  iommuMapped: boolean;
  /** dma->mm is the current process's mm (false after exec until MAP_DMA|VADDR moves it). */
  mmCur: boolean;
}

export interface VfioWorld {
  // ---- userspace ----
  /** Program counter of the `cpr` userspace; 0 for `any`. */
  pc: number;
  phase: Phase;
  /** vmap[v]: host page behind vaddr page v in the current process, or -1. */
  vmap: number[];

  // ---- vfio type1 (struct vfio_iommu) ----
  /** The vfio_dma rb-tree as a list sorted by iova, entries never overlap. */
  dmas: Dma[];
  /** pinnedPfn[p]: the pfn vfio_pin_pages_remote pinned for IOVA page p of its vfio_dma, or -1. */
  pinnedPfn: number[];
  /** current->mm->locked_vm in pages (only VFIO's share). */
  lockedVm: number;

  // ---- IOMMU: group A (the device's) and group B, one domain each ----
  /** Group A's domain is on the container's domain_list. */
  aIn: boolean;
  /** Group B's domain is on the container's domain_list. */
  bIn: boolean;
  /** B was attached after A: list_add() put it first, so UNMAP reads pfns from B. */
  bFirst: boolean;
  /** A group attached into the other group's domain (vfio_iommu_type1_attach_group found it
   *  compatible: same iommu_ops, same enforce_cache_coherency): one domain on domain_list, two groups. */
  joined: Joined;
  /** Group A's page table: IOVA page → pfn or -1. After kexec, the persisted table (pkernfs). */
  ptA: number[];
  ptB: number[];
  /** ptA is the page table persisted across kexec (not yet replaced by a fresh domain). */
  aPersisted: boolean;

  // ---- host memory ----
  /** Pin count (page references taken by VFIO) per host page; negative = unpinned more than pinned. */
  pins: number[];
  owner: Owner[];

  // ---- device (behind group A) ----
  /** Bus-master DMA enabled: continues across exec, and across kexec with persisted tables. */
  devRunning: boolean;

  // ---- the live update, as an observer records it (for no-dma-window) ----
  /** A live update has started (UNMAP_DMA|VADDR, exec or kexec). */
  inUpdate: boolean;
  /** keep[p]: IOVA page p was mapped when the update started and userspace has not unmapped it. */
  keep: boolean[];
  /** faulted[p]: during the update, a running device's access to p faulted at the IOMMU. */
  faulted: boolean[];
}

const dmaSchema: Schema<Dma> = s.struct<Dma>({
  iova: s.int(0, NP - 1),
  size: s.int(1, NP),
  vaddr: s.int(0, NV - 1),
  prot: s.int(0, 3),
  vaddrInvalid: s.bool(),
  iommuMapped: s.bool(),
  mmCur: s.bool(),
});

const pfnArray = (n: number): Schema<number[]> => s.array(s.int(-1, NH - 1), n);
const bools = (n: number): Schema<boolean[]> => s.array(s.bool(), n);

export const vfioWorldSchema: Schema<VfioWorld> = s.struct<VfioWorld>({
  pc: s.int(0, 15),
  phase: s.enum(PHASES),
  vmap: pfnArray(NV),
  dmas: s.list(dmaSchema, NP),
  pinnedPfn: pfnArray(NP),
  lockedVm: s.int(-64, 64),
  aIn: s.bool(),
  bIn: s.bool(),
  bFirst: s.bool(),
  joined: s.enum(JOINED),
  ptA: pfnArray(NP),
  ptB: pfnArray(NP),
  aPersisted: s.bool(),
  pins: s.array(s.int(-16, 16), NH),
  owner: s.array(s.enum(OWNERS), NH),
  devRunning: s.bool(),
  inUpdate: s.bool(),
  keep: bools(NP),
  faulted: bools(NP),
});

const none = (n: number): number[] => Array.from({ length: n }, () => -1);
const falses = (n: number): boolean[] => Array.from({ length: n }, () => false);

/**
 * The VMM has opened a TYPE1v2 container, attached the device's group A (one IOMMU domain, empty),
 * and the device is running; guest RAM (v0, v1) is a shared memory file, v2 private memory.
 */
export function initialWorld(): VfioWorld {
  return {
    pc: 0,
    phase: 'boot',
    vmap: [0, 1, 2],
    dmas: [],
    pinnedPfn: none(NP),
    lockedVm: 0,
    aIn: true,
    bIn: false,
    bFirst: false,
    joined: 'none',
    ptA: none(NP),
    ptB: none(NP),
    aPersisted: false,
    pins: Array.from({ length: NH }, () => 0),
    owner: ['proc', 'proc', 'proc', 'freed'],
    devRunning: true,
    inUpdate: false,
    keep: falses(NP),
    faulted: falses(NP),
  };
}

// ---- reads shared by guards, reducers, invariants and views ----

export type DomainId = 'A' | 'B';

/** The container's domain_list in order (list_add puts the newest first). */
export function domainList(w: VfioWorld): DomainId[] {
  if (w.joined === 'B-in-A') return ['A'];
  if (w.joined === 'A-in-B') return ['B'];
  if (w.aIn && w.bIn) return w.bFirst ? ['B', 'A'] : ['A', 'B'];
  if (w.aIn) return ['A'];
  if (w.bIn) return ['B'];
  return [];
}

export function ptOf(w: VfioWorld, d: DomainId): number[] {
  return d === 'A' ? w.ptA : w.ptB;
}

/** The domain vfio_unmap_unpin reads the pfns from ("we use the IOMMU to track the physical addresses"). */
export function firstDomain(w: VfioWorld): DomainId | undefined {
  if (w.joined !== 'none') return w.joined === 'B-in-A' ? 'A' : 'B';
  if (w.aIn && w.bIn) return w.bFirst ? 'B' : 'A';
  if (w.aIn) return 'A';
  if (w.bIn) return 'B';
  return undefined;
}

/** The domain group A's device translates through (a fault there is the device's fault). */
export function isDeviceDomain(w: VfioWorld, d: DomainId): boolean {
  return d === deviceDomain(w);
}

/** Group A's device translates through domain A, or through domain B once A joined it. */
export function deviceDomain(w: VfioWorld): DomainId {
  return w.joined === 'A-in-B' ? 'B' : 'A';
}

/** Index of the vfio_dma covering IOVA page p, or -1. */
export function dmaAt(w: VfioWorld, p: number): number {
  for (let i = 0; i < w.dmas.length; i++) {
    const d = w.dmas[i]!;
    if (p >= d.iova && p < d.iova + d.size) return i;
  }
  return -1;
}

export function vaddrInvalidCount(w: VfioWorld): number {
  let n = 0;
  for (const d of w.dmas) if (d.vaddrInvalid) n++;
  return n;
}

/** Pages of a vfio_dma that vfio pinned (dma->locked_vm, as the pins are all accounted). */
export function lockedOf(w: VfioWorld, d: Dma): number {
  let n = 0;
  for (let p = d.iova; p < d.iova + d.size; p++) if (w.pinnedPfn[p]! >= 0) n++;
  return n;
}

/** What a device access to IOVA page p reaches now: a pfn, or -1 (IOMMU fault). */
export function deviceReach(w: VfioWorld, p: number): number {
  return w.joined === 'A-in-B' ? w.ptB[p]! : w.ptA[p]!;
}
