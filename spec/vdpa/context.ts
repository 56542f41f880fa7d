// What every reducer of the vDPA model is parameterised by: the kernel's behaviour table and the
// parent's ops table (chosen by the configuration), never global state.
import type { VdpaConfigOps } from './config-ops.js';
import type { VdpaKernel } from './kernels.js';

export interface VdpaCtx {
  readonly kernel: VdpaKernel;
  readonly ops: VdpaConfigOps;
  /** Sizes the kernel fixes and the model scales down (defaults: MODEL_LIMITS). */
  readonly limits?: ModelLimits;
}

/**
 * Kernel sizes scaled to the model's 4 IOVA pages. Both are parameters, not constants, because a
 * verdict can depend on them: the iotlb limit is a failure source of UPDATE (-ENOSPC), and the pin
 * batch decides which error branch of vhost_vdpa_pa_map a failure takes.
 */
export interface ModelLimits {
  /**
   * vhost-vdpa's max_iotlb_entries (drivers/vhost/vdpa.c: module parameter, default 2048; each AS's
   * iotlb is vhost_iotlb_init(&as->iotlb, max_iotlb_entries, 0)). vhost_iotlb_add_range_ctx returns
   * -ENOSPC at the limit. Scaled to 3: QEMU's RAM layout needs 3 entries in ASID 0 (model/qemu/layout.ts),
   * as a hugepage-backed guest fits in 2048; 2 makes `any`'s [0x0,0x2000) + [0x2000,0x4000) hit it.
   */
  readonly iotlbLimit: number;
  /**
   * Pages per pin_user_pages call in vhost_vdpa_pa_map: page_list is one page of pointers,
   * PAGE_SIZE / sizeof(struct page *) = 512. Scaled to 1 so that the alphabet's two-page updates
   * cross a batch boundary, as a 2 MiB+ update does in the kernel.
   */
  readonly pinBatch: number;
}

export const MODEL_LIMITS: ModelLimits = { iotlbLimit: 3, pinBatch: 1 };

export const limitsOf = (ctx: VdpaCtx): ModelLimits => ctx.limits ?? MODEL_LIMITS;
