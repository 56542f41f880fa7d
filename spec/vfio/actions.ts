// The VFIO userspace's actions: the two type1 ioctls, group attach, and what happens to the
// process (exec, kexec, munmap). IOVAs, sizes and vaddrs are in pages here; labels print bytes in hex.
import {
  MAP_LIVE_UPDATE, MAP_READ, MAP_VADDR, MAP_WRITE, NP, NV, UNMAP_ALL, UNMAP_GET_DIRTY_BITMAP, UNMAP_VADDR,
  iovaHex, hex, PAGE, vaddrHex,
} from './constants.js';

export interface MapDma { readonly kind: 'map'; readonly iova: number; readonly size: number; readonly vaddr: number; readonly flags: number }
export interface UnmapDma { readonly kind: 'unmap'; readonly iova: number; readonly size: number; readonly flags: number }
/** VFIO_GROUP_SET_CONTAINER of group 0 (A, the device's) or 1 (B); `persisted`: with the pkernfs
 *  series' VFIO_CONTAINER_SET_PERSISTENT_PGTABLES first, so the domain is the persisted one. */
export interface Attach { readonly kind: 'attach'; readonly group: number; readonly persisted: boolean }
/** The VMM re-execs itself (QEMU cpr-exec): the container fd survives, the mm does not. */
export interface Exec { readonly kind: 'exec' }
/** Live update kexec with the IOMMU page tables and guest RAM persisted in pkernfs. */
export interface Kexec { readonly kind: 'kexec' }
/** The process releases the page behind vaddr page `vaddr` (munmap / hole punch). */
export interface Free { readonly kind: 'free'; readonly vaddr: number }

export type VfioAction = MapDma | UnmapDma | Attach | Exec | Kexec | Free;
export type VfioActionKind = VfioAction['kind'];
export const ACTION_KINDS: readonly VfioActionKind[] = ['map', 'unmap', 'attach', 'exec', 'kexec', 'free'];

export function kindIndex(a: VfioAction): number {
  switch (a.kind) {
    case 'map': return 0;
    case 'unmap': return 1;
    case 'attach': return 2;
    case 'exec': return 3;
    case 'kexec': return 4;
    case 'free': return 5;
  }
}

export const GROUP_NAMES = ['A', 'B'] as const;

function mapFlags(f: number): string {
  const names: string[] = [];
  if (f & MAP_READ) names.push('READ');
  if (f & MAP_WRITE) names.push('WRITE');
  if (f & MAP_VADDR) names.push('VADDR');
  if (f & MAP_LIVE_UPDATE) names.push('LIVE_UPDATE');
  const rest = f & ~(MAP_READ | MAP_WRITE | MAP_VADDR | MAP_LIVE_UPDATE);
  if (rest) names.push(hex(rest));
  return names.length ? names.join('|') : '0';
}

function unmapFlags(f: number): string {
  const names: string[] = [];
  if (f & UNMAP_GET_DIRTY_BITMAP) names.push('GET_DIRTY_BITMAP');
  if (f & UNMAP_ALL) names.push('ALL');
  if (f & UNMAP_VADDR) names.push('VADDR');
  const rest = f & ~(UNMAP_GET_DIRTY_BITMAP | UNMAP_ALL | UNMAP_VADDR);
  if (rest) names.push(hex(rest));
  return names.length ? names.join('|') : '0';
}

/** A kernel developer's note: `VFIO_IOMMU_MAP_DMA iova=0x1000 size=0x2000 vaddr=0x7f0000 flags=READ|WRITE`. */
export function labelOf(a: VfioAction): string {
  switch (a.kind) {
    case 'map':
      return `VFIO_IOMMU_MAP_DMA iova=${iovaHex(a.iova)} size=${hex(a.size * PAGE)} vaddr=${vaddrHex(a.vaddr)} flags=${mapFlags(a.flags)}`;
    case 'unmap':
      return `VFIO_IOMMU_UNMAP_DMA iova=${iovaHex(a.iova)} size=${hex(a.size * PAGE)} flags=${unmapFlags(a.flags)}`;
    case 'attach':
      return a.persisted
        ? `VFIO_CONTAINER_SET_PERSISTENT_PGTABLES; VFIO_GROUP_SET_CONTAINER group ${GROUP_NAMES[a.group] ?? a.group}`
        : `VFIO_GROUP_SET_CONTAINER group ${GROUP_NAMES[a.group] ?? a.group} (new IOMMU domain)`;
    case 'exec':
      return 'execve() of the VMM (cpr-exec: container fd kept, new mm)';
    case 'kexec':
      return 'kexec live update (pkernfs: guest RAM and IOMMU page tables persisted, device keeps running)';
    case 'free':
      return `munmap(${vaddrHex(a.vaddr)}, ${hex(PAGE)})`;
  }
}

export function actionToJson(a: VfioAction): Readonly<Record<string, unknown>> {
  switch (a.kind) {
    case 'map': return { kind: 'map', iova: a.iova * PAGE, size: a.size * PAGE, vaddr: vaddrHex(a.vaddr), flags: a.flags };
    case 'unmap': return { kind: 'unmap', iova: a.iova * PAGE, size: a.size * PAGE, flags: a.flags };
    case 'attach': return { kind: 'attach', group: a.group, persisted: a.persisted };
    case 'exec': return { kind: 'exec' };
    case 'kexec': return { kind: 'kexec' };
    case 'free': return { kind: 'free', vaddr: vaddrHex(a.vaddr) };
  }
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
  return undefined;
}
function pageOf(bytes: unknown, base: number, limit: number, allowEnd = false): number | undefined {
  const n = num(bytes);
  if (n === undefined || n < base || (n - base) % PAGE !== 0) return undefined;
  const p = (n - base) / PAGE;
  return p < limit || (allowEnd && p === limit) ? p : undefined;
}

export function actionFromJson(j: unknown): VfioAction | undefined {
  if (typeof j !== 'object' || j === null) return undefined;
  const o = j as Record<string, unknown>;
  switch (o['kind']) {
    case 'map': {
      const iova = pageOf(o['iova'], 0, NP);
      const size = pageOf(o['size'], 0, NP, true);
      const vaddr = pageOf(o['vaddr'], 0x7f0000, NV);
      const flags = num(o['flags']);
      if (iova === undefined || size === undefined || size === 0 || vaddr === undefined || flags === undefined) return undefined;
      if (iova + size > NP || vaddr + size > NV) return undefined;
      return { kind: 'map', iova, size, vaddr, flags };
    }
    case 'unmap': {
      const iova = pageOf(o['iova'], 0, NP);
      const size = pageOf(o['size'], 0, NP, true);
      const flags = num(o['flags']);
      if (iova === undefined || size === undefined || flags === undefined || iova + size > NP) return undefined;
      return { kind: 'unmap', iova, size, flags };
    }
    case 'attach': {
      const group = num(o['group']);
      if ((group !== 0 && group !== 1) || typeof o['persisted'] !== 'boolean') return undefined;
      return { kind: 'attach', group, persisted: o['persisted'] };
    }
    case 'exec': return { kind: 'exec' };
    case 'kexec': return { kind: 'kexec' };
    case 'free': {
      const vaddr = pageOf(o['vaddr'], 0x7f0000, NV);
      return vaddr === undefined ? undefined : { kind: 'free', vaddr };
    }
    default: return undefined;
  }
}
