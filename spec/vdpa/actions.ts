// The action union: every vhost-vdpa ioctl and IOTLB message of semantics.md §1, the bus driver
// binds, and userspace freeing memory. Labels read like a kernel developer's notes.
import {
  F, FEATURE_NAMES, GROUP_NAMES, HOST_PFN, PAGE, USER_VA, bit, hex, iovaRange, type FeatureName,
} from './constants.js';

export type Action =
  | { readonly t: 'open' }
  | { readonly t: 'close' }
  | { readonly t: 'setOwner' }
  | { readonly t: 'setBackendFeatures'; readonly features: number }
  | { readonly t: 'setStatus'; readonly status: number }
  | { readonly t: 'suspend' }
  | { readonly t: 'resume' }
  | { readonly t: 'setGroupAsid'; readonly group: number; readonly asid: number }
    /** The vring ioctls, as far as they reach state the model keeps (spec/vdpa/config-ops.ts set_vq_*). */
  | { readonly t: 'setVringAddr'; readonly vq: number }
  | { readonly t: 'setVringBase'; readonly vq: number }
  | { readonly t: 'setVringEnable'; readonly vq: number; readonly ready: number }
  | { readonly t: 'iotlbUpdate'; readonly asid: number; readonly page: number; readonly npages: number; readonly host: number }
  | { readonly t: 'iotlbInvalidate'; readonly asid: number; readonly page: number; readonly npages: number }
  | { readonly t: 'iotlbBatchBegin'; readonly asid: number }
  | { readonly t: 'iotlbBatchEnd'; readonly asid: number }
  | { readonly t: 'bindVirtio' }
  | { readonly t: 'bindVhost' }
  | { readonly t: 'userFree'; readonly host: number }
    /** `after`: allocations that still succeed before the one that fails (0 when absent). */
  | { readonly t: 'parentFault'; readonly after?: number };

export type ActionType = Action['t'];

export const ACTION_KINDS: readonly ActionType[] = [
  'open', 'close', 'setOwner', 'setBackendFeatures', 'setStatus', 'suspend', 'resume', 'setGroupAsid',
  'setVringAddr', 'setVringBase', 'setVringEnable',
  'iotlbUpdate', 'iotlbInvalidate', 'iotlbBatchBegin', 'iotlbBatchEnd', 'bindVirtio', 'bindVhost', 'userFree',
  'parentFault',
];

/** Each kind's arguments (the fields besides `t`), for --exclude-actions kind(arg=value) and `list actions`. */
export const ACTION_ARGS: Readonly<Record<ActionType, readonly string[]>> = {
  open: [], close: [], setOwner: [], setBackendFeatures: ['features'], setStatus: ['status'], suspend: [], resume: [],
  setGroupAsid: ['group', 'asid'], setVringAddr: ['vq'], setVringBase: ['vq'], setVringEnable: ['vq', 'ready'], iotlbUpdate: ['asid', 'page', 'npages', 'host'], iotlbInvalidate: ['asid', 'page', 'npages'],
  iotlbBatchBegin: ['asid'], iotlbBatchEnd: ['asid'], bindVirtio: [], bindVhost: [], userFree: ['host'], parentFault: ['after'],
};

/** Feature bits rendered by name, with the kernel's own numbering for the hex value. */
export function featureNames(mask: number): string {
  const names = FEATURE_NAMES.filter((f) => (mask & bit(f)) !== 0);
  return names.length === 0 ? '{}' : names.join('|');
}

export function featureHex(mask: number, bits: Partial<Record<FeatureName, number>>): string {
  let v = 0;
  for (const f of FEATURE_NAMES) if ((mask & bit(f)) !== 0) v += 2 ** (bits[f] ?? F[f]); // unknown to this kernel: upstream number
  return hex(v);
}

const STATUS_BITS: readonly [number, string][] = [[1, 'ACKNOWLEDGE'], [2, 'DRIVER'], [8, 'FEATURES_OK'], [4, 'DRIVER_OK'], [0x80, 'FAILED']];
export function statusNames(s: number): string {
  if (s === 0) return '0';
  return STATUS_BITS.filter(([b]) => (s & b) !== 0).map(([, n]) => n).join('|');
}

export function hostRun(host: number, npages: number): string {
  const hs: string[] = [];
  for (let i = 0; i < npages; i++) hs.push(`h${host + i}`);
  return hs.join(',');
}

export function labelAction(a: Action, bits: Partial<Record<FeatureName, number>>): string {
  switch (a.t) {
    case 'open': return 'open("/dev/vhost-vdpa-0")';
    case 'close': return 'close(fd)  → vhost_vdpa_release';
    case 'setOwner': return 'ioctl(VHOST_SET_OWNER)';
    case 'setBackendFeatures':
      return `ioctl(VHOST_SET_BACKEND_FEATURES, ${featureHex(a.features, bits)} ${featureNames(a.features)})`;
    case 'setStatus': return `ioctl(VHOST_VDPA_SET_STATUS, ${hex(a.status)} ${statusNames(a.status)})`;
    case 'suspend': return 'ioctl(VHOST_VDPA_SUSPEND)';
    case 'resume': return 'ioctl(VHOST_VDPA_RESUME)';
    case 'setGroupAsid':
      return `ioctl(VHOST_VDPA_SET_GROUP_ASID, group=${a.group} (${GROUP_NAMES[a.group] ?? '?'}) asid=${a.asid})`;
    case 'setVringAddr': return `ioctl(VHOST_SET_VRING_ADDR, index=${a.vq})`;
    case 'setVringBase': return `ioctl(VHOST_SET_VRING_BASE, index=${a.vq})`;
    case 'setVringEnable': return `ioctl(VHOST_VDPA_SET_VRING_ENABLE, index=${a.vq} num=${a.ready})`;
    case 'iotlbUpdate':
      return `write(VHOST_IOTLB_UPDATE asid=${a.asid} iova=${iovaRange(a.page, a.npages)} ` +
        `uaddr=${hex(USER_VA + a.host * PAGE)} (${hostRun(a.host, a.npages)}) perm=RW)`;
    case 'iotlbInvalidate': return `write(VHOST_IOTLB_INVALIDATE asid=${a.asid} iova=${iovaRange(a.page, a.npages)})`;
    case 'iotlbBatchBegin': return `write(VHOST_IOTLB_BATCH_BEGIN asid=${a.asid})`;
    case 'iotlbBatchEnd': return `write(VHOST_IOTLB_BATCH_END asid=${a.asid})`;
    case 'bindVirtio': return 'unbind vhost_vdpa, bind virtio_vdpa (virtio_vdpa_probe; virtio-net sets DRIVER_OK)';
    case 'bindVhost': return 'unbind virtio_vdpa (vdpa_reset), bind vhost_vdpa (vhost_vdpa_probe)';
    case 'userFree': return `munmap(${hex(USER_VA + a.host * PAGE)}) (h${a.host}, pfn ${hex(HOST_PFN[a.host] ?? 0)})`;
    case 'parentFault':
      return (a.after ?? 0) === 0
        ? 'fault injection: the parent\'s next map allocation fails (-ENOMEM: MR, iotlb node, IOMMU page table; VDUSE: or the daemon\'s next reply, -EIO)'
        : `fault injection: the parent's map allocation after the next ${a.after} fails (-ENOMEM: MR, iotlb node, IOMMU page table; VDUSE: or the daemon's reply, -EIO)`;
  }
}

/**
 * The label of `a` with the ASID the message lands in when that is not the one it names:
 * vhost_chr_write_iter (drivers/vhost/vhost.c, 6.1 and 6.12) reads the v2 message's asid only once
 * VHOST_BACKEND_F_IOTLB_ASID is acked, and uses 0 otherwise. `effective`: that ASID (transitions.ts).
 */
export function labelActionIn(a: Action, bits: Partial<Record<FeatureName, number>>, effective: (asid: number) => number): string {
  const l = labelAction(a, bits);
  if (!('asid' in a) || a.t === 'setGroupAsid') return l;
  const e = effective(a.asid);
  if (e === a.asid) return l;
  const named = `asid=${a.asid}`;
  const i = l.indexOf(named);
  return i < 0 ? l : `${l.slice(0, i + named.length)} (→ ${e}: IOTLB_ASID not acked)${l.slice(i + named.length)}`;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Parse an action from JSON (a trace file); undefined when it is not one of ours. */
export function actionFromJson(j: unknown): Action | undefined {
  if (typeof j !== 'object' || j === null) return undefined;
  const o = j as Record<string, unknown>;
  const t = o['t'];
  const n = (k: string): number | undefined => (isInt(o[k]) ? (o[k] as number) : undefined);
  switch (t) {
    case 'open': case 'close': case 'setOwner': case 'suspend': case 'resume': case 'bindVirtio': case 'bindVhost':
      return { t };
    case 'parentFault': { const after = n('after'); return after === undefined || after === 0 ? { t } : { t, after }; }
    case 'setBackendFeatures': { const f = n('features'); return f === undefined ? undefined : { t, features: f }; }
    case 'setStatus': { const s = n('status'); return s === undefined ? undefined : { t, status: s }; }
    case 'setGroupAsid': {
      const group = n('group'); const asid = n('asid');
      return group === undefined || asid === undefined ? undefined : { t, group, asid };
    }
    case 'setVringAddr': case 'setVringBase': { const vq = n('vq'); return vq === undefined ? undefined : { t, vq }; }
    case 'setVringEnable': {
      const vq = n('vq'); const ready = n('ready');
      return vq === undefined || ready === undefined ? undefined : { t, vq, ready };
    }
    case 'iotlbUpdate': {
      const asid = n('asid'); const page = n('page'); const npages = n('npages'); const host = n('host');
      return asid === undefined || page === undefined || npages === undefined || host === undefined
        ? undefined : { t, asid, page, npages, host };
    }
    case 'iotlbInvalidate': {
      const asid = n('asid'); const page = n('page'); const npages = n('npages');
      return asid === undefined || page === undefined || npages === undefined ? undefined : { t, asid, page, npages };
    }
    case 'iotlbBatchBegin': case 'iotlbBatchEnd': { const asid = n('asid'); return asid === undefined ? undefined : { t, asid }; }
    case 'userFree': { const host = n('host'); return host === undefined ? undefined : { t, host }; }
    default: return undefined;
  }
}
