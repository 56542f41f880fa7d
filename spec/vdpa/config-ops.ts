// A parent driver as `struct vdpa_config_ops` (include/linux/vdpa.h): a table of optional ops.
// vhost-vdpa and the bus call an op only if the table has it, as the kernel does. The header's
// interface is vocabulary (the guards read it too); model/parents/ implements it.
import type { World } from './world.js';

export interface VdpaConfigOps {
  readonly name: string;
  /** vdpa_device fields. */
  readonly ngroups: number;
  readonly nas: number;
  /**
   * Virtqueues vhost-vdpa exposes (v->nvqs = vdpa->nvqs): vhost_vdpa_vring_ioctl refuses an index at or
   * above it with -ENOBUFS before any other check. Absent: DEFAULT_NVQS.
   */
  readonly nvqs?: number;
  /** VA mode (VDUSE): iotlb entries hold user VAs; no pinning. */
  readonly useVa: boolean;
  /** The parent's translation at device creation (vdpa_dev_add), per ASID page, and its CVQ iotlb. */
  initialDevMap(): number[];
  initialCvq(): number[];
  /** Device state the parent's probe sets up beyond those tables (mlx5: its DMA MR object, pre-created VQs). */
  readonly initDevice?: (w: World) => void;

  // ---- optional ops, as in struct vdpa_config_ops ----
  /** Return 0 or a negative errno name (an allocation may fail: see takeFault). */
  readonly set_map?: (d: World, asid: number) => string | 0;
  readonly dma_map?: (d: World, asid: number, page: number, hosts: readonly number[]) => string | 0;
  readonly dma_unmap?: (d: World, asid: number, page: number, npages: number) => void;
  /** Returns nothing or 0 on success, or a negative errno name (VDUSE: the daemon's reply to status 0). */
  readonly reset: (d: World) => string | 0 | void;
  readonly compat_reset?: (d: World, flags: number) => string | 0 | void;
  readonly reset_map?: (d: World, asid: number) => void;
  /** Returns 0 or a negative errno name. */
  readonly set_group_asid?: (d: World, group: number, asid: number) => string | 0;
  readonly suspend?: (d: World) => void;
  /**
   * set_vq_address / set_vq_state / set_vq_ready, for virtqueue `vq`: every parent has them, but the model
   * keeps no ring address, index or per-queue readiness, so only a parent whose op changes state the model
   * does keep has them here (mlx5: the modified_fields needs_vqs_reset reads, the CVQ's cvq.ready). Absent:
   * the op returns 0 and changes nothing a DMA invariant reads. Return 0 or a negative errno name.
   */
  readonly set_vq_address?: (d: World, vq: number) => string | 0;
  readonly set_vq_state?: (d: World, vq: number) => string | 0;
  readonly set_vq_ready?: (d: World, vq: number, ready: boolean) => void;
  readonly resume?: (d: World) => void;
  /** Backend features the parent reports (upstream bit mask). */
  readonly get_backend_features?: () => number;
  /** Presence only: the parent reports a descriptor group per virtqueue. */
  readonly get_vq_desc_group?: true;
  readonly set_status: (d: World, status: number) => void;

  // ---- the device itself (not ops): what DMA by a group reaches ----
  /** Whether the device processes group g's queues now (DRIVER_OK, not suspended, queues exist). */
  canDma(w: World, group: number): boolean;
  /** The translation group g's DMA to IOVA page p goes through: host page, FAULT or IDENTITY. */
  translate(w: World, group: number, page: number): number;
  /** The parent's translation of ASID a at page p. */
  asidMap(w: World, asid: number, page: number): number;
  /** The translation group g would use if its queues ran now (identity checks, with no VQs). */
  groupMap(w: World, group: number, page: number): number;
  /**
   * The ASID whose map the hardware queues of group g were programmed with, where that is not simply the
   * group's ASID (mlx5: the ASID the referenced MR was built from; -1: no MR). Absent: the group's ASID.
   */
  readonly hwQueueAsid?: (w: World, group: number) => number;
  /** What virtio-vdpa's DMA addresses must translate to: the 1:1 map, or nothing left (FAULT). */
  readonly detachedTarget: number;
  /**
   * References the parent itself holds on host page h (VDUSE: its domain's user entries, each with its
   * own get_file on the VMA's file, vduse_iotlb_add_range): they keep the page alive after vhost-vdpa's
   * own references are gone. Counted in `pinned` like vhost-vdpa's.
   */
  readonly parentRefs?: (w: World, h: number) => number;
  /** VA mode through the owner's mm (vdpa_sim use_va): the device reaches user VAs, no page is pinned for it. */
  readonly throughMm?: true;

  // ---- how a trace shows the parent (systems/vdpa/view.ts): each parent owns its rows ----
  /** A trace shows each ASID's translation as `asidMap` computes it (the parent's own objects), not the device table. */
  readonly viewFromAsidMap?: true;
  /** Rows of the parent's own state after the common ones (mlx5: CVQ iotlb, MRs, data VQs). */
  readonly viewRows?: (w: World) => readonly { readonly name: string; readonly value: string }[];
}

/** One queue pair and the CVQ: a virtio-net device as the model's parents are (mlx5 with max_vqs 2, ifcvf). */
export const DEFAULT_NVQS = 3;

/** VDPA_RESET_F_CLEAN_MAP (include/linux/vdpa.h, a26f2e4e68ee). */
export const VDPA_RESET_F_CLEAN_MAP = 1;
