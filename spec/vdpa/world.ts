// The world: every layer's state, separately, so that disagreements between layers are visible.
// Flat and small (numbers, short arrays, bit sets) for the explorer's hot path (stack-notes.md).
import { s, type Schema } from '../../explorer/schema.js';
import { MR_SLOTS, NAS, NG, NH, NP } from './constants.js';

export type Bound = 'vhost' | 'virtio';

export interface World {
  // ---- userspace: what it believes (changed only by calls that succeeded) ----
  /** uMap[a*NP+p]: host page userspace believes IOVA page p of ASID a maps to, or -1. */
  uMap: number[];
  /** The ASID userspace believes each group uses (0 after every reset it issues). */
  uGroupAsid: number[];
  /** A map change of userspace's is in progress (BATCH_BEGIN..END, or a QEMU memory transaction). */
  uTxn: boolean;
  /** uMap at the start of that change. */
  uTxnBefore: number[];
  /** Bit a*NP+p: during the change, a running device found page p of ASID a faulting or on the 1:1 map. */
  uWindow: number;
  /**
   * Bit a*NP+p: a mapping userspace held at a reset without IOTLB_PERSIST acked and has not yet
   * invalidated (model/contract.ts, clause remap-after-reset). Kept for `any` while its trace keeps the
   * strict contract; 0 otherwise.
   */
  uStale: number;
  /**
   * `any` under `--contract none` only: a step of the trace so far broke a clause of the strict
   * contract. It keeps the worlds a contract-keeping userspace reaches apart from the others, so that
   * `none` explores strict's worlds by strict's paths and finds every cause `strict` finds (a world
   * reached first by a clause-breaking path would otherwise be judged by that path's cause only).
   */
  uBroke: boolean;
  /**
   * Bit a: userspace has an address space a, to its knowledge: an UPDATE or BATCH_BEGIN it sent there
   * since open returned 0 (vhost_vdpa_find_alloc_as created it; the uapi never says it goes away).
   */
  uAs: number;
  /** Program counter of a scripted userspace (QEMU); 0 for `any`. */
  pc: number;

  // ---- vhost-vdpa (drivers/vhost/vdpa.c, struct vhost_vdpa) ----
  fdOpen: boolean;
  /** VHOST_SET_OWNER done by the (single) userspace process. */
  owner: boolean;
  /** Backend features acked (vq->acked_backend_features), by upstream bit number. */
  acked: number;
  /** Bit a: an address space object (vhost_vdpa_as) exists for ASID a. */
  asExists: number;
  /** vStart[a*NP+p]: first IOVA page of the iotlb entry covering p, or -1 (entries are intervals). */
  vStart: number[];
  /** vHost[a*NP+p]: host page the entry maps p to, or -1. */
  vHost: number[];
  inBatch: boolean;
  batchAsid: number;
  /** v->suspended (tracked since v6.8-era "vdpa: Track device suspended state"). */
  suspended: boolean;
  /** Platform IOMMU: vhost-vdpa's own unmanaged domain is attached to the DMA device. */
  domainAttached: boolean;

  // ---- host memory ----
  /** Pin count of each host page (pin_user_pages, FOLL_LONGTERM). */
  pinned: number[];
  /** Bit h: userspace has munmap()ed host page h (it goes to other owners once unpinned). */
  userFreed: number;
  /**
   * Bit h, for the last call only (cleared at every step): vhost_vdpa_pa_unmap unpinned h, so that it
   * went back to the allocator, while a running group of the device still translated an IOVA the driver
   * uses to h, before the parent's unmap (dma_unmap, iommu_unmap, or the set_map after the loop).
   */
  unpinWindow: number;

  // ---- vdpa bus, device and parent ----
  bound: Bound;
  /** virtio status as the parent holds it. */
  status: number;
  /** Parent-held group → ASID (reset to 0 by mlx5/vdpa_sim resets). */
  group2asid: number[];
  /** devMap[a*NP+p]: the parent's translation for ASID a (host page, FAULT or IDENTITY). */
  devMap: number[];
  /** mlx5: the software CVQ's iotlb (cvq.iotlb). */
  cvqMap: number[];
  /**
   * mlx5 memory keys as objects (model/parents/mlx5-mr.ts): mrPages[s*NP+p] is MR object s's translation of
   * IOVA page p; mrAsid[s] the ASID whose iotlb it was built from (-1: slot free). Slots are renumbered in
   * order of first reference after every mlx5 call, so that identity is only "which references share an object".
   */
  mrPages: number[];
  mrAsid: number[];
  /** mlx5: mres.mr[asid] (6.7+), or mvdev->mr in [0] (6.1/6.6: one data MR, [1] unused): an MR slot or -1. */
  mrRef: number[];
  /** mlx5: the MR each data VQ holds a reference to: [0] mvq->vq_mr, [1] mvq->desc_mr (-1: none; desc falls back to [0]). */
  vqRef: number[];
  /** mlx5: hardware VQ objects: 0 none, 1 INIT (pre-created), 2 RDY, 3 SUSPEND (MLX5_VIRTIO_NET_Q_OBJECT_STATE_*). */
  vqState: number;
  /** mlx5 (6.12): modified_fields bits not yet applied: 1 VIRTIO_Q_MKEY, 2 DESC_GROUP_MKEY, 4 vqs[0]'s ring fields (model/parents/mlx5-mr.ts). */
  mkeyPending: number;
  /** mlx5: cvq.ready (the driver's set_vq_ready before DRIVER_OK; cleared by suspend and reset). */
  cvqReady: boolean;
  /** mlx5 6.1/6.6: mvdev->mr.initialized (before 9ee811009ad8 shared with the CVQ iotlb). */
  mrInit: boolean;
  /** The device has been quiesced by SUSPEND (parent side). */
  devSuspended: boolean;
  /** Environment: the faultIn-th allocating map operation from now fails with -ENOMEM (0: none armed). */
  faultIn: number;
}

export const worldSchema: Schema<World> = s.struct<World>({
  uMap: s.array(s.int(-1, NH - 1), NAS * NP),
  uGroupAsid: s.array(s.int(0, NAS - 1), NG),
  uTxn: s.bool(),
  uTxnBefore: s.array(s.int(-1, NH - 1), NAS * NP),
  uWindow: s.int(0, (1 << (NAS * NP)) - 1),
  uStale: s.int(0, (1 << (NAS * NP)) - 1),
  uBroke: s.bool(),
  uAs: s.int(0, (1 << NAS) - 1),
  pc: s.int(0, 255),
  fdOpen: s.bool(),
  owner: s.bool(),
  acked: s.int(0, 0x1ff),
  asExists: s.int(0, (1 << NAS) - 1),
  vStart: s.array(s.int(-1, NP - 1), NAS * NP),
  vHost: s.array(s.int(-1, NH - 1), NAS * NP),
  inBatch: s.bool(),
  batchAsid: s.int(0, NAS - 1),
  suspended: s.bool(),
  domainAttached: s.bool(),
  pinned: s.array(s.int(0, 16), NH),
  userFreed: s.int(0, (1 << NH) - 1),
  unpinWindow: s.int(0, (1 << NH) - 1),
  bound: s.enum<'vhost' | 'virtio'>(['vhost', 'virtio']),
  status: s.int(0, 255),
  group2asid: s.array(s.int(0, 255), NG),
  devMap: s.array(s.int(-2, NH - 1), NAS * NP),
  cvqMap: s.array(s.int(-2, NH - 1), NP),
  mrPages: s.array(s.int(-2, NH - 1), MR_SLOTS * NP),
  mrAsid: s.array(s.int(-1, NAS - 1), MR_SLOTS),
  mrRef: s.array(s.int(-1, MR_SLOTS - 1), NAS),
  vqRef: s.array(s.int(-1, MR_SLOTS - 1), 2),
  vqState: s.int(0, 3),
  mkeyPending: s.int(0, 7),
  cvqReady: s.bool(),
  mrInit: s.bool(),
  devSuspended: s.bool(),
  faultIn: s.int(0, 2),
});

const filled = (n: number, v: number): number[] => new Array<number>(n).fill(v);

/** A world before anything happened: vhost-vdpa bound, fd closed; the parent's initial map is given. */
export function blankWorld(initialDevMap: number[], initialCvq: number[]): World {
  return {
    uMap: filled(NAS * NP, -1),
    uGroupAsid: filled(NG, 0),
    uTxn: false,
    uTxnBefore: filled(NAS * NP, -1),
    uWindow: 0,
    uStale: 0,
    uBroke: false,
    uAs: 0,
    pc: 0,
    fdOpen: false,
    owner: false,
    acked: 0,
    asExists: 0,
    vStart: filled(NAS * NP, -1),
    vHost: filled(NAS * NP, -1),
    inBatch: false,
    batchAsid: 0,
    suspended: false,
    domainAttached: false,
    pinned: filled(NH, 0),
    userFreed: 0,
    unpinWindow: 0,
    bound: 'vhost',
    status: 0,
    group2asid: filled(NG, 0),
    devMap: initialDevMap,
    cvqMap: initialCvq,
    mrPages: filled(MR_SLOTS * NP, -1),
    mrAsid: filled(MR_SLOTS, -1),
    mrRef: filled(NAS, -1),
    vqRef: [-1, -1],
    vqState: 0,
    mkeyPending: 0,
    cvqReady: false,
    mrInit: false,
    devSuspended: false,
    faultIn: 0,
  };
}
