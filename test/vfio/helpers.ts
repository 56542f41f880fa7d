// Shared by the VFIO tests: build a model for a kernel name and userspace, run actions, explore.
import { explore } from '../../explorer/bfs.js';
import type { ExploreResult } from '../../explorer/explore-api.js';
import type { InvariantId } from '../../spec/config.js';
import { VFIO_KERNEL_TABLE, type VfioKernel } from '../../spec/vfio/kernels.js';
import { buildVfioModel, type VfioModel, type VfioUserspace } from '../../systems/vfio/model.js';
import { guard, type Verdict } from '../../spec/vfio/transitions.js';
import type { VfioInvariant } from '../../invariants/vfio/invariant.js';
import type { Violation } from '../../explorer/model.js';
import type { VfioAction } from '../../spec/vfio/actions.js';
import { initialWorld, type VfioWorld } from '../../spec/vfio/world.js';
import { MAP_LIVE_UPDATE, MAP_RW, MAP_VADDR, UNMAP_ALL, UNMAP_VADDR } from '../../spec/vfio/constants.js';

/** A kernel of the table by name, or one of them with some behaviours changed (as a variant would). */
export type KernelChoice = string | VfioKernel;

export function kernelOf(kernel: KernelChoice): VfioKernel {
  if (typeof kernel !== 'string') return kernel;
  const k = VFIO_KERNEL_TABLE[kernel];
  if (k === undefined) throw new Error(`no kernel ${kernel}`);
  return k;
}

/** `base` with some behaviours changed; the name says which. */
export function kernelWith(base: string, changes: Partial<Omit<VfioKernel, 'name' | 'description'>>): VfioKernel {
  const k = kernelOf(base);
  return { ...k, ...changes, name: `${base}+${Object.values(changes).join('+')}` };
}

export function vfioModel(kernel: KernelChoice, userspace: VfioUserspace, invariants?: readonly InvariantId[]): VfioModel {
  return buildVfioModel(kernelOf(kernel), userspace, invariants);
}

export function check(kernel: KernelChoice, userspace: VfioUserspace, maxDepth: number, invariants?: readonly InvariantId[]): ExploreResult<VfioAction> {
  const m = vfioModel(kernel, userspace, invariants);
  return explore(m, { maxDepth, stopAtFirstViolation: false, ...(invariants ? { propertyIds: invariants } : {}) });
}

/** Applies actions from the initial world; throws with the verdict when one is not allowed. */
export function run(m: VfioModel, actions: readonly VfioAction[], from: VfioWorld = initialWorld()): VfioWorld {
  let w = from;
  for (const a of actions) {
    const v = guard(m.ctx, w, a);
    if (!v.ok) throw new Error(`${m.label(a)}: ${v.ret} ${v.reason}`);
    const next = m.next(w, a);
    if (next === undefined) throw new Error(`${m.label(a)}: next() returned undefined`);
    w = next;
  }
  return w;
}

export function verdictOf(m: VfioModel, w: VfioWorld, a: VfioAction): Verdict {
  return guard(m.ctx, w, a);
}

/** An invariant's check on one world, for the kernel of `m` (as the explorer runs it). */
export function checkWith(m: VfioModel, inv: VfioInvariant, w: VfioWorld): Violation | undefined {
  const p = inv.property(m.ctx);
  if (p.kind !== 'invariant') throw new Error(`${inv.id} is not a world invariant`);
  return p.check(w);
}

// Action builders, in pages.
export const map = (iova: number, size: number, vaddr: number, flags = MAP_RW): VfioAction => ({ t: 'mapDma', iova, size, vaddr, flags });
export const mapLU = (iova: number, size: number, vaddr: number): VfioAction => map(iova, size, vaddr, MAP_RW | MAP_LIVE_UPDATE);
export const mapVaddr = (iova: number, size: number, vaddr: number): VfioAction => map(iova, size, vaddr, MAP_VADDR);
export const unmap = (iova: number, size: number, flags = 0): VfioAction => ({ t: 'unmapDma', iova, size, flags });
export const unmapVaddr = (iova: number, size: number): VfioAction => unmap(iova, size, UNMAP_VADDR);
export const unmapAll = (flags = 0): VfioAction => unmap(0, 0, UNMAP_ALL | flags);
/** A group into a new domain (an IOMMU incompatible with the container's domain, or the first group). */
export const attach = (group: number, persisted = false): VfioAction => ({ t: 'setContainer', group, persisted, compatible: false });
/** A group whose IOMMU is compatible with the container's domain: vfio_iommu_type1_attach_group joins it. */
export const join = (group: number): VfioAction => ({ t: 'setContainer', group, persisted: false, compatible: true });
export const EXEC: VfioAction = { t: 'exec' };
export const KEXEC: VfioAction = { t: 'kexec' };
export const free = (vaddr: number): VfioAction => ({ t: 'userFree', vaddr });
