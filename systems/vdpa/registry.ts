// The vDPA system's registry (systems/catalogue.ts): the one place its kernels, parents, userspaces,
// invariants, actions, defaults and bounds are written or gathered. Kernel descriptions are the kernel
// table's, invariant titles the invariant modules'; parents and userspaces are described here and
// built by name in parents.ts and target.ts (both keyed by the same names, so a new one is a type error
// until it is in all three).
import { INVARIANT_IDS, type ParentName, VDPA_KERNELS, VDPA_PARENTS, type VdpaUserspaceName } from '../../spec/config.js';
import { ACTION_KINDS, type ActionType } from '../../spec/vdpa/actions.js';
import { VDPA_KERNEL_TABLE, type VdpaKernel } from '../../spec/vdpa/kernels.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import type { SystemRegistry, UserspaceEntry } from '../catalogue.js';

export const VDPA_PARENT_LINES: Readonly<Record<ParentName, string>> = {
  mlx5: 'NVIDIA/Mellanox ConnectX: on-chip IOMMU through set_map (MR per ASID), .reset_map from 6.7',
  vdpa_sim: 'vdpa_sim with set_map (batch_mapping=1): on-chip IOMMU, passthrough initial map',
  vdpa_sim_dma: 'vdpa_sim with dma_map/dma_unmap (batch_mapping=0): maps applied one message at a time',
  vdpa_sim_va: 'vdpa_sim as loaded by default since 6.5 (use_va=1): set_map of user VAs, the device reaches them through the owner\'s mm; not on 6.1',
  platform: 'no on-chip IOMMU (ifcvf, vp_vdpa and the like): vhost-vdpa drives the platform IOMMU domain',
  vduse: 'VDUSE (device in userspace): bounce/IOVA domain that persists across reset and close',
};

/**
 * Default bounds. `any`: depth 8, deep enough for the known behaviours (K2 needs 5 steps, K4's window
 * BATCH_BEGIN, INVALIDATE, UPDATE, BATCH_END after the device runs needs 8); 6.12 mlx5, the largest,
 * is ~100k worlds in ~8 s here (BENCHMARKS.md). QEMU: its scripts (model/qemu/script.ts) reach every
 * world they can within 47 steps (boot 13, resize 4, two full stop/starts, quit 10, bind 1), so the
 * search ends exhausted well before 120, in ~100 worlds.
 */
const QEMU_BOUNDS = { maxDepth: 120, maxStates: 3_000_000, timeLimit: 60 };
const ANY_BOUNDS = { maxDepth: 8, maxStates: 3_000_000, timeLimit: 60 };

const USERSPACES: Readonly<Record<VdpaUserspaceName, Omit<UserspaceEntry, 'name'>>> = {
  qemu: { description: 'upstream QEMU: never acks IOTLB_PERSIST; unmaps all after a reset, remaps at start', bounds: QEMU_BOUNDS },
  'qemu-persist': { description: 'QEMU acking IOTLB_PERSIST when offered, keeping its maps across reset', bounds: QEMU_BOUNDS },
  any: { description: 'every ioctl and IOTLB message of the alphabet, in any order', bounds: ANY_BOUNDS },
};

const ACTIONS: Readonly<Record<ActionType, string>> = {
  open: 'open /dev/vhost-vdpa-N (vhost_vdpa_open: resets the device)',
  close: 'close the fd (vhost_vdpa_release: reset, unmap all, .reset_map)',
  setOwner: 'VHOST_SET_OWNER',
  setBackendFeatures: 'VHOST_SET_BACKEND_FEATURES (IOTLB_BATCH, IOTLB_ASID, IOTLB_PERSIST ...)',
  setStatus: 'VHOST_VDPA_SET_STATUS (0 is a reset: vhost_vdpa_reset, .reset or .compat_reset)',
  suspend: 'VHOST_VDPA_SUSPEND',
  resume: 'VHOST_VDPA_RESUME',
  setGroupAsid: 'VHOST_VDPA_SET_GROUP_ASID',
  setVringAddr: 'VHOST_SET_VRING_ADDR (refused at DRIVER_OK unless suspended since 6.8; mlx5 6.12: marks the VQ\'s ring fields)',
  setVringBase: 'VHOST_SET_VRING_BASE (as SET_VRING_ADDR; mlx5 refuses it for a running queue)',
  setVringEnable: 'VHOST_VDPA_SET_VRING_ENABLE (mlx5: the CVQ made ready again, e.g. after SUSPEND)',
  iotlbUpdate: 'VHOST_IOTLB_UPDATE: map an IOVA range in an ASID',
  iotlbInvalidate: 'VHOST_IOTLB_INVALIDATE: unmap every entry meeting an IOVA range',
  iotlbBatchBegin: 'VHOST_IOTLB_BATCH_BEGIN',
  iotlbBatchEnd: 'VHOST_IOTLB_BATCH_END (set_map of the whole IOTLB on set_map parents)',
  bindVirtio: 'unbind vhost-vdpa and bind virtio-vdpa (its probe resets the device)',
  bindVhost: 'unbind virtio-vdpa and bind vhost-vdpa again',
  userFree: 'userspace munmaps a host page',
  parentFault: 'environment: the parent\'s next map allocation (or, with after=1, the one after) fails with -ENOMEM (MR, iotlb node, IOMMU page table); VDUSE: the daemon\'s reply to VDUSE_SET_STATUS / VDUSE_UPDATE_IOTLB fails with -EIO',
};

/** The parents kernel `k` has: vdpa_sim_va only where vdpa_sim has use_va (v6.5 on; spec/vdpa/kernels.ts vdpaSimUseVa). */
export const parentsOf = (k: VdpaKernel): ParentName[] => VDPA_PARENTS.filter((p) => p !== 'vdpa_sim_va' || k.vdpaSimUseVa);

const entries = <K extends string>(r: Readonly<Record<K, string>>): { name: K; description: string }[] =>
  (Object.keys(r) as K[]).map((name) => ({ name, description: r[name] }));

export const VDPA_REGISTRY: SystemRegistry = {
  system: 'vdpa',
  kernels: VDPA_KERNELS.map((name) => ({ name, description: VDPA_KERNEL_TABLE[name]!.description, parents: parentsOf(VDPA_KERNEL_TABLE[name]!) })),
  parents: entries(VDPA_PARENT_LINES),
  userspaces: (Object.keys(USERSPACES) as VdpaUserspaceName[]).map((name) => ({ name, ...USERSPACES[name] })),
  invariants: INVARIANT_IDS.flatMap((id) => VDPA_INVARIANTS.filter((i) => i.id === id).map(({ id, title, guards }) => ({ id, title, guards }))),
  actions: ACTION_KINDS.map((name) => ({ name, description: ACTIONS[name] })),
  defaults: { kernel: '6.12', parent: 'mlx5', userspace: 'qemu' },
};
