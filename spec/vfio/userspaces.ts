// The VFIO userspaces. `cpr`: the live update done honestly, as a program (its counter is in the
// world, so every world between two steps is judged with the device running). `any`: every action
// of a small alphabet in any order.
import { MAP_LIVE_UPDATE, MAP_RW, MAP_VADDR, NP, NV, UNMAP_ALL, UNMAP_VADDR } from './constants.js';
import type { VfioAction } from './actions.js';
import type { VfioKernel } from './kernels.js';

/** Guest RAM as the VMM maps it: two 1-page ranges of the shared memory file. */
const RAM: readonly { iova: number; vaddr: number }[] = [
  { iova: 0, vaddr: 0 },
  { iova: 1, vaddr: 1 },
];

const mapAll = (flags: number): VfioAction[] => RAM.map((r) => ({ t: 'mapDma', iova: r.iova, size: 1, vaddr: r.vaddr, flags }));

/**
 * The cpr program for a kernel:
 * - no persistence (6.12): QEMU cpr-exec: UNMAP_DMA(ALL|VADDR); exec; MAP_DMA(VADDR) each range
 *   at the same memory (hw/vfio/cpr-legacy.c does it this way).
 * - persistence with the flag (lu-rfc): kexec; adopt the persisted tables; MAP_DMA(LIVE_UPDATE)
 *   exactly what was mapped, at the same memory.
 * - persistence without the flag: kexec; adopt the persisted tables and plain MAP_DMA over their live
 *   PTEs, where the IOMMU driver accepts that (intel keeps the PTE, AMD clears and rewrites it); with
 *   ARM's -EEXIST a plain MAP_DMA over a live PTE fails, so a fresh domain, then MAP_DMA.
 */
export function cprProgram(k: VfioKernel): readonly VfioAction[] {
  const setup = mapAll(MAP_RW);
  if (!k.persistentTables) {
    return [...setup, { t: 'unmapDma', iova: 0, size: 0, flags: UNMAP_ALL | UNMAP_VADDR }, { t: 'exec' }, ...mapAll(MAP_VADDR)];
  }
  const withFlag = (k.mapFlagMask & MAP_LIVE_UPDATE) !== 0;
  return [
    ...setup,
    { t: 'kexec' },
    { t: 'setContainer', group: 0, persisted: withFlag || k.mapOverPresentPte !== 'eexist', compatible: true },
    ...mapAll(withFlag ? MAP_RW | MAP_LIVE_UPDATE : MAP_RW),
  ];
}

/** Every action of the `any` userspace's alphabet for a kernel, in a fixed order. */
export function anyAlphabet(k: VfioKernel): readonly VfioAction[] {
  const out: VfioAction[] = [];
  const mapFlagSets = [MAP_RW, MAP_VADDR];
  if (k.mapFlagMask & MAP_LIVE_UPDATE) mapFlagSets.push(MAP_RW | MAP_LIVE_UPDATE);
  for (const flags of mapFlagSets)
    for (let size = 1; size <= 2; size++)
      for (let iova = 0; iova + size <= NP; iova++)
        for (let vaddr = 0; vaddr + size <= NV; vaddr++) out.push({ t: 'mapDma', iova, size, vaddr, flags });
  for (const flags of [0, UNMAP_VADDR]) {
    for (let size = 1; size <= NP; size++)
      for (let iova = 0; iova + size <= NP; iova++) out.push({ t: 'unmapDma', iova, size, flags });
    out.push({ t: 'unmapDma', iova: 0, size: 0, flags: flags | UNMAP_ALL });
  }
  for (const compatible of [true, false]) {
    out.push({ t: 'setContainer', group: 1, persisted: false, compatible });
    out.push({ t: 'setContainer', group: 0, persisted: false, compatible });
  }
  if (k.persistentTables) out.push({ t: 'setContainer', group: 0, persisted: true, compatible: false });
  out.push({ t: 'exec' });
  if (k.persistentTables) out.push({ t: 'kexec' });
  for (let v = 0; v < NV; v++) out.push({ t: 'userFree', vaddr: v });
  return out;
}
