// The VFIO system's registry (systems/catalogue.ts), as vDPA's: kernels (descriptions from the kernel
// table), userspaces with their default bounds, invariants (from their modules), actions, defaults.
// VFIO has no parent.
import { INVARIANT_IDS, VFIO_KERNELS, type VfioUserspaceName } from '../../spec/config.js';
import { ACTION_KINDS, type VfioActionType } from '../../spec/vfio/actions.js';
import { VFIO_KERNEL_TABLE } from '../../spec/vfio/kernels.js';
import { VFIO_INVARIANTS } from '../../invariants/vfio/index.js';
import type { SystemRegistry, UserspaceEntry } from '../catalogue.js';

/**
 * Default bounds per userspace, the vDPA checks' limits (3M states, 60 s). `cpr` is a straight
 * program (exhausted at depth 6). `any` shows every violation it has within 2 steps; depth 7 is
 * 141,939 worlds on 6.12 (803k transitions; 107,880 before attach joined compatible domains), the
 * whole `check` 2.5-2.8 s wall here (2 runs, 2 cores shared, load average 3.9).
 */
const USERSPACES: Readonly<Record<VfioUserspaceName, Omit<UserspaceEntry, 'name'>>> = {
  cpr: { description: 'QEMU CPR: re-maps after kexec exactly what was persisted', bounds: { maxDepth: 16, maxStates: 3_000_000, timeLimit: 60 } },
  any: { description: 'every VFIO ioctl of the alphabet, in any order', bounds: { maxDepth: 7, maxStates: 3_000_000, timeLimit: 60 } },
};

const ACTIONS: Readonly<Record<VfioActionType, string>> = {
  mapDma: 'VFIO_IOMMU_MAP_DMA (flags READ|WRITE, VADDR for a new vaddr, LIVE_UPDATE to skip the IOMMU map)',
  unmapDma: 'VFIO_IOMMU_UNMAP_DMA (flags ALL, VADDR to invalidate the vaddr)',
  setContainer: 'VFIO_GROUP_SET_CONTAINER of a group (joins a compatible IOMMU domain, or a new or the persisted one)',
  exec: 'the VMM re-execs itself (QEMU cpr-exec: container fd kept, new mm)',
  kexec: 'live-update kexec (guest RAM and IOMMU page tables persisted)',
  userFree: 'userspace munmaps the page behind a vaddr',
};

export const VFIO_REGISTRY: SystemRegistry = {
  system: 'vfio',
  kernels: VFIO_KERNELS.map((name) => ({ name, description: VFIO_KERNEL_TABLE[name]!.description, parents: [] })),
  parents: [],
  userspaces: (Object.keys(USERSPACES) as VfioUserspaceName[]).map((name) => ({ name, ...USERSPACES[name] })),
  invariants: INVARIANT_IDS.flatMap((id) => VFIO_INVARIANTS.filter((i) => i.id === id).map(({ id, title, guards }) => ({ id, title, guards }))),
  actions: ACTION_KINDS.map((name) => ({ name, description: ACTIONS[name] })),
  defaults: { kernel: '6.12', parent: undefined, userspace: 'cpr' },
};
