// What QEMU maps, scaled to the model's 4 IOVA pages and 4 host pages: guest RAM as two regions, and
// the two CVQ shadow buffers of net/vhost-vdpa.c. semantics.md §5.1 and §5.3.
import type { Action } from '../../spec/vdpa/actions.js';
import { bit, type FeatureName } from '../../spec/vdpa/constants.js';
import { offeredFeatures } from '../../spec/vdpa/transitions.js';
import type { VdpaCtx } from '../context.js';

/** One RAM section as the memory listener sees it: IOVA pages [page, page+npages) backed by host pages host.. */
export interface Region {
  readonly page: number;
  readonly npages: number;
  readonly host: number;
}

/**
 * Guest RAM: region A = GPA [p0,p2) → h0,h1 (one contiguous pin run); region B = GPA [p2,p4) → h2,h3,
 * which a resize shrinks to [p2,p3) (K4's [4G,16G) → [4G,8G), scaled): p2 is mapped before and after.
 * With shadow virtqueues for data (x-svq / migration), IOVAs come from QEMU's IOVA tree instead of
 * IOVA = GPA; the model gives that layout as the two regions swapped in IOVA space (B at [p0,..), A at
 * [p2,p4)). The shadow vrings and the CVQ bounce pages that SVQ mode maps into ASID 0 are not given IOVA
 * pages (guest RAM fills the model's 4): what the checker needs is a full stop and start into another layout.
 */
export function ramLayout(resized: boolean, svq: boolean): readonly Region[] {
  const bPages = resized ? 1 : 2;
  return svq
    ? [{ page: 2, npages: 2, host: 0 }, { page: 0, npages: bPages, host: 2 }]
    : [{ page: 0, npages: 2, host: 0 }, { page: 2, npages: bPages, host: 2 }];
}

/**
 * The CVQ's command-out buffer (RO) and status buffer (RW), one page each, mapped into ASID 1 through the
 * IOVA tree (vhost_vdpa_net_cvq_map_buf). QEMU allocates them itself; the model's host pages all back
 * guest RAM, so the bounce pages are h2 and h3 mapped a second time (pins count per mapping).
 */
export const CVQ_ASID = 1;
export const CVQ_BUFFERS: readonly Region[] = [{ page: 0, npages: 1, host: 2 }, { page: 1, npages: 1, host: 3 }];

/** What QEMU acked and found at init; every later choice of the script is fixed by these. */
export interface QemuCaps {
  readonly offered: number;
  readonly acked: number;
  readonly batch: boolean;
  readonly suspend: boolean;
  /** qemu-persist with IOTLB_PERSIST acked: maps are kept across reset. */
  readonly persist: boolean;
  /** vhost_vdpa_probe_cvq_isolation: the CVQ has a group of its own and a second ASID exists. */
  readonly cvqIsolated: boolean;
}

const UPSTREAM_QEMU: readonly FeatureName[] = ['IOTLB_MSG_V2', 'IOTLB_BATCH', 'IOTLB_ASID', 'SUSPEND'];

// vhost_vdpa_set_backend_cap (Q-hw): GET_BACKEND_FEATURES, ack offered ∩ what QEMU knows; the
// persistent-IOTLB series (Si-Wei Liu, qemu-devel Dec 2023, patch 20/40) adds IOTLB_PERSIST.
export function qemuCaps(ctx: VdpaCtx, persistSeries: boolean): QemuCaps {
  const offered = offeredFeatures(ctx.kernel, ctx.ops);
  let want = 0;
  for (const f of UPSTREAM_QEMU) want |= bit(f);
  if (persistSeries) want |= bit('IOTLB_PERSIST');
  const acked = offered & want;
  const has = (f: FeatureName): boolean => (acked & bit(f)) !== 0;
  return {
    offered,
    acked,
    batch: has('IOTLB_BATCH'),
    suspend: has('SUSPEND'),
    persist: has('IOTLB_PERSIST'),
    cvqIsolated: has('IOTLB_ASID') && ctx.ops.ngroups >= 2 && ctx.ops.nas >= 2,
  };
}

export const update = (asid: number, r: Region): Action =>
  ({ t: 'iotlbUpdate', asid, page: r.page, npages: r.npages, host: r.host });
export const invalidate = (asid: number, r: Region): Action =>
  ({ t: 'iotlbInvalidate', asid, page: r.page, npages: r.npages });
