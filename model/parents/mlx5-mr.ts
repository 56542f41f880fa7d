// mlx5 memory keys (struct mlx5_vdpa_mr, drivers/vdpa/mlx5/core/mr.c) as objects with identity. An MR is
// immutable once built (a new map is a new MR), so an object is its page translation plus the ASID whose
// iotlb it was built from. References: mres.mr[asid] (w.mrRef) and each data VQ's vq_mr / desc_mr
// (w.vqRef; all VQs are programmed alike, so one pair stands for them). The refcount of v6.8+
// (mlx5_vdpa_get_mr / mlx5_vdpa_put_mr) is the number of these references; an object no reference
// holds is freed at once. The kernel frees it later from a work queue (MLX5_VDPA_MR_GC_TRIGGER_MS), but
// no VQ can use an MR no one references, so freeing at once changes no translation a device can reach.
import { FAULT, IDENTITY, MR_SLOTS, NAS, NP } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';
import { expand } from '../vhost-iotlb.js';

export const VQ_NONE = 0;
export const VQ_INIT = 1;
export const VQ_RDY = 2;
export const VQ_SUSPEND = 3;
export const VQ_STATE_NAMES = ['none', 'INIT', 'RDY', 'SUSPEND'] as const;

/** modified_fields bits the model follows (MLX5_VIRTQ_MODIFY_MASK_VIRTIO_Q_MKEY / _DESC_GROUP_MKEY). */
export const MKEY_DATA = 1;
export const MKEY_DESC = 2;
/**
 * vqs[0]'s VIRTIO_Q_ADDRS / AVAIL_IDX / USED_IDX (set_vq_address, set_vq_state), as one bit: the only
 * reader that changes a map is needs_vqs_reset (vnet:3250-3265), which reads vqs[0] alone and any of them alike.
 */
export const VQ_FIELDS = 4;

/** The CVQ's virtqueue index without VIRTIO_NET_F_MQ (is_ctrl_vq_idx): after the one data queue pair. */
export const CVQ_INDEX = 2;

/** The slot a new object is built in: the last one, free between calls (see normalizeMrs). */
const SCRATCH = MR_SLOTS - 1;

/** mlx5_vdpa_create_mr(mvdev, iotlb of `asid`): a user MR of vhost's iotlb (the caller checks faults). */
export function newUserMr(d: World, asid: number): number {
  for (let p = 0; p < NP; p++) d.mrPages[SCRATCH * NP + p] = expand(d, asid, p);
  d.mrAsid[SCRATCH] = asid;
  return SCRATCH;
}

/** create_dma_mr: the 1:1 MR (umem_uid_0 assumed), installed for ASID 0 by its callers. */
export function newDmaMr(d: World): number {
  for (let p = 0; p < NP; p++) d.mrPages[SCRATCH * NP + p] = IDENTITY;
  d.mrAsid[SCRATCH] = 0;
  return SCRATCH;
}

/** Page p of MR object `ref` as a device reaches it (no object: mkey 0, every access faults). */
export function mrPage(w: World, ref: number, p: number): number {
  return ref < 0 ? FAULT : w.mrPages[ref * NP + p]!;
}

/**
 * Canonical form after every mlx5 call: objects renumbered in order of first reference (mrRef[0..],
 * vqRef[0], vqRef[1]), unreferenced objects dropped (their pages FAULT, their ASID -1), so that two
 * worlds differing only in which slot holds which object fingerprint alike.
 */
export function normalizeMrs(d: World): void {
  if (canonical(d)) return;
  const map = renumber;
  map.fill(-1);
  let next = 0;
  for (let i = 0; i < d.mrRef.length; i++) { const r = d.mrRef[i]!; if (r >= 0 && map[r] === -1) map[r] = next++; }
  for (let i = 0; i < d.vqRef.length; i++) { const r = d.vqRef[i]!; if (r >= 0 && map[r] === -1) map[r] = next++; }
  let identity = true;
  for (let s = 0; s < MR_SLOTS; s++) if (map[s] !== -1 && map[s] !== s) identity = false;
  if (identity) {
    for (let s = 0; s < MR_SLOTS; s++) {
      if (map[s] !== -1 || d.mrAsid[s] === -1) continue;
      d.mrAsid[s] = -1;
      for (let p = 0; p < NP; p++) d.mrPages[s * NP + p] = FAULT;
    }
    return;
  }
  // (a buffer a reducer resized is copied as before: the working copy refuses it after the step)
  const pages = d.mrPages.length === oldPages.length ? copyInto(oldPages, d.mrPages) : d.mrPages.slice();
  const asids = d.mrAsid.length === oldAsids.length ? copyInto(oldAsids, d.mrAsid) : d.mrAsid.slice();
  d.mrPages.fill(FAULT);
  d.mrAsid.fill(-1);
  for (let s = 0; s < MR_SLOTS; s++) {
    const t = map[s]!;
    if (t < 0) continue;
    d.mrAsid[t] = asids[s]!;
    for (let p = 0; p < NP; p++) d.mrPages[t * NP + p] = pages[s * NP + p]!;
  }
  for (let a = 0; a < NAS; a++) d.mrRef[a] = d.mrRef[a]! < 0 ? -1 : map[d.mrRef[a]!]!;
  for (let i = 0; i < 2; i++) d.vqRef[i] = d.vqRef[i]! < 0 ? -1 : map[d.vqRef[i]!]!;
}

/** normalizeMrs's scratch (it runs after every mlx5 op: no allocation per call); plain arrays, so values are copied as they are. */
const renumber: number[] = Array.from({ length: MR_SLOTS }, () => -1);
const oldPages: number[] = Array.from({ length: MR_SLOTS * NP }, () => 0);
const oldAsids: number[] = Array.from({ length: MR_SLOTS }, () => 0);
const copyInto = (to: number[], from: readonly number[]): number[] => {
  for (let i = 0; i < to.length; i++) to[i] = from[i]!;
  return to;
};

/** Fast path (the hot path calls normalizeMrs after every mlx5 op): already canonical, no allocation. */
function canonical(d: World): boolean {
  let next = 0;
  let used = 0;
  for (let i = 0; i < NAS + 2; i++) {
    const r = i < NAS ? d.mrRef[i]! : d.vqRef[i - NAS]!;
    if (r < 0 || (used & (1 << r)) !== 0) continue;
    if (r !== next) return false;
    used |= 1 << r;
    next++;
  }
  for (let s = next; s < MR_SLOTS; s++) if (d.mrAsid[s] !== -1) return false;
  return true;
}

/** The MR whose mkey the descriptor accesses use: desc_mr, or the data mkey when the VQ has none. */
export function descRef(w: World): number {
  return w.vqRef[1]! >= 0 ? w.vqRef[1]! : w.vqRef[0]!;
}

/** "mr#1 (asid 0's map)" for traces. */
export function mrName(w: World, ref: number): string {
  if (ref < 0) return 'no MR (mkey 0)';
  const a = w.mrAsid[ref]!;
  const dma = w.mrPages[ref * NP] === IDENTITY;
  return `mr#${ref} (${dma ? 'DMA MR 1:1' : `asid ${a}'s map`})`;
}
