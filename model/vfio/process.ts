// What happens to the VMM process and the machine around VFIO: exec (QEMU cpr-exec), kexec with
// pkernfs persistence (the pkernfs RFC, Feb 2024), and munmap of a page.
import { edit } from './edit.js';
import type { CallView } from '../../traces/trace-model.js';
import { NH, NP, PRIVATE_PFN_NEW, PRIVATE_PFN_OLD, PRIVATE_VADDR, SHARED_VADDRS, pfnName, vaddrHex } from '../../spec/vfio/constants.js';
import type { Free } from '../../spec/vfio/actions.js';
import type { VfioWorld } from '../../spec/vfio/world.js';
import { startUpdate } from '../vfio-type1.js';
import { releaseIfUnheld } from './host-memory.js';

const U = 'userspace';

/** The new process's memory: shared pages as they were, the private address gets a fresh page. */
function newProcessMemory(x: VfioWorld): void {
  for (let v = 0; v < x.vmap.length; v++) if (!SHARED_VADDRS[v]) x.vmap[v] = -1;
  x.vmap[PRIVATE_VADDR] = PRIVATE_PFN_NEW;
  x.owner[PRIVATE_PFN_NEW] = 'proc';
}

// execve (exec_mmap drops the old mm; the container fd survives), fs/exec.c, v6.12; with the
// vfio_dma accounting of vfio_iommu_type1.c v6.12 (dma->mm is the old mm until MAP_DMA|VADDR)
export function exec(w: VfioWorld, calls?: CallView[]): VfioWorld {
  return edit(w, (x) => {
    startUpdate(x);
    newProcessMemory(x);
    releaseIfUnheld(x, PRIVATE_PFN_OLD);
    x.lockedVm = 0;
    for (const d of x.dmas) d.mmCur = false;
    x.phase = 'exec';
    calls?.push({ from: U, to: U, label: `exec: new mm; ${vaddrHex(PRIVATE_VADDR)} → ${pfnName(PRIVATE_PFN_NEW)}; shared memory kept` });
  });
}

// kexec into a kernel that adopts pkernfs: guest RAM file and IOMMU page tables persisted, the
// device keeps running on them; the container, its vfio_dma list and all pins are gone (pkernfs RFC)
export function kexec(w: VfioWorld, calls?: CallView[]): VfioWorld {
  return edit(w, (x) => {
    startUpdate(x);
    x.dmas = [];
    for (let p = 0; p < NP; p++) x.pinnedPfn[p] = -1;
    x.lockedVm = 0;
    x.aIn = false;
    x.bIn = false;
    x.bFirst = false;
    for (let p = 0; p < NP; p++) x.ptB[p] = -1;
    x.aPersisted = true;
    for (let h = 0; h < NH; h++) x.pins[h] = 0;
    // Memory outside pkernfs (the old private page, freed pages) belongs to the new kernel now.
    const kept = new Set<number>();
    for (let v = 0; v < x.vmap.length; v++) if (SHARED_VADDRS[v] && x.vmap[v]! >= 0) kept.add(x.vmap[v]!);
    for (let h = 0; h < NH; h++) if (!kept.has(h)) x.owner[h] = 'other';
    newProcessMemory(x);
    x.phase = 'kexec';
    calls?.push({ from: U, to: U, label: 'kexec: new kernel, new VMM; IOMMU page table of group A persisted, device running' });
  });
}

// munmap (or a hole punch of the memory file) by the process, mm/mmap.c, v6.12: a pinned page
// keeps its VFIO references
export function free(w: VfioWorld, a: Free, calls?: CallView[]): VfioWorld {
  return edit(w, (x) => {
    const h = x.vmap[a.vaddr]!;
    x.vmap[a.vaddr] = -1;
    releaseIfUnheld(x, h);
    calls?.push({ from: U, to: U, label: `munmap ${vaddrHex(a.vaddr)} (was ${pfnName(h)}, ${x.pins[h]} VFIO pins)` });
  });
}
