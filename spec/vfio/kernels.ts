// The VFIO kernels as a table of behaviours, in one place. A variant is data: which flags the
// MAP_DMA mask accepts and whether the pkernfs persistence exists.
import { MAP_LIVE_UPDATE, MAP_READ, MAP_VADDR, MAP_WRITE } from './constants.js';

export interface VfioKernel {
  readonly name: string;
  /** One line for `list kernels` and reports. */
  readonly description: string;
  /** vfio_iommu_type1_map_dma(): flags outside this mask → -EINVAL. */
  readonly mapFlagMask: number;
  /** The pkernfs series: kexec keeps guest RAM and the IOMMU page tables, the device keeps running,
   *  and the new container can adopt the persisted tables (VFIO_CONTAINER_SET_PERSISTENT_PGTABLES). */
  readonly persistentTables: boolean;
  /**
   * What iommu_map does over a present PTE, which only a persisted page table gives VFIO (see
   * model/vfio/iommu.ts for the drivers' lines): 'keep-old' (intel-iommu __domain_mapping: WARN, the
   * old PTE stays, success), 'overwrite' (AMD iommu_v1_map_pages: cleared, then replaced), 'eexist'
   * (ARM io-pgtable arm_lpae_init_pte: -EEXIST, the MAP_DMA fails and is unwound).
   */
  readonly mapOverPresentPte: MapOverPresentPte;
  /**
   * Before 046eca5018f8 "vfio/type1: prevent underflow of locked_vm via exec()" and 90fdd158a695
   * "vfio/type1: restore locked_vm" (v6.3-rc1; backported to 6.1.y): vfio_lock_acct charges
   * dma->task's mm, whatever it is now. exec keeps the task and gives it a new mm with locked_vm 0;
   * nothing moves the charge (no vfio_change_dma_owner), and the next unpin takes pages off the new
   * mm's locked_vm (__account_locked_vm: WARN_ON_ONCE, then the unsigned count underflows).
   */
  readonly lockedVmFollowsTask: boolean;
  /**
   * Before ef3a3f6a294b "vfio/type1: exclude mdevs from VFIO_UPDATE_VADDR" and da4f1c2e1c9c
   * (revert "block on invalid vaddr"), v6.3-rc1: no -EBUSY for an attach while a vaddr is invalid;
   * vfio_iommu_replay starts with vfio_wait_all_valid and sleeps until every vaddr is valid again
   * (a MAP_DMA|VADDR from another thread), or the container closes. A group joining a compatible
   * domain replays nothing and does not wait.
   */
  readonly attachBlocksOnInvalidVaddr: boolean;
}

export type MapOverPresentPte = 'keep-old' | 'overwrite' | 'eexist';
export const MAP_OVER_PRESENT_PTE: readonly MapOverPresentPte[] = ['keep-old', 'overwrite', 'eexist'];

const STOCK_MASK = MAP_READ | MAP_WRITE | MAP_VADDR;

export const VFIO_KERNEL_TABLE: Readonly<Record<string, VfioKernel>> = {
  '6.12': {
    name: '6.12',
    description: 'stock type1 (v6.12): VFIO_UPDATE_VADDR for QEMU cpr-exec; no persistence across kexec',
    mapFlagMask: STOCK_MASK,
    persistentTables: false,
    // unobservable without persisted tables: type1 never maps over a present PTE of its own domains
    mapOverPresentPte: 'keep-old',
    lockedVmFollowsTask: false,
    attachBlocksOnInvalidVaddr: false,
  },
  'lu-rfc': {
    name: 'lu-rfc',
    description: 'pkernfs RFC (Feb 2024) with seed 004: VFIO_DMA_MAP_FLAG_LIVE_UPDATE skips iommu_map()',
    mapFlagMask: STOCK_MASK | MAP_LIVE_UPDATE,
    persistentTables: true,
    // The pkernfs RFC persists VT-d page tables only: "intel-iommu: Use pkernfs for root/context
    // pgtable pages" (09/18), "iommu/intel: zap context table entries on kexec" (10/18),
    // "intel-iommu: Allocate domain pgtable pages from pkernfs" (14/18).
    mapOverPresentPte: 'keep-old',
    lockedVmFollowsTask: false,
    attachBlocksOnInvalidVaddr: false,
  },
  /** Not a shipped name: the pkernfs series without patch 16 (seed 004). Used to show the race
   *  the flag avoids: after kexec the VMM can only re-map through a fresh domain. */
  'lu-rfc-noflag': {
    name: 'lu-rfc-noflag',
    description: 'pkernfs RFC without seed 004: persisted tables, but MAP_DMA always calls iommu_map()',
    mapFlagMask: STOCK_MASK,
    persistentTables: true,
    mapOverPresentPte: 'keep-old',
    lockedVmFollowsTask: false,
    attachBlocksOnInvalidVaddr: false,
  },
};

export function vfioKernel(name: string): VfioKernel | undefined {
  return Object.prototype.hasOwnProperty.call(VFIO_KERNEL_TABLE, name) ? VFIO_KERNEL_TABLE[name] : undefined;
}
