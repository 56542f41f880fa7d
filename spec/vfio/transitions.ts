// Which actions a VFIO world allows, and with which errno the kernel refuses the others
// (drivers/vfio/vfio_iommu_type1.c, v6.12, checks in the kernel's order).
//
// Two levels (stack-notes.md: ts-pattern per successor costs more than everything else):
// - a kind gate, decided with ts-pattern once per *control projection* of the world (kernel,
//   phase, whether any vaddr is invalid, which domains exist) and memoized in a table;
// - the argument checks (overlap, bisect, exact match, pinning, PTEs present), plain code behind a
//   `switch`, evaluated per action.
import { match, P } from 'ts-pattern';
import {
  DMA_ENTRY_LIMIT, MAP_LIVE_UPDATE, MAP_READ, MAP_VADDR, MAP_WRITE, UNMAP_ALL, UNMAP_GET_DIRTY_BITMAP, UNMAP_VADDR,
  hex, iovaHex, iovaRange, pfnName, vaddrHex,
} from './constants.js';
import { ACTION_KINDS, GROUP_NAMES, type MapDma, type SetContainer, type UnmapDma, type VfioAction, type VfioActionType, kindIndex } from './actions.js';
import { OK, refuse, type Verdict } from '../verdict.js';
import type { VfioCtx } from './context.js';
import type { VfioKernel } from './kernels.js';
import { domainList, ptOf, firstDomain, vaddrInvalidCount, type Phase, type VfioWorld } from './world.js';

/** The errnos VFIO type1 returns here, as the caller sees them. */
export type Errno = '-EINVAL' | '-EEXIST' | '-ENOENT' | '-EBUSY' | '-ENOSPC' | '-EFAULT';

/**
 * The verdict, in vDPA's dialect (spec/verdict.ts):
 * - ok: the call succeeds and changes the world;
 * - ret "-Exxx": the kernel refuses, the world is unchanged;
 * - ret "0": the call succeeds but changes nothing (UNMAP_DMA of an empty range, munmap of nothing);
 * - ret "not taken": not a call the model explores here (one live update per run, no kexec persistence).
 */
export type { Verdict } from '../verdict.js';
export const NOT_TAKEN = 'not taken';
/** The call sleeps (as vDPA's unbind while the fd is open): the single-threaded userspace never returns. */
export const BLOCKS = 'blocks';
const QUIET_BLOCKS: Verdict = refuse(BLOCKS, '');

/** Refusals without a reason, for the explorer's hot path (building reason strings costs more than the checks). */
const QUIET: Readonly<Record<Errno, Verdict>> = {
  '-EINVAL': refuse('-EINVAL', ''), '-EEXIST': refuse('-EEXIST', ''), '-ENOENT': refuse('-ENOENT', ''),
  '-EBUSY': refuse('-EBUSY', ''), '-ENOSPC': refuse('-ENOSPC', ''), '-EFAULT': refuse('-EFAULT', ''),
};
const QUIET_NOOP: Verdict = refuse('0', '');
/** `ex`: explain (build the reason); otherwise a shared quiet verdict. */
const no = (ex: boolean, errno: Errno, reason: () => string): Verdict => (ex ? refuse(errno, reason()) : QUIET[errno]);
const noop = (ex: boolean, reason: () => string): Verdict => (ex ? refuse('0', reason()) : QUIET_NOOP);
const notTaken = (reason: string): Verdict => refuse(NOT_TAKEN, reason);

/** The part of a world that decides which action kinds are worth checking at all. */
interface Projection {
  readonly phase: Phase;
  readonly vaddrInvalid: boolean;
  readonly persistentTables: boolean;
  readonly attachBlocks: boolean;
}

type Gate = Verdict | 'check';

// ts-pattern over (kind, projection): evaluated once per distinct projection, then memoized.
function gateOf(kind: VfioActionType, pr: Projection): Gate {
  return match<[VfioActionType, Projection], Gate>([kind, pr])
    .with(['exec', { phase: P.not('boot') }], () => notTaken('the model explores one live update per run'))
    .with(['kexec', { persistentTables: false }], () => notTaken('this kernel persists nothing across kexec'))
    .with(['kexec', { phase: P.not('boot') }], () => notTaken('the model explores one live update per run'))
    // vfio_iommu_type1_attach_group: "Attach could require pinning, so disallow while vaddr is invalid."
    .with(['setContainer', { vaddrInvalid: true, attachBlocks: false }], () => refuse('-EBUSY', 'vaddr_invalid_count != 0: attach could require pinning'))
    .with([P.union('exec', 'kexec'), P._], () => OK)
    .with([P.union('mapDma', 'unmapDma', 'setContainer', 'userFree'), P._], () => 'check' as const)
    .exhaustive();
}

const gateTables = new Map<number, readonly Gate[]>();

function projectionKey(k: VfioKernel, w: VfioWorld): number {
  const ph = w.phase === 'boot' ? 0 : w.phase === 'exec' ? 1 : 2;
  return ph | (vaddrInvalidCount(w) > 0 ? 4 : 0) | (k.persistentTables ? 8 : 0) | (k.attachBlocksOnInvalidVaddr ? 16 : 0);
}

function gates(k: VfioKernel, w: VfioWorld): readonly Gate[] {
  const key = projectionKey(k, w);
  let t = gateTables.get(key);
  if (t === undefined) {
    const pr: Projection = {
      phase: w.phase, vaddrInvalid: vaddrInvalidCount(w) > 0, persistentTables: k.persistentTables,
      attachBlocks: k.attachBlocksOnInvalidVaddr,
    };
    t = ACTION_KINDS.map((kind) => gateOf(kind, pr));
    gateTables.set(key, t);
  }
  return t;
}

/** The guard: the verdict of the kernel (and of the model's bounds) on `a` in `w`; `ex`: with reasons. */
export function guard(ctx: VfioCtx, w: VfioWorld, a: VfioAction, ex = true): Verdict {
  return verdictWith(gates(ctx.kernel, w), ctx.kernel, w, a, ex);
}

/** Appends to `out` the actions of `alphabet` that `w` allows (the kind gates looked up once). */
export function enabledActions(ctx: VfioCtx, w: VfioWorld, alphabet: readonly VfioAction[], out: VfioAction[]): void {
  const row = gates(ctx.kernel, w);
  for (const a of alphabet) if (verdictWith(row, ctx.kernel, w, a, false).ok) out.push(a);
}

function verdictWith(row: readonly Gate[], k: VfioKernel, w: VfioWorld, a: VfioAction, ex: boolean): Verdict {
  const g = row[kindIndex(a)]!;
  if (g !== 'check') return g;
  switch (a.t) {
    case 'mapDma': return mapVerdict(k, w, a, ex);
    case 'unmapDma': return unmapVerdict(w, a, ex);
    case 'setContainer': return attachVerdict(k, w, a, ex);
    case 'userFree':
      if (w.vmap[a.vaddr]! >= 0) return OK;
      return noop(ex, () => `nothing mapped at ${vaddrHex(a.vaddr)}`);
    case 'exec':
    case 'kexec':
      return OK;
  }
}

// vfio_iommu_type1_map_dma + vfio_dma_do_map + vfio_pin_map_dma, drivers/vfio/vfio_iommu_type1.c, v6.12 (+ K5)
function mapVerdict(k: VfioKernel, w: VfioWorld, a: MapDma, ex: boolean): Verdict {
  if (a.flags & ~k.mapFlagMask) return no(ex, '-EINVAL', () => `flags ${hex(a.flags & ~k.mapFlagMask)} outside the MAP_DMA mask of ${k.name}`);
  const prot = a.flags & (MAP_READ | MAP_WRITE);
  const setVaddr = (a.flags & MAP_VADDR) !== 0;
  if ((prot !== 0) === setVaddr) return no(ex, '-EINVAL', () => 'READ/WRITE and VADDR: exactly one of them');
  if (a.size <= 0) return no(ex, '-EINVAL', () => 'size 0');
  const last = a.iova + a.size;
  // vfio_find_dma(iommu, iova, size): any vfio_dma overlapping the range.
  let hit = -1;
  for (let i = 0; i < w.dmas.length; i++) {
    const d = w.dmas[i]!;
    if (d.iova < last && a.iova < d.iova + d.size) { hit = i; break; }
  }
  if (setVaddr) {
    if (hit < 0) return no(ex, '-ENOENT', () => `no vfio_dma overlaps ${iovaRange(a.iova, a.size)}`);
    const d = w.dmas[hit]!;
    if (!d.vaddrInvalid) return no(ex, '-EINVAL', () => `vfio_dma ${iovaRange(d.iova, d.size)} has a valid vaddr (not invalidated by UNMAP_DMA|VADDR)`);
    if (d.iova !== a.iova || d.size !== a.size) return no(ex, '-EINVAL', () => `vfio_dma is ${iovaRange(d.iova, d.size)}: iova and size must match exactly`);
    return OK;
  }
  if (hit >= 0) {
    const d = w.dmas[hit]!;
    return no(ex, '-EEXIST', () => `overlaps vfio_dma ${iovaRange(d.iova, d.size)}`);
  }
  if (w.dmas.length >= DMA_ENTRY_LIMIT) return no(ex, '-ENOSPC', () => `dma_avail is 0 (dma_entry_limit=${DMA_ENTRY_LIMIT})`);
  const doms = domainList(w);
  if (doms.length === 0) return OK; // no IOMMU domain: nothing pinned or mapped
  for (let i = 0; i < a.size; i++) {
    if (w.vmap[a.vaddr + i]! < 0) return no(ex, '-EFAULT', () => `vaddr_get_pfns: nothing mapped at ${vaddrHex(a.vaddr + i)}`);
  }
  if (a.flags & MAP_LIVE_UPDATE) return OK; // K5: iommu_map skipped, nothing checked
  if (k.mapOverPresentPte !== 'eexist') return OK; // intel keeps the old PTE, AMD overwrites (model/vfio/iommu.ts)
  for (const dom of doms) {
    const pt = ptOf(w, dom);
    for (let p = a.iova; p < last; p++) {
      // ARM io-pgtable refuses to overwrite a present PTE (arm_lpae_init_pte: -EEXIST); iommu_map and
      // vfio_iommu_map unwind, vfio_remove_dma() the rest, so the world is as before.
      if (pt[p]! >= 0) return no(ex, '-EEXIST', () => `iommu_map: IOVA ${iovaHex(p)} already has a PTE in domain ${dom} (→ ${pfnName(pt[p]!)})`);
    }
  }
  return OK;
}

// vfio_iommu_type1_unmap_dma + vfio_dma_do_unmap, drivers/vfio/vfio_iommu_type1.c, v6.12
function unmapVerdict(w: VfioWorld, a: UnmapDma, ex: boolean): Verdict {
  if (a.flags & ~(UNMAP_GET_DIRTY_BITMAP | UNMAP_ALL | UNMAP_VADDR)) return no(ex, '-EINVAL', () => `unknown flags ${hex(a.flags)}`);
  if ((a.flags & UNMAP_GET_DIRTY_BITMAP) !== 0) return no(ex, '-EINVAL', () => 'GET_DIRTY_BITMAP without dirty page tracking');
  const all = (a.flags & UNMAP_ALL) !== 0;
  const vaddr = (a.flags & UNMAP_VADDR) !== 0;
  if (all && (a.iova !== 0 || a.size !== 0)) return no(ex, '-EINVAL', () => 'UNMAP_ALL needs iova = size = 0');
  if (!all && a.size === 0) return no(ex, '-EINVAL', () => 'size 0');
  const first = all ? 0 : a.iova;
  const end = all ? Infinity : a.iova + a.size;
  if (!all) {
    // v2: the range must not bisect a vfio_dma.
    for (const d of w.dmas) {
      if (d.iova < first && first < d.iova + d.size) return no(ex, '-EINVAL', () => `v2: ${iovaRange(a.iova, a.size)} starts inside vfio_dma ${iovaRange(d.iova, d.size)}`);
      if (d.iova < end && end < d.iova + d.size) return no(ex, '-EINVAL', () => `v2: ${iovaRange(a.iova, a.size)} ends inside vfio_dma ${iovaRange(d.iova, d.size)}`);
    }
  }
  let found = false;
  for (const d of w.dmas) {
    if (d.iova < first || d.iova >= end) continue;
    found = true;
    if (vaddr && d.vaddrInvalid) return no(ex, '-EINVAL', () => `vfio_dma ${iovaRange(d.iova, d.size)} already has an invalid vaddr (marks rolled back)`);
  }
  if (!found) return noop(ex, () => 'no vfio_dma in the range: size=0x0');
  return OK;
}

// vfio_iommu_type1_attach_group + vfio_iommu_replay, drivers/vfio/vfio_iommu_type1.c, v6.12
// (the persisted variant: pkernfs RFC, Feb 2024)
function attachVerdict(k: VfioKernel, w: VfioWorld, a: SetContainer, ex: boolean): Verdict {
  const g = GROUP_NAMES[a.group] ?? String(a.group);
  if ((a.group === 0 && w.aIn) || (a.group === 1 && w.bIn)) return no(ex, '-EINVAL', () => `group ${g} is already in the container`);
  // a compatible domain on domain_list: attached there, nothing replayed, nothing to fail
  if (!a.persisted && a.compatible && (a.group === 0 ? w.bIn : w.aIn)) return OK;
  // attachBlocksOnInvalidVaddr (before ef3a3f6a294b, v6.3): vfio_iommu_replay → vfio_wait_all_valid
  if (k.attachBlocksOnInvalidVaddr && vaddrInvalidCount(w) > 0) {
    return ex ? refuse(BLOCKS, 'vfio_iommu_replay → vfio_wait_all_valid: sleeps until every vaddr is valid again (MAP_DMA|VADDR from another thread)') : QUIET_BLOCKS;
  }
  if (a.persisted) {
    if (!k.persistentTables) return no(ex, '-EINVAL', () => 'no persistent page tables in this kernel');
    if (a.group !== 0 || !w.aPersisted) return no(ex, '-EINVAL', () => `no persisted page table for group ${g}`);
  }
  // Replay the vfio_dma list into the new domain, reading phys from the first domain.
  const src = firstDomain(w);
  const target = a.persisted ? w.ptA : undefined; // a fresh domain starts empty
  for (const d of w.dmas) {
    for (let p = d.iova; p < d.iova + d.size; p++) {
      let phys: number;
      if (d.iommuMapped) {
        phys = src === undefined ? -1 : ptOf(w, src)[p]!;
        if (phys < 0) continue; // WARN_ON(!phys): skipped
      } else {
        phys = w.vmap[d.vaddr + (p - d.iova)]!;
        if (phys < 0) return no(ex, '-EFAULT', () => `replay: vaddr_get_pfns: nothing mapped at ${vaddrHex(d.vaddr + p - d.iova)}`);
      }
      if (target !== undefined && k.mapOverPresentPte === 'eexist' && target[p]! >= 0) return no(ex, '-EEXIST', () => `replay: iommu_map: IOVA ${iovaHex(p)} already has a persisted PTE (→ ${pfnName(target[p]!)})`);
    }
  }
  return OK;
}
