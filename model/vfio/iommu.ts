// iommu_map of one page into a domain whose page table may already have a present PTE there: only
// persisted page tables (pkernfs) give VFIO such a PTE, and the IOMMU drivers disagree on it. The
// kernel table's `mapOverPresentPte` chooses (spec/vfio/kernels.ts); all three are Linux 6.12:
// - 'keep-old' (intel-iommu): drivers/iommu/intel/iommu.c __domain_mapping:1872-1885, the
//   try_cmpxchg64_local(&pte->val, &tmp, pteval) fails, "ERROR: DMA PTE for vPFN ... already set",
//   WARN_ON(1), and the loop goes on: the old PTE stays, iommu_map returns 0.
// - 'overwrite' (AMD IOMMU v1, the default page table): drivers/iommu/amd/io_pgtable.c
//   iommu_v1_map_pages:376-394, free_clear_pte() cmpxchgs the old PTE to 0, then pte[i] = __pte.
//   Between the two a device access faults (the clear window, recorded below). For a 4K leaf over a
//   leaf nothing is freed, so `updated` stays false and no IOTLB flush follows
//   (amd_iommu_iotlb_sync_map:2760 flushes only with non-present caching): a cached translation to
//   the old page may outlive the overwrite. The model has no IOTLB, so it does not show that stale
//   window; it can only hide a violation there, never invent one.
// - 'eexist' (ARM SMMU, io-pgtable-arm): drivers/iommu/io-pgtable-arm.c arm_lpae_init_pte:333-335
//   ("We require an unmap first", WARN_ON, -EEXIST); iommu_map unwinds what it mapped
//   (drivers/iommu/iommu.c:2503), vfio_iommu_map the other domains (vfio_iommu_type1.c:1438-1442),
//   so the call fails with the world as before: the guard refuses it (spec/vfio/transitions.ts).
import { call } from '../call-log.js';
import type { VfioCtx } from '../../spec/vfio/context.js';
import { LANE_IOMMU, LANE_VFIO } from './lanes.js';
import { iovaHex, pfnName } from '../../spec/vfio/constants.js';
import { isDeviceDomain, type DomainId, type VfioWorld } from '../../spec/vfio/world.js';

const V = LANE_VFIO;
const I = LANE_IOMMU;

// iommu_map → the vendor's map_pages (drivers/iommu/iommu.c, v6.12) for one IOVA page; `how` names
// the caller in the trace ('iommu_map' or 'replay: iommu_map')
export function iommu_map(ctx: VfioCtx, d: VfioWorld, dom: DomainId, p: number, h: number, how: string): void {
  const pt = dom === 'A' ? d.ptA : d.ptB;
  const old = pt[p]!;
  if (old < 0) {
    pt[p] = h;
    call(V, I, () => `${how} domain ${dom} ${iovaHex(p)} → ${pfnName(h)}`);
    return;
  }
  switch (ctx.kernel.mapOverPresentPte) {
    case 'keep-old':
      call(V, I, () => `${how} domain ${dom} ${iovaHex(p)} → ${pfnName(h)}: __domain_mapping: DMA PTE already set (→ ${pfnName(old)}), WARN_ON, kept; returns 0`);
      return;
    case 'overwrite':
      pt[p] = h;
      call(V, I, () => `${how} domain ${dom} ${iovaHex(p)} → ${pfnName(h)}: iommu_v1_map_pages: free_clear_pte (was → ${pfnName(old)}), then the new PTE`);
      // free_clear_pte's window: the running device's walk may find no PTE there
      if (d.devRunning && isDeviceDomain(d, dom) && d.inUpdate && d.keep[p]) d.faulted[p] = true;
      return;
    case 'eexist':
      // unreachable: the guard refuses the call (arm_lpae_init_pte: -EEXIST, all unwound)
      throw new Error(`iommu_map over a present PTE at ${iovaHex(p)} with -EEXIST semantics reached a reducer`);
  }
}
