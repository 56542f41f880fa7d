// Which actions a world allows, and the errno a refused one gets, decided with ts-pattern over the
// whole action union (.exhaustive()). A refused action never reaches a reducer: it is a self-loop.
// ts-pattern is slow per call (stack-notes.md), so the explorer asks `enabledIndices`, memoised per
// control projection of the world (the fields a guard reads), and only traces call `guard` directly.
import { match, P } from 'ts-pattern';
import type { VdpaCtx } from './context.js';
import type { Action } from './actions.js';
import { NAS, NH, S_DRIVER_OK, bit, type FeatureName } from './constants.js';
import type { VdpaKernel } from './kernels.js';
import type { World } from './world.js';
import { DEFAULT_NVQS, type VdpaConfigOps } from './config-ops.js';

export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly ret: string; readonly reason: string };

const OK: Verdict = { ok: true };
const refuse = (ret: string, reason: string): Verdict => ({ ok: false, ret, reason });

const has = (mask: number, f: FeatureName): boolean => (mask & bit(f)) !== 0;

/** bit('IOTLB_ASID'), looked up once: effectiveAsid runs at every IOTLB step and guard. */
const IOTLB_ASID = bit('IOTLB_ASID');

/** The ASID a v2 IOTLB message lands in: honoured only once IOTLB_ASID is acked (vhost_chr_write_iter). */
export const effectiveAsid = (w: World, asid: number): number => ((w.acked & IOTLB_ASID) !== 0 ? asid : 0);

/** vhost_vdpa_has_persistent_map (v6.7+): platform IOMMU, or reset_map, or the parent reports IOTLB_PERSIST. */
export function hasPersistentMap(ops: VdpaConfigOps): boolean {
  return (ops.set_map === undefined && ops.dma_map === undefined) || ops.reset_map !== undefined ||
    has(ops.get_backend_features?.() ?? 0, 'IOTLB_PERSIST');
}

/** VHOST_GET_BACKEND_FEATURES: what this kernel offers for this parent (upstream bit mask). */
export function offeredFeatures(k: VdpaKernel, ops: VdpaConfigOps): number {
  const known = (f: FeatureName): boolean => k.featureBits[f] !== undefined;
  let m = bit('IOTLB_MSG_V2') | bit('IOTLB_BATCH') | bit('IOTLB_ASID');
  if (ops.suspend !== undefined && known('SUSPEND')) m |= bit('SUSPEND');
  if (ops.resume !== undefined && known('RESUME')) m |= bit('RESUME');
  if (ops.get_vq_desc_group && known('DESC_ASID')) m |= bit('DESC_ASID');
  if (known('IOTLB_PERSIST') && hasPersistentMap(ops)) m |= bit('IOTLB_PERSIST');
  if (known('ENABLE_AFTER_DRIVER_OK')) m |= ops.get_backend_features?.() ?? 0;
  return m;
}

/** VHOST_SET_BACKEND_FEATURES's checks: the kernel's own, or a variant's rewrite of them (systems/vdpa/variant.ts). */
export function checkBackendFeatures(k: VdpaKernel, ops: VdpaConfigOps, f: number): Verdict {
  return k.sbfOverride === undefined ? shippedBackendFeaturesCheck(k, ops, f) : k.sbfOverride(f, ops, () => shippedBackendFeaturesCheck(k, ops, f));
}

// VHOST_SET_BACKEND_FEATURES in vhost_vdpa_unlocked_ioctl: v6.1, v6.6, RFC v2 (merge error), RFC v3 / v6.7+.
function shippedBackendFeaturesCheck(k: VdpaKernel, ops: VdpaConfigOps, f: number): Verdict {
  let allowed = 0;
  for (const [name, b] of Object.entries(k.featureBits)) if (b !== undefined) allowed |= bit(name as FeatureName);
  if ((f & ~allowed) !== 0) return refuse('-EOPNOTSUPP', 'bits this kernel does not know');
  // The proposed fix (kernels.ts sbfEnableAfterDriverOkNeedsParent): the bit is known only if the parent reports it.
  if (k.sbfEnableAfterDriverOkNeedsParent && has(f, 'ENABLE_AFTER_DRIVER_OK') && !has(ops.get_backend_features?.() ?? 0, 'ENABLE_AFTER_DRIVER_OK')) {
    return refuse('-EOPNOTSUPP', 'ENABLE_AFTER_DRIVER_OK: the parent does not report it');
  }
  if (has(f, 'SUSPEND') && ops.suspend === undefined) return refuse('-EOPNOTSUPP', 'SUSPEND: parent has no suspend');
  if (has(f, 'RESUME') && ops.resume === undefined) return refuse('-EOPNOTSUPP', 'RESUME: parent has no resume');
  // ENABLE_AFTER_DRIVER_OK: no support check in any shipped kernel (6.12 vdpa.c:836-862)
  if (has(f, 'DESC_ASID') && !has(f, 'IOTLB_ASID')) return refuse('-EINVAL', 'DESC_ASID requires IOTLB_ASID');
  const badDesc = has(f, 'DESC_ASID') && ops.get_vq_desc_group !== true;
  const badPersist = has(f, 'IOTLB_PERSIST') && !hasPersistentMap(ops);
  if (k.sbfCheck === 'rfc-v2-merge-error') {
    // `if (DESC_ASID && !desc_group) if (PERSIST && !persistent) return -EOPNOTSUPP;` (K1, 4/4)
    if (badDesc && badPersist) return refuse('-EOPNOTSUPP', 'DESC_ASID and IOTLB_PERSIST both unsupported');
    return OK;
  }
  if (badDesc) return refuse('-EOPNOTSUPP', 'DESC_ASID: parent has no get_vq_desc_group');
  if (badPersist) return refuse('-EOPNOTSUPP', 'IOTLB_PERSIST: parent has no persistent map');
  return OK;
}

const needFd = (w: World): Verdict | undefined => (w.fdOpen ? undefined : refuse('-EBADF', 'vhost-vdpa fd not open'));

/** The guard: decided from control fields only (see `projection`). */
export function guard(ctx: VdpaCtx, w: World, a: Action): Verdict {
  const { kernel: k, ops } = ctx;
  return match<Action, Verdict>(a)
    .with({ t: 'open' }, () =>
      w.bound !== 'vhost' ? refuse('-ENODEV', 'vhost-vdpa is not bound to the device')
        : w.fdOpen ? refuse('-EBUSY', 'vhost-vdpa is opened once at a time') : OK)
    .with({ t: 'close' }, () => needFd(w) ?? OK)
    .with({ t: 'setOwner' }, () => needFd(w) ?? (w.owner ? refuse('-EBUSY', 'owner already set') : OK))
    .with({ t: 'setBackendFeatures' }, ({ features }) => needFd(w) ?? checkBackendFeatures(k, ops, features))
    .with({ t: 'setStatus' }, ({ status }) =>
      needFd(w) ?? (status !== 0 && (w.status & ~status) !== 0 ? refuse('-EINVAL', 'status bits may only be cleared by 0') : OK))
    // vhost_vdpa_suspend / vhost_vdpa_resume: v6.8+ (vdpa.c v6.12 l.620-660) return 0 before DRIVER_OK,
    // before looking at the op; v6.1 (l.504-513) calls the op or returns -EOPNOTSUPP in any status
    .with({ t: 'suspend' }, () =>
      needFd(w) ?? (k.suspendTracked && (w.status & S_DRIVER_OK) === 0 ? refuse('0', 'no DRIVER_OK: nothing to suspend')
        : ops.suspend === undefined ? refuse('-EOPNOTSUPP', 'parent has no suspend') : OK))
    // Without VHOST_VDPA_RESUME (6.1.176 vdpa.c l.717-720) the unknown ioctl goes to vhost_dev_ioctl, whose
    // owner check answers first (-EPERM), then to vhost_vdpa_vring_ioctl, whose get_user(idx, argp) of the
    // _IO ioctl's NULL argument faults (-EFAULT); measured in the lab (lab/DISCREPANCIES.md D1)
    .with({ t: 'resume' }, () =>
      needFd(w) ?? (!k.resumeIoctl ? (w.owner ? refuse('-EFAULT', 'no VHOST_VDPA_RESUME in this kernel: vhost_vdpa_vring_ioctl get_user(idx, NULL)')
        : refuse('-EPERM', 'no VHOST_VDPA_RESUME in this kernel: vhost_dev_ioctl, not the owner'))
        : k.suspendTracked && (w.status & S_DRIVER_OK) === 0 ? refuse('0', 'no DRIVER_OK: nothing to resume')
          : ops.resume === undefined ? refuse('-EOPNOTSUPP', 'parent has no resume') : OK))
    // VHOST_VDPA_SET_GROUP_ASID: vhost_dev_ioctl's owner check, then vhost_vdpa_vring_ioctl (v6.12 l.684-740,
    // 6.1.192 l.531-560): idx >= nvqs → -ENOBUFS; idx >= ngroups (cd025c1e876b) or asid >= nas → -EINVAL
    .with({ t: 'setGroupAsid' }, ({ group, asid }) =>
      needFd(w) ?? (!w.owner ? refuse('-EPERM', 'not the owner (vhost_dev_ioctl)')
        : group >= (ops.nvqs ?? DEFAULT_NVQS) ? refuse('-ENOBUFS', `index ${group} >= nvqs ${ops.nvqs ?? DEFAULT_NVQS}`)
          : k.sgaGroupCheck && group >= ops.ngroups ? refuse('-EINVAL', `group ${group} >= ngroups ${ops.ngroups}`)
            : asid >= ops.nas ? refuse('-EINVAL', `asid ${asid} >= nas ${ops.nas}`)
              : ops.set_group_asid === undefined ? refuse('-EOPNOTSUPP', 'parent has no set_group_asid') : OK))
    // VHOST_SET_VRING_ADDR / VHOST_SET_VRING_BASE / VHOST_VDPA_SET_VRING_ENABLE: vhost_dev_ioctl's owner check
    // (vhost.c 6.12 l.2423, 6.1 l.1826), then vhost_vdpa_vring_ioctl (vdpa.c 6.12 l.662-822, 6.1 l.515-614):
    // idx >= nvqs → -ENOBUFS (6.12 l.684-685, 6.1 l.531-532); SET_VRING_ENABLE calls set_vq_ready, void
    // (6.12 l.708-712, 6.1 l.538-542). ADDR and BASE run vhost_vring_ioctl first (vhost-vdpa never sets
    // vq->private_data, so it accepts them), then, since v6.8 ("vdpa: Block vq property changes in
    // DRIVER_OK", with v->suspended: the suspendTracked knob), -EINVAL while DRIVER_OK and not suspended
    // (6.12 l.778-780, 789-791), before set_vq_address / set_vq_state; 6.1 (l.590-607) has no such check.
    .with({ t: P.union('setVringAddr', 'setVringBase', 'setVringEnable') }, (a) =>
      needFd(w) ?? (!w.owner ? refuse('-EPERM', 'not the owner (vhost_dev_ioctl)')
        : a.vq >= (ops.nvqs ?? DEFAULT_NVQS) ? refuse('-ENOBUFS', `index ${a.vq} >= nvqs ${ops.nvqs ?? DEFAULT_NVQS}`)
          : a.t !== 'setVringEnable' && k.suspendTracked && (w.status & S_DRIVER_OK) !== 0 && !w.suspended
            ? refuse('-EINVAL', 'DRIVER_OK and not suspended (vq property changes blocked since v6.8)') : OK))
    .with({ t: P.union('iotlbUpdate', 'iotlbBatchBegin') }, (a) => {
      const fd = needFd(w);
      if (fd !== undefined) return fd;
      // vhost_chr_write_iter (drivers/vhost/vhost.c 6.12.117 l.1731-1734, 6.1.192 l.1211-1214): an UPDATE of
      // size 0 is -EINVAL before dev->msg_handler runs: no owner check, no address space allocated, so the
      // handler's own !msg->size check (vdpa.c 6.12 l.1283) is never reached (lab/DISCREPANCIES.md D2)
      if (a.t === 'iotlbUpdate' && a.npages === 0) return refuse('-EINVAL', 'size 0 (vhost_chr_write_iter, before the handler)');
      const asid = a.asid;
      if (!w.owner) return refuse('-EFAULT', '-EPERM: not the owner (vhost_dev_check_owner)');
      const as = effectiveAsid(w, asid);
      if (as >= ops.nas) return refuse('-EFAULT', `-EINVAL: can't find and alloc asid ${as}`);
      // AS missing: it is created and the message may still fail, so it is not a self-loop
      if ((w.asExists & (1 << as)) !== 0 && w.inBatch && w.batchAsid !== as) {
        return refuse('-EFAULT', `-EINVAL: batch open for asid ${w.batchAsid}`);
      }
      return OK;
    })
    .with({ t: P.union('iotlbInvalidate', 'iotlbBatchEnd') }, ({ asid }) => {
      const fd = needFd(w);
      if (fd !== undefined) return fd;
      if (!w.owner) return refuse('-EFAULT', '-EPERM: not the owner (vhost_dev_check_owner)');
      const as = effectiveAsid(w, asid);
      if ((w.asExists & (1 << as)) === 0) return refuse('-EFAULT', `-EINVAL: no iotlb for asid ${as}`);
      if (w.inBatch && w.batchAsid !== as) return refuse('-EFAULT', `-EINVAL: batch open for asid ${w.batchAsid}`);
      return OK;
    })
    .with({ t: 'bindVirtio' }, () =>
      w.bound !== 'vhost' ? refuse('-EBUSY', 'virtio-vdpa already bound')
        : w.fdOpen ? refuse('blocks', 'vhost_vdpa_remove waits for the fd to be closed') : OK)
    .with({ t: 'bindVhost' }, () => (w.bound !== 'virtio' ? refuse('-EBUSY', 'vhost-vdpa already bound') : OK))
    .with({ t: 'parentFault' }, () => (w.faultIn !== 0 ? refuse('0', 'a fault is already armed') : OK))
    .with({ t: 'userFree' }, ({ host }) =>
      host >= NH || (w.userFreed & (1 << host)) !== 0 ? refuse('0', 'nothing mapped there any more') : OK)
    .exhaustive();
}

/**
 * The control projection: every bit of the world the guard reads, as one mixed-radix number, and no
 * more, so that ts-pattern runs for as few projections as the guard can tell apart
 * (test/vdpa/guard-projection.test.ts checks both: the fields read, and that worlds with one
 * projection get one verdict). Read whole: fdOpen, owner, bound, inBatch, suspended, asExists,
 * status, userFreed. Read in part: acked only through effectiveAsid (the IOTLB_ASID bit), faultIn
 * only as armed or not (parentFault), batchAsid only while inBatch (the batch checks of the IOTLB
 * messages). Below 2^22 for NAS=2, NH=4; times the alphabet's length it stays far below 2^53.
 */
export function projection(w: World): number {
  const batchAsid = w.batchAsid; // read whether or not it counts: the test finds the fields a projection reads
  let k = (w.fdOpen ? 1 : 0) | (w.owner ? 2 : 0) | (w.bound === 'vhost' ? 4 : 0) | (w.inBatch ? 8 : 0) | (w.suspended ? 16 : 0) |
    (w.faultIn !== 0 ? 32 : 0) | ((w.acked & IOTLB_ASID) !== 0 ? 64 : 0);
  k = k * NAS + (w.inBatch ? batchAsid : 0);
  k = k * (1 << NAS) + w.asExists;
  k = k * 256 + w.status;
  return k * (1 << NH) + w.userFreed;
}

/**
 * The guard memoised for one alphabet: ts-pattern runs once per (control projection, action), and
 * the list of allowed actions once per projection. One table per (ctx, alphabet), shared by the
 * userspace that lists actions and the model that steps them.
 */
export interface GuardTable {
  /** The verdict for alphabet[i]. */
  verdictAt(w: World, i: number): Verdict;
  /** The verdict for any action (memoised when it is one of the alphabet's objects). */
  verdict(w: World, a: Action): Verdict;
  /** Indices into the alphabet of the actions the guard allows in w. */
  enabled(w: World): readonly number[];
}

/**
 * The verdicts of one context, shared by every table over it (the userspace's alphabet, the
 * errno-expectation invariant's, a filtered one): an action is known by its JSON, so equal actions
 * of different alphabets share one column; one row of verdicts per control projection (a small
 * integer key: V8's fast map path).
 */
interface Verdicts {
  readonly ids: Map<string, number>;
  readonly actions: Action[];
  readonly rows: Map<number, (Verdict | undefined)[]>;
}

const perCtx = new WeakMap<VdpaCtx, Verdicts>();
const tables = new WeakMap<readonly Action[], { ctx: VdpaCtx; table: GuardTable }>();

function verdictsOf(ctx: VdpaCtx): Verdicts {
  let v = perCtx.get(ctx);
  if (v === undefined) perCtx.set(ctx, (v = { ids: new Map(), actions: [], rows: new Map() }));
  return v;
}

function columnOf(u: Verdicts, a: Action): number {
  const key = JSON.stringify(a);
  let id = u.ids.get(key);
  if (id === undefined) {
    id = u.actions.length;
    u.ids.set(key, id);
    u.actions.push(a);
  }
  return id;
}

export function guardTable(ctx: VdpaCtx, alphabet: readonly Action[]): GuardTable {
  const cached = tables.get(alphabet);
  if (cached !== undefined && cached.ctx === ctx) return cached.table;
  const n = alphabet.length;
  const u = verdictsOf(ctx);
  const column = alphabet.map((a) => columnOf(u, a));
  const indexOf = new Map<Action, number>(alphabet.map((a, i) => [a, i]));
  const lists = new Map<number, number[]>();
  // the row looked up last: the explorer takes every action of a world in a row, all in one projection
  let lastKey = -1;
  let lastRow: (Verdict | undefined)[] = [];
  const rowOf = (key: number): (Verdict | undefined)[] => {
    if (key === lastKey) return lastRow;
    let row = u.rows.get(key);
    if (row === undefined) u.rows.set(key, (row = []));
    lastKey = key;
    lastRow = row;
    return row;
  };
  const at = (row: (Verdict | undefined)[], w: World, i: number): Verdict => {
    const c = column[i]!;
    let v = row[c];
    if (v === undefined) row[c] = v = guard(ctx, w, alphabet[i]!);
    return v;
  };
  const verdictAt = (w: World, i: number): Verdict => at(rowOf(projection(w)), w, i);
  const table: GuardTable = {
    verdictAt,
    verdict: (w, a) => {
      const i = indexOf.get(a);
      return i === undefined ? guard(ctx, w, a) : verdictAt(w, i);
    },
    enabled: (w) => {
      const key = projection(w);
      let idx = lists.get(key);
      if (idx === undefined) {
        const row = rowOf(key);
        idx = [];
        for (let i = 0; i < n; i++) if (at(row, w, i).ok) idx.push(i);
        lists.set(key, idx);
      }
      return idx;
    },
  };
  tables.set(alphabet, { ctx, table });
  return table;
}
