// The world: every layer's state, separately, so that disagreements between layers are visible.
// Flat and small (numbers, short arrays, bit sets) for the explorer's hot path (stack-notes.md).
import { s, type Schema } from '../../explorer/schema.js';
import { NAS, NG, NH, NP } from './constants.js';

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
   * invalidated (model/contract.ts, clause remap-after-reset). Kept only under a contract; 0 otherwise.
   */
  uStale: number;
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
  /** mlx5: ASID whose MR the hardware data VQs ([0]) and their descriptors ([1]) use; -1: no VQs. */
  vqAsid: number[];
  /** The device has been quiesced by SUSPEND (parent side). */
  devSuspended: boolean;
  /** Environment: the parent's next allocating map operation fails with -ENOMEM (one shot). */
  faultArmed: boolean;
}

export const worldSchema: Schema<World> = s.struct<World>({
  uMap: s.array(s.int(-1, NH - 1), NAS * NP),
  uGroupAsid: s.array(s.int(0, NAS - 1), NG),
  uTxn: s.bool(),
  uTxnBefore: s.array(s.int(-1, NH - 1), NAS * NP),
  uWindow: s.int(0, (1 << (NAS * NP)) - 1),
  uStale: s.int(0, (1 << (NAS * NP)) - 1),
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
  bound: s.enum<'vhost' | 'virtio'>(['vhost', 'virtio']),
  status: s.int(0, 255),
  group2asid: s.array(s.int(0, 255), NG),
  devMap: s.array(s.int(-2, NH - 1), NAS * NP),
  cvqMap: s.array(s.int(-2, NH - 1), NP),
  vqAsid: s.array(s.int(-1, NAS - 1), 2),
  devSuspended: s.bool(),
  faultArmed: s.bool(),
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
    bound: 'vhost',
    status: 0,
    group2asid: filled(NG, 0),
    devMap: initialDevMap,
    cvqMap: initialCvq,
    vqAsid: [-1, -1],
    devSuspended: false,
    faultArmed: false,
  };
}
