// Model ↔ kernel, in one place (lab/MAPPING.md says the same in prose): which agent command a
// model action is, which module parameters a model parent is, and how a kernel answer reads.
import { constants } from 'node:os';
import type { Action } from '../spec/vdpa/actions.js';
import { F, FEATURE_NAMES, PAGE, bit } from '../spec/vdpa/constants.js';
import type { VdpaKernel } from '../spec/vdpa/kernels.js';
import type { LabKernel } from './guest.js';

/**
 * The parents the lab can load: vdpa_sim with its module parameters (vdpa_sim.c: batch_mapping, use_va),
 * or a VDUSE device whose daemon is the agent (lab/agent.c).
 */
export const LAB_PARENTS = ['vdpa_sim', 'vdpa_sim_dma', 'vdpa_sim_va', 'vduse'] as const;
export type LabParent = (typeof LAB_PARENTS)[number];

export interface ParentSetup {
  readonly batchMapping: 0 | 1;
  /** use_va: 6.12's vdpa_sim has it (default on); the model's vdpa_sim and vdpa_sim_dma are PA mode; VDUSE is VA mode. */
  readonly useVa: 0 | 1;
  /** The agent's device kind: 0 vdpa_sim_net, 1 VDUSE. */
  readonly kind: 0 | 1;
}

export function parentSetup(p: LabParent): ParentSetup {
  switch (p) {
    case 'vdpa_sim': return { batchMapping: 1, useVa: 0, kind: 0 };
    case 'vdpa_sim_dma': return { batchMapping: 0, useVa: 0, kind: 0 };
    case 'vdpa_sim_va': return { batchMapping: 1, useVa: 1, kind: 0 };
    case 'vduse': return { batchMapping: 1, useVa: 1, kind: 1 };
  }
}

export const isLabKernel = (k: string): k is LabKernel => k === '6.12' || k === '6.1';
export const isLabParent = (p: string): p is LabParent => (LAB_PARENTS as readonly string[]).includes(p);

/**
 * The model's limits as the lab's kernels have them: vhost-vdpa's max_iotlb_entries is loaded as 3 on
 * 6.12 (module parameter, the model's scaled default); 6.1's vhost_vdpa_alloc_as has no limit
 * (vhost_iotlb_init(&as->iotlb, 0, 0)). pin_user_pages batches are the kernel's 512 pages.
 */
export function labLimits(k: LabKernel): { iotlbLimit: number; pinBatch: number } {
  return { iotlbLimit: k === '6.12' ? 3 : 1 << 20, pinBatch: 512 };
}

/** The kernel's value of a backend feature mask (the model keeps upstream bit numbers; a kernel may renumber). */
export function kernelFeatures(mask: number, k: VdpaKernel): bigint {
  let v = 0n;
  for (const f of FEATURE_NAMES) if ((mask & bit(f)) !== 0) v |= 1n << BigInt(k.featureBits[f] ?? F[f]);
  return v;
}

/** VHOST_IOTLB_* message types (include/uapi/linux/vhost_types.h). */
const IOTLB = { update: 2, invalidate: 3, batchBegin: 5, batchEnd: 6 } as const;

/**
 * The agent's command line for an action, or why the lab cannot perform it. IOVA page p is IOVA
 * p*0x1000; host page h is the agent's h-th page (uaddr = base + h*0x1000).
 */
export function agentCommand(a: Action, k: VdpaKernel): string | { readonly unsupported: string } {
  switch (a.t) {
    case 'open': return 'o';
    case 'close': return 'c';
    case 'setOwner': return 'w';
    case 'setBackendFeatures': return `b ${kernelFeatures(a.features, k)}`;
    case 'setStatus': return `s ${a.status}`;
    case 'suspend': return 'u';
    case 'resume': return 'r';
    case 'setGroupAsid': return `g ${a.group} ${a.asid}`;
    // the model keeps no ring address or index: the agent passes the probe's own ring layout (queues 0,
    // 1; R + 0xc00 for the others) and base 0 (lab/agent.c `A`, `B`)
    case 'setVringAddr': return `A ${a.vq}`;
    case 'setVringBase': return `B ${a.vq}`;
    case 'setVringEnable': return `e ${a.vq} ${a.ready}`;
    case 'iotlbUpdate': return `m ${IOTLB.update} ${a.asid} ${a.page * PAGE} ${a.npages * PAGE} ${a.host}`;
    case 'iotlbInvalidate': return `m ${IOTLB.invalidate} ${a.asid} ${a.page * PAGE} ${a.npages * PAGE} 0`;
    case 'iotlbBatchBegin': return `m ${IOTLB.batchBegin} ${a.asid} 0 0 0`;
    case 'iotlbBatchEnd': return `m ${IOTLB.batchEnd} ${a.asid} 0 0 0`;
    case 'userFree': return `f ${a.host}`;
    case 'bindVirtio': case 'bindVhost': return { unsupported: 'driver rebinding (virtio_vdpa) is not in the lab yet' };
    case 'parentFault': return { unsupported: 'fault injection in the parent has no kernel counterpart in the lab' };
  }
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** A kernel return as the model writes it: "0" or "-EFAULT". */
export function errnoName(r: number): string {
  if (r >= 0) return String(r);
  return `-${ERRNO_NAMES.get(-r) ?? `E${-r}`}`;
}

export interface StepReply {
  readonly ret: string;
  readonly pinsAcquired: number;
  readonly pinsReleased: number;
}

/** "R <ret> <acquired> <released>" → the reply. */
export function parseStepReply(line: string): StepReply | undefined {
  const m = /^R (-?\d+) (-?\d+) (-?\d+)$/.exec(line);
  if (m === null) return undefined;
  return { ret: errnoName(Number(m[1])), pinsAcquired: Number(m[2]), pinsReleased: Number(m[3]) };
}
