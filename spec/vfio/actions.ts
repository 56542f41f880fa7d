// The VFIO userspace's actions: the two type1 ioctls, group attach, and what happens to the
// process (exec, kexec, munmap). IOVAs, sizes and vaddrs are in pages here; labels print bytes in hex.
import {
  MAP_LIVE_UPDATE, MAP_READ, MAP_VADDR, MAP_WRITE, NP, NV, UNMAP_ALL, UNMAP_GET_DIRTY_BITMAP, UNMAP_VADDR,
  iovaHex, hex, PAGE, VADDR_BASE, vaddrHex,
} from './constants.js';

/** The action union, tagged `t` and named after the ioctl or event as vDPA's actions are
 *  (spec/vdpa/actions.ts). IOVAs, sizes and vaddrs in pages. */
export type VfioAction =
  /** VFIO_IOMMU_MAP_DMA. */
  | { readonly t: 'mapDma'; readonly iova: number; readonly size: number; readonly vaddr: number; readonly flags: number }
  /** VFIO_IOMMU_UNMAP_DMA. */
  | { readonly t: 'unmapDma'; readonly iova: number; readonly size: number; readonly flags: number }
  /** VFIO_GROUP_SET_CONTAINER of group 0 (A, the device's) or 1 (B); `persisted`: with the pkernfs
   *  series' VFIO_CONTAINER_SET_PERSISTENT_PGTABLES first, so the domain is the persisted one;
   *  `compatible`: the group's IOMMU has the same iommu_ops and enforce_cache_coherency as the
   *  domain already in the container, so vfio_iommu_type1_attach_group attaches it there. */
  | { readonly t: 'setContainer'; readonly group: number; readonly persisted: boolean; readonly compatible: boolean }
  /** The VMM re-execs itself (QEMU cpr-exec): the container fd survives, the mm does not. */
  | { readonly t: 'exec' }
  /** Live update kexec with the IOMMU page tables and guest RAM persisted in pkernfs. */
  | { readonly t: 'kexec' }
  /** The process releases the page behind vaddr page `vaddr` (munmap / hole punch). */
  | { readonly t: 'userFree'; readonly vaddr: number };

export type VfioActionType = VfioAction['t'];
export type MapDma = Extract<VfioAction, { t: 'mapDma' }>;
export type UnmapDma = Extract<VfioAction, { t: 'unmapDma' }>;
export type SetContainer = Extract<VfioAction, { t: 'setContainer' }>;
export type UserFree = Extract<VfioAction, { t: 'userFree' }>;
export const ACTION_KINDS: readonly VfioActionType[] = ['mapDma', 'unmapDma', 'setContainer', 'exec', 'kexec', 'userFree'];

export function kindIndex(a: VfioAction): number {
  switch (a.t) {
    case 'mapDma': return 0;
    case 'unmapDma': return 1;
    case 'setContainer': return 2;
    case 'exec': return 3;
    case 'kexec': return 4;
    case 'userFree': return 5;
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
export function labelAction(a: VfioAction): string {
  switch (a.t) {
    case 'mapDma':
      return `VFIO_IOMMU_MAP_DMA iova=${iovaHex(a.iova)} size=${hex(a.size * PAGE)} vaddr=${vaddrHex(a.vaddr)} flags=${mapFlags(a.flags)}`;
    case 'unmapDma':
      return `VFIO_IOMMU_UNMAP_DMA iova=${iovaHex(a.iova)} size=${hex(a.size * PAGE)} flags=${unmapFlags(a.flags)}`;
    case 'setContainer':
      return a.persisted
        ? `VFIO_CONTAINER_SET_PERSISTENT_PGTABLES; VFIO_GROUP_SET_CONTAINER group ${GROUP_NAMES[a.group] ?? a.group}`
        : a.compatible
          ? `VFIO_GROUP_SET_CONTAINER group ${GROUP_NAMES[a.group] ?? a.group} (compatible IOMMU: joins the container's domain, or a new one)`
          : `VFIO_GROUP_SET_CONTAINER group ${GROUP_NAMES[a.group] ?? a.group} (other iommu_ops or coherency: new IOMMU domain)`;
    case 'exec':
      return 'execve() of the VMM (cpr-exec: container fd kept, new mm)';
    case 'kexec':
      return 'kexec live update (pkernfs: guest RAM and IOMMU page tables persisted, device keeps running)';
    case 'userFree':
      return `munmap(${vaddrHex(a.vaddr)}, ${hex(PAGE)})`;
  }
}

/** As vDPA's: the action's own fields (pages), tag `t`. */
export function actionToJson(a: VfioAction): Readonly<Record<string, unknown>> {
  return { ...a };
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** An action of the alphabet's shape: in range, nonzero sizes where the ioctl needs one. */
function inRange(a: VfioAction): VfioAction | undefined {
  switch (a.t) {
    case 'mapDma':
      return a.iova >= 0 && a.size > 0 && a.vaddr >= 0 && a.iova + a.size <= NP && a.vaddr + a.size <= NV && a.flags >= 0 ? a : undefined;
    case 'unmapDma':
      return a.iova >= 0 && a.size >= 0 && a.iova + a.size <= NP && a.flags >= 0 ? a : undefined;
    case 'setContainer':
      return a.group === 0 || a.group === 1 ? a : undefined;
    case 'userFree':
      return a.vaddr >= 0 && a.vaddr < NV ? a : undefined;
    case 'exec': case 'kexec':
      return a;
  }
}

/** Parse an action from JSON (a trace file); undefined when it is not one of ours. Traces written
 *  before the tags were unified (`kind`, bytes in hex) are read too. */
export function actionFromJson(j: unknown): VfioAction | undefined {
  if (typeof j !== 'object' || j === null) return undefined;
  const o = j as Record<string, unknown>;
  if (o['t'] === undefined) return legacyFromJson(o);
  const n = (k: string): number | undefined => (isInt(o[k]) ? (o[k] as number) : undefined);
  switch (o['t']) {
    case 'mapDma': {
      const iova = n('iova'); const size = n('size'); const vaddr = n('vaddr'); const flags = n('flags');
      return iova === undefined || size === undefined || vaddr === undefined || flags === undefined
        ? undefined : inRange({ t: 'mapDma', iova, size, vaddr, flags });
    }
    case 'unmapDma': {
      const iova = n('iova'); const size = n('size'); const flags = n('flags');
      return iova === undefined || size === undefined || flags === undefined ? undefined : inRange({ t: 'unmapDma', iova, size, flags });
    }
    case 'setContainer': {
      const group = n('group');
      return group === undefined || typeof o['persisted'] !== 'boolean' || typeof o['compatible'] !== 'boolean'
        ? undefined : inRange({ t: 'setContainer', group, persisted: o['persisted'], compatible: o['compatible'] });
    }
    case 'exec': return { t: 'exec' };
    case 'kexec': return { t: 'kexec' };
    case 'userFree': { const vaddr = n('vaddr'); return vaddr === undefined ? undefined : inRange({ t: 'userFree', vaddr }); }
    default: return undefined;
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

/** The earlier JSON form: `kind` map/unmap/attach/exec/kexec/free, IOVAs and sizes in bytes, vaddrs in hex. */
function legacyFromJson(o: Record<string, unknown>): VfioAction | undefined {
  switch (o['kind']) {
    case 'map': {
      const iova = pageOf(o['iova'], 0, NP);
      const size = pageOf(o['size'], 0, NP, true);
      const vaddr = pageOf(o['vaddr'], VADDR_BASE, NV);
      const flags = num(o['flags']);
      if (iova === undefined || size === undefined || size === 0 || vaddr === undefined || flags === undefined) return undefined;
      return inRange({ t: 'mapDma', iova, size, vaddr, flags });
    }
    case 'unmap': {
      const iova = pageOf(o['iova'], 0, NP);
      const size = pageOf(o['size'], 0, NP, true);
      const flags = num(o['flags']);
      if (iova === undefined || size === undefined || flags === undefined) return undefined;
      return inRange({ t: 'unmapDma', iova, size, flags });
    }
    case 'attach': {
      const group = num(o['group']);
      if (group === undefined || typeof o['persisted'] !== 'boolean') return undefined;
      // before attach joined compatible domains the model always made a new one
      return inRange({ t: 'setContainer', group, persisted: o['persisted'], compatible: false });
    }
    case 'exec': return { t: 'exec' };
    case 'kexec': return { t: 'kexec' };
    case 'free': {
      const vaddr = pageOf(o['vaddr'], VADDR_BASE, NV);
      return vaddr === undefined ? undefined : { t: 'userFree', vaddr };
    }
    default: return undefined;
  }
}
