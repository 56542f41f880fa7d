// Userspace contracts for `--userspace any` (`--contract strict|qemu-like|none`). A contract is a set
// of named clauses; each clause is a guard on the userspace's alphabet over what userspace itself
// knows (its belief state: uMap, uGroupAsid, uStale, and what it set: acked features, status, the
// batch it opened), and names the kernel or QEMU source that states it. `none` is the unconstrained
// `any`. A trace under `none` is judged clause by clause by `clausesBroken`, so a violation that
// exists only because userspace broke the contract is reported with the clause's name.
import { ACTION_KINDS, type Action } from '../spec/vdpa/actions.js';
import { NAS, NP, S_DRIVER_OK, bit, type FeatureName } from '../spec/vdpa/constants.js';
import { effectiveAsid, offeredFeatures } from '../spec/vdpa/transitions.js';
import type { World } from '../spec/vdpa/world.js';
import type { CallResult, VdpaCtx } from './context.js';

import type { ContractName } from '../spec/config.js';

export interface ContractClause {
  readonly id: string;
  /** What userspace must do, in one line. */
  readonly title: string;
  /** Where the kernel or QEMU states it (file:function). */
  readonly source: string;
  /** True when `a`, taken in `w`, breaks the clause. Reads only what userspace knows. */
  breaks(ctx: VdpaCtx, w: World, a: Action): boolean;
  /** The action kinds `breaks` can be true for (absent: any kind); `clausesByKind` skips the others. */
  readonly kinds?: readonly Action['t'][];
}

const acked = (w: World, f: FeatureName): boolean => (w.acked & bit(f)) !== 0;
const driverOk = (status: number): boolean => (status & S_DRIVER_OK) !== 0;

/**
 * Extents userspace believes it mapped with one UPDATE: pages p and p+1 are in one extent when both
 * are believed mapped to consecutive host pages. Exact for `any`'s alphabet (its UPDATEs are [0,2)→h0,
 * [2,4)→h2 and [0,1)→h2; the only two that this rule would merge, [0,2)→h0 and [2,4)→h2, are never
 * cut apart by its INVALIDATEs [0,1) and [0,4) without also cutting [0,2)).
 */
function cutsExtent(w: World, as: number, page: number, npages: number): boolean {
  const sameExtent = (p: number): boolean => {
    const a = w.uMap[as * NP + p]!;
    const b = w.uMap[as * NP + p + 1]!;
    return a >= 0 && b === a + 1;
  };
  const first = page;
  const last = Math.min(NP, page + npages) - 1;
  return (first > 0 && sameExtent(first - 1)) || (last < NP - 1 && sameExtent(last));
}

/** QEMU's backend feature mask (hw/virtio/vhost-vdpa.c: vhost_vdpa_set_backend_cap). */
const QEMU_BACKEND_MASK = bit('IOTLB_MSG_V2') | bit('IOTLB_BATCH') | bit('IOTLB_ASID') | bit('SUSPEND');

export const CLAUSES: readonly ContractClause[] = [
  {
    id: 'ack-only-offered',
    kinds: ['setBackendFeatures'],
    title: 'VHOST_SET_BACKEND_FEATURES acks only bits VHOST_GET_BACKEND_FEATURES offered',
    source: 'QEMU hw/virtio/vhost-vdpa.c:vhost_vdpa_set_backend_cap (features &= what GET offered); kernel drivers/vhost/vdpa.c:vhost_vdpa_unlocked_ioctl VHOST_SET_BACKEND_FEATURES (checks only some bits: ENABLE_AFTER_DRIVER_OK is accepted unchecked)',
    breaks: (ctx, _w, a) => a.t === 'setBackendFeatures' && (a.features & ~offeredFeatures(ctx.kernel, ctx.ops)) !== 0,
  },
  {
    id: 'asid-needs-iotlb-asid',
    kinds: ['iotlbUpdate', 'iotlbInvalidate', 'iotlbBatchBegin', 'iotlbBatchEnd'],
    title: 'an IOTLB message names ASID 0 unless IOTLB_ASID is acked (the field is ignored otherwise)',
    source: 'QEMU hw/virtio/vhost-vdpa.c:vhost_vdpa_dma_map/unmap (msg.asid set only with VHOST_BACKEND_F_IOTLB_ASID); kernel drivers/vhost/vhost.c:vhost_chr_write_iter (asid read only when acked)',
    breaks: (_ctx, w, a) =>
      (a.t === 'iotlbUpdate' || a.t === 'iotlbInvalidate' || a.t === 'iotlbBatchBegin' || a.t === 'iotlbBatchEnd') &&
      a.asid !== 0 && !acked(w, 'IOTLB_ASID'),
  },
  {
    id: 'invalidate-whole-extents',
    kinds: ['iotlbInvalidate'],
    title: 'an INVALIDATE covers whole UPDATE extents (never part of a range mapped by one UPDATE)',
    source: 'QEMU hw/virtio/vhost-vdpa.c:vhost_vdpa_listener_region_del (unmaps exactly the section region_add mapped); kernel drivers/vhost/vdpa.c:vhost_vdpa_pa_unmap (removes every intersecting entry whole)',
    breaks: (_ctx, w, a) => a.t === 'iotlbInvalidate' && cutsExtent(w, effectiveAsid(w, a.asid), a.page, a.npages),
  },
  {
    id: 'remap-after-reset',
    kinds: ['setStatus'],
    title: 'after a reset without IOTLB_PERSIST acked, every mapping is invalidated and re-sent before DRIVER_OK',
    source: 'QEMU hw/virtio/vhost-vdpa.c:vhost_vdpa_reset_status (memory_listener_unregister unmaps all) and vhost_vdpa_dev_start (memory_listener_register maps all, then DRIVER_OK); kernel drivers/vhost/vdpa.c:_compat_vdpa_reset (VDPA_RESET_F_CLEAN_MAP unless IOTLB_PERSIST, 4398776f7a6d)',
    breaks: (_ctx, w, a) => a.t === 'setStatus' && driverOk(a.status) && w.uStale !== 0,
  },
  {
    id: 'group-asid-while-stopped',
    kinds: ['setGroupAsid'],
    title: 'SET_GROUP_ASID only before DRIVER_OK or while suspended',
    source: 'QEMU net/vhost-vdpa.c:vhost_vdpa_net_cvq_start (vhost_vdpa_set_address_space_id before the device starts); include/uapi/linux/vhost.h VHOST_VDPA_SET_GROUP_ASID (the kernel, drivers/vhost/vdpa.c:vhost_vdpa_vring_ioctl, does not check)',
    breaks: (_ctx, w, a) => a.t === 'setGroupAsid' && driverOk(w.status) && !w.devSuspended,
  },
  {
    id: 'no-driver-ok-in-batch',
    kinds: ['setStatus'],
    title: 'no DRIVER_OK while an IOTLB batch is open',
    source: 'QEMU hw/virtio/vhost-vdpa.c:vhost_vdpa_listener_commit (BATCH_END at the end of every transaction) before vhost_vdpa_dev_start sets DRIVER_OK',
    breaks: (_ctx, w, a) => a.t === 'setStatus' && driverOk(a.status) && w.inBatch,
  },
  {
    id: 'batch-closed-before-reset',
    kinds: ['setStatus'],
    title: 'the IOTLB batch is closed before a reset (SET_STATUS 0)',
    source: 'QEMU hw/virtio/vhost-vdpa.c:vhost_vdpa_listener_commit (batches never span a device stop); kernel drivers/vhost/vdpa.c:vhost_vdpa_set_status (v6.7+ no longer clears in_batch)',
    breaks: (_ctx, w, a) => a.t === 'setStatus' && a.status === 0 && w.inBatch,
  },
];

/** QEMU's own habits on top of the documented clauses. */
export const QEMU_CLAUSES: readonly ContractClause[] = [
  {
    id: 'qemu-backend-mask',
    kinds: ['setBackendFeatures'],
    title: 'acks only MSG_V2, BATCH, ASID and SUSPEND (never IOTLB_PERSIST, RESUME, DESC_ASID, ENABLE_AFTER_DRIVER_OK)',
    source: 'QEMU hw/virtio/vhost-vdpa.c:vhost_vdpa_set_backend_cap (f = MSG_V2|BATCH|ASID|SUSPEND)',
    breaks: (_ctx, _w, a) => a.t === 'setBackendFeatures' && (a.features & ~QEMU_BACKEND_MASK) !== 0,
  },
  {
    id: 'qemu-messages-in-batch',
    kinds: ['iotlbUpdate', 'iotlbInvalidate'],
    title: 'with IOTLB_BATCH acked, every UPDATE and INVALIDATE is inside a batch',
    source: 'QEMU hw/virtio/vhost-vdpa.c:vhost_vdpa_iotlb_batch_begin_once (called by vhost_vdpa_dma_map/unmap callers in the listener)',
    breaks: (_ctx, w, a) => (a.t === 'iotlbUpdate' || a.t === 'iotlbInvalidate') && acked(w, 'IOTLB_BATCH') && !w.inBatch,
  },
];

export interface Contract {
  readonly name: ContractName;
  readonly clauses: readonly ContractClause[];
}

export function contract(name: ContractName): Contract {
  switch (name) {
    case 'none': return { name, clauses: [] };
    case 'strict': return { name, clauses: CLAUSES };
    case 'qemu-like': return { name, clauses: [...CLAUSES, ...QEMU_CLAUSES] };
  }
}

/** Every clause any contract has, for judging traces. */
export const ALL_CLAUSES: readonly ContractClause[] = [...CLAUSES, ...QEMU_CLAUSES];

/**
 * The stale-belief update (what `remap-after-reset` needs): a successful reset while IOTLB_PERSIST
 * is not acked makes every page userspace believes mapped stale; a successful INVALIDATE clears the
 * pages it covers; open and close forget everything.
 */
export function staleAfter(w: World, a: Action, r: CallResult, stale: number): number {
  if (r.ret !== '0') return stale;
  switch (a.t) {
    case 'open': case 'close': return 0;
    case 'setStatus': {
      if (a.status !== 0 || acked(w, 'IOTLB_PERSIST')) return stale;
      let s = stale;
      for (let i = 0; i < NAS * NP; i++) if (w.uMap[i]! >= 0) s |= 1 << i;
      return s;
    }
    case 'iotlbInvalidate': {
      const as = effectiveAsid(w, a.asid);
      let s = stale;
      for (let i = 0; i < a.npages && a.page + i < NP; i++) s &= ~(1 << (as * NP + a.page + i));
      return s;
    }
    default: return stale;
  }
}

/** The only kinds of action `staleAfter` looks at (so a replay needs their return value only). */
export const MOVES_STALE: ReadonlySet<Action['t']> = new Set<Action['t']>(['open', 'close', 'setStatus', 'iotlbInvalidate']);

/**
 * `clauses` by the action kind they can break on (a clause without `kinds` under every kind), in
 * their order: the belief update asks the strict contract at every step, and most kinds have no
 * clause (one call site of nine closures was ~2 % of a search).
 */
export function clausesByKind(clauses: readonly ContractClause[]): Readonly<Record<Action['t'], readonly ContractClause[]>> {
  const out = Object.create(null) as Record<Action['t'], ContractClause[]>;
  for (const t of ACTION_KINDS) out[t] = clauses.filter((c) => c.kinds === undefined || c.kinds.includes(t));
  return out;
}

/** The first clause of `clauses` that `a` in `w` breaks, or undefined. */
export function brokenClause(ctx: VdpaCtx, clauses: readonly ContractClause[], w: World, a: Action): ContractClause | undefined {
  for (const c of clauses) if (c.breaks(ctx, w, a)) return c;
  return undefined;
}
