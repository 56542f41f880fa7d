// What happens to the VMM process and the machine around VFIO: exec (QEMU cpr-exec), kexec with
// pkernfs persistence (the pkernfs RFC, Feb 2024), and munmap of a page.
import { call, LANE_USER } from '../call-log.js';
import { OK, type CallResult } from '../context.js';
import type { VfioCtx } from '../../spec/vfio/context.js';
import { NH, NP, PRIVATE_PFN_NEW, PRIVATE_PFN_OLD, PRIVATE_VADDR, SHARED_VADDRS, pfnName, vaddrHex } from '../../spec/vfio/constants.js';
import type { UserFree } from '../../spec/vfio/actions.js';
import type { VfioWorld } from '../../spec/vfio/world.js';
import { startUpdate } from './device-dma.js';
import { releaseIfUnheld } from './host-memory.js';

const U = LANE_USER;

/** The new process's memory: shared pages as they were, the private address gets a fresh page. */
function newProcessMemory(x: VfioWorld): void {
  for (let v = 0; v < x.vmap.length; v++) if (!SHARED_VADDRS[v]) x.vmap[v] = -1;
  x.vmap[PRIVATE_VADDR] = PRIVATE_PFN_NEW;
  x.owner[PRIVATE_PFN_NEW] = 'proc';
}

// begin_new_exec → exec_mmap, fs/exec.c, v6.12: the old mm is dropped, the container fd survives;
// with the vfio_dma accounting of vfio_iommu_type1.c v6.12 (dma->mm is the old mm until MAP_DMA|VADDR),
// or, lockedVmFollowsTask (before 046eca5018f8, v6.3), charged to dma->task, whose mm is now the new one
export function begin_new_exec(ctx: VfioCtx, x: VfioWorld): CallResult {
  startUpdate(x);
  newProcessMemory(x);
  releaseIfUnheld(x, PRIVATE_PFN_OLD);
  x.lockedVm = 0;
  if (!ctx.kernel.lockedVmFollowsTask) for (const d of x.dmas) d.mmCur = false;
  x.phase = 'exec';
  call(U, U, () => `exec: new mm; ${vaddrHex(PRIVATE_VADDR)} → ${pfnName(PRIVATE_PFN_NEW)}; shared memory kept`);
  return OK;
}

// kernel_kexec, kernel/kexec_core.c, into a kernel that adopts pkernfs (pkernfs RFC, Feb 2024):
// guest RAM file and IOMMU page tables persisted, the device keeps running on them; the container,
// its vfio_dma list and all pins are gone
export function kernel_kexec(_ctx: VfioCtx, x: VfioWorld): CallResult {
  startUpdate(x);
  x.dmas = [];
  for (let p = 0; p < NP; p++) x.pinnedPfn[p] = -1;
  x.lockedVm = 0;
  // pkernfs persisted the table the device translates through (domain B's, if A had joined it)
  if (x.joined === 'A-in-B') for (let p = 0; p < NP; p++) x.ptA[p] = x.ptB[p]!;
  x.aIn = false;
  x.bIn = false;
  x.bFirst = false;
  x.joined = 'none';
  for (let p = 0; p < NP; p++) x.ptB[p] = -1;
  x.aPersisted = true;
  for (let h = 0; h < NH; h++) x.pins[h] = 0;
  // Memory outside pkernfs (the old private page, freed pages) belongs to the new kernel now.
  const kept = new Set<number>();
  for (let v = 0; v < x.vmap.length; v++) if (SHARED_VADDRS[v] && x.vmap[v]! >= 0) kept.add(x.vmap[v]!);
  for (let h = 0; h < NH; h++) if (!kept.has(h)) x.owner[h] = 'other';
  newProcessMemory(x);
  x.phase = 'kexec';
  call(U, U, 'kexec: new kernel, new VMM; IOMMU page table of group A persisted, device running');
  return OK;
}

// munmap (or a hole punch of the memory file) by the process, mm/mmap.c, v6.12: a pinned page
// keeps its VFIO references (userFree, as vDPA's model/host-memory.ts names it)
export function userFree(_ctx: VfioCtx, x: VfioWorld, a: UserFree): CallResult {
  const h = x.vmap[a.vaddr]!;
  x.vmap[a.vaddr] = -1;
  releaseIfUnheld(x, h);
  call(U, U, () => `munmap ${vaddrHex(a.vaddr)} (was ${pfnName(h)}, ${x.pins[h]} VFIO pins)`);
  return OK;
}
