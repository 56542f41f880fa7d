// One-line descriptions of everything a user can name (design.md), for `vdpa-mc list` and --help.
// The names themselves come from spec/config.ts; a test checks that every name has a line here.
import type { InvariantId, ParentName, SystemName } from '../spec/config.js';

export const VDPA_KERNEL_LINES: Readonly<Record<string, string>> = {
  '6.1': 'Linux 6.1.y, before the decoupling series: parents\' .reset drops the on-chip maps (single-MR mlx5)',
  '6.6': 'Linux 6.6, before the series: mlx5/vdpa_sim .reset drops the maps behind vhost-vdpa\'s back',
  'rfc-v2':
    '6.6 + RFC v2 of the series (Sep 2023): .reset_map, IOTLB_PERSIST, with patch 4/4\'s merge error in SET_BACKEND_FEATURES',
  'rfc-v3': '6.6 + RFC v3: RFC v2 with the missing return of patch 4/4 restored',
  '6.7':
    'the decoupling series merged (d2cf1b6e3b85 … 86f6c224c979): .reset_map, .compat_reset, IOTLB_PERSIST; reset keeps maps',
  '6.12': 'Linux 6.12.y stable: 6.7\'s semantics with mlx5 resumable map changes and later fixes (e.g. cd025c1e876b)',
};

export const VFIO_KERNEL_LINES: Readonly<Record<string, string>> = {
  '6.12': 'VFIO type1 in Linux 6.12.y: MAP_DMA/UNMAP_DMA, VFIO_UPDATE_VADDR for QEMU CPR across exec',
  'lu-rfc': '6.12 + the live-update RFC (K5): VFIO_DMA_MAP_FLAG_LIVE_UPDATE skips the IOMMU map after kexec',
};

export const PARENT_LINES: Readonly<Record<ParentName, string>> = {
  mlx5: 'NVIDIA/Mellanox ConnectX: on-chip IOMMU through set_map (MR per ASID), .reset_map from 6.7',
  vdpa_sim: 'vdpa_sim with set_map (batch_mapping=1): on-chip IOMMU, passthrough initial map',
  vdpa_sim_dma: 'vdpa_sim with dma_map/dma_unmap (batch_mapping=0): maps applied one message at a time',
  vdpa_sim_va: 'vdpa_sim as loaded by default since 6.5 (use_va=1): set_map of user VAs, the device reaches them through the owner\'s mm',
  platform: 'no on-chip IOMMU (ifcvf, vp_vdpa and the like): vhost-vdpa drives the platform IOMMU domain',
  vduse: 'VDUSE (device in userspace): bounce/IOVA domain that persists across reset and close',
};

export const VDPA_USERSPACE_LINES: Readonly<Record<string, string>> = {
  qemu: 'upstream QEMU: never acks IOTLB_PERSIST; unmaps all after a reset, remaps at start',
  'qemu-persist': 'QEMU acking IOTLB_PERSIST when offered, keeping its maps across reset',
  any: 'every ioctl and IOTLB message of the alphabet, in any order',
};

export const VFIO_USERSPACE_LINES: Readonly<Record<string, string>> = {
  cpr: 'QEMU CPR: re-maps after kexec exactly what was persisted',
  any: 'every VFIO ioctl of the alphabet, in any order',
};

/** Which systems each invariant applies to (invariants/vdpa/ and invariants/vfio/). */
export const INVARIANT_SYSTEMS: Readonly<Record<InvariantId, readonly SystemName[]>> = {
  'user-kernel-agreement': ['vdpa'],
  'kernel-device-agreement': ['vdpa'],
  'identity-after-detach': ['vdpa'],
  'no-dma-window': ['vdpa', 'vfio'],
  'feature-negotiation': ['vdpa'],
  'dma-isolation': ['vdpa', 'vfio'],
  'pin-accounting': ['vdpa', 'vfio'],
  'asid-routing': ['vdpa'],
  'vfio-live-update': ['vfio'],
  'dma-isolation-strict': ['vdpa'],
  'errno-expectation': ['vdpa'],
};

export const INVARIANT_TITLES: Readonly<Record<InvariantId, string>> = {
  'user-kernel-agreement': 'userspace\'s view of each ASID\'s maps equals vhost-vdpa\'s IOTLB',
  'kernel-device-agreement': 'the device translates each ASID as vhost-vdpa\'s IOTLB says, whenever it can DMA',
  'identity-after-detach': 'once vhost-vdpa lets go, the device is back on its initial 1:1 map (for virtio-vdpa)',
  'no-dma-window':
    'during a map change, a page mapped before and after translates to its old or new page, never a fault or 1:1',
  'feature-negotiation': 'acked backend features are a subset of those offered (IOTLB_PERSIST, DESC_ASID rules)',
  'dma-isolation': 'while bound to vhost-vdpa, device DMA reaches only pinned pages the owner holds, never 1:1',
  'pin-accounting': 'pages pinned are exactly the targets of live maps, and are unpinned as they were pinned',
  'asid-routing': 'at DRIVER_OK the parent\'s group→ASID routing is what userspace set',
  'vfio-live-update': 'VFIO live update: each IOVA maps the page behind its new vaddr after kexec',
  'dma-isolation-strict': 'every IOVA a running device reaches is a fault or a page pinned for its owner, in every world, batches included',
  'errno-expectation': 'a message valid under the strict contract, well-formed as far as userspace knows, is answered 0',
};

/**
 * Descriptions of the models' action kinds. `list actions` takes the kinds from the model of the
 * default configuration (CheckTarget.model.actionKinds), and falls back to these names while a
 * model is not built in.
 */
export const VDPA_ACTION_LINES: Readonly<Record<string, string>> = {
  open: 'open /dev/vhost-vdpa-N (vhost_vdpa_open: resets the device)',
  close: 'close the fd (vhost_vdpa_release: reset, unmap all, .reset_map)',
  setOwner: 'VHOST_SET_OWNER',
  setBackendFeatures: 'VHOST_SET_BACKEND_FEATURES (IOTLB_BATCH, IOTLB_ASID, IOTLB_PERSIST ...)',
  setStatus: 'VHOST_VDPA_SET_STATUS (0 is a reset: vhost_vdpa_reset, .reset or .compat_reset)',
  suspend: 'VHOST_VDPA_SUSPEND',
  resume: 'VHOST_VDPA_RESUME',
  setGroupAsid: 'VHOST_VDPA_SET_GROUP_ASID',
  iotlbUpdate: 'VHOST_IOTLB_UPDATE: map an IOVA range in an ASID',
  iotlbInvalidate: 'VHOST_IOTLB_INVALIDATE: unmap every entry meeting an IOVA range',
  iotlbBatchBegin: 'VHOST_IOTLB_BATCH_BEGIN',
  iotlbBatchEnd: 'VHOST_IOTLB_BATCH_END (set_map of the whole IOTLB on set_map parents)',
  bindVirtio: 'unbind vhost-vdpa and bind virtio-vdpa (its probe resets the device)',
  bindVhost: 'unbind virtio-vdpa and bind vhost-vdpa again',
  userFree: 'userspace munmaps a host page',
  parentFault: 'environment: the parent\'s next map allocation (or, with after=1, the one after) fails with -ENOMEM (MR, iotlb node, IOMMU page table); VDUSE: the daemon\'s reply to VDUSE_SET_STATUS / VDUSE_UPDATE_IOTLB fails with -EIO',
};

export const VFIO_ACTION_LINES: Readonly<Record<string, string>> = {
  mapDma: 'VFIO_IOMMU_MAP_DMA (flags READ|WRITE, VADDR for a new vaddr, LIVE_UPDATE to skip the IOMMU map)',
  unmapDma: 'VFIO_IOMMU_UNMAP_DMA (flags ALL, VADDR to invalidate the vaddr)',
  setContainer: 'VFIO_GROUP_SET_CONTAINER of a group (joins a compatible IOMMU domain, or a new or the persisted one)',
  exec: 'the VMM re-execs itself (QEMU cpr-exec: container fd kept, new mm)',
  kexec: 'live-update kexec (guest RAM and IOMMU page tables persisted)',
  userFree: 'userspace munmaps the page behind a vaddr',
};

export function kernelLines(system: SystemName): Readonly<Record<string, string>> {
  return system === 'vdpa' ? VDPA_KERNEL_LINES : VFIO_KERNEL_LINES;
}

export function userspaceLines(system: SystemName): Readonly<Record<string, string>> {
  return system === 'vdpa' ? VDPA_USERSPACE_LINES : VFIO_USERSPACE_LINES;
}

export function actionLines(system: SystemName): Readonly<Record<string, string>> {
  return system === 'vdpa' ? VDPA_ACTION_LINES : VFIO_ACTION_LINES;
}
