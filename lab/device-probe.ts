// The device's own translation as an observable (lab/agent.c `d`): vdpa_sim_net loops a tagged TX
// packet into the RX buffer at IOVA page p of the data group's ASID (vdpasim_net_work, 6.12.117
// vdpa_sim_net.c l.206-283; 6.1 the same loop), and the agent says which host page it landed in.
// Here: when a probe can run without changing what the model tracks, and what the model predicts.
import { FAULT, GROUP_DATA, IDENTITY, NP, hostName } from '../spec/vdpa/constants.js';
import type { World } from '../spec/vdpa/world.js';
import type { Action } from '../spec/vdpa/actions.js';
import type { VdpaCtx } from '../spec/vdpa/context.js';
import { isFreed } from '../model/host-memory.js';

/** The agent's outcome codes (lab/agent.c, probe()). */
export const PROBE = { fault: -1, elsewhere: -2, notRun: -3, noRings: -4, ringMapRefused: -5, otherFile: -6 } as const;

/**
 * VDUSE: the device's map as its daemon reads it (lab/agent.c `v`: VDUSE_IOTLB_GET_FD per IOVA page;
 * vduse_dev.c 6.12.117 l.1185-1229) in the probe's codes: a host page, fault (no entry), or another file.
 */
export function vduseObserved(v: number): number {
  return v >= 0 ? v : v === -1 ? PROBE.fault : v === -3 ? PROBE.otherFile : PROBE.noRings;
}

/** What the model says VDUSE's domain holds at IOVA page p (its one ASID): a host page or fault. */
export function expectedVduse(ctx: VdpaCtx, w: World, page: number): number {
  const t = ctx.ops.asidMap(w, 0, page);
  return t >= 0 ? t : PROBE.fault;
}

/** "V t0 t1 t2 t3" → the four pages. */
export function parseVduseReply(line: string): number[] | undefined {
  const m = /^V (-?\d+) (-?\d+) (-?\d+) (-?\d+)$/.exec(line);
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

/** The queues whose rings the probe sets up and drives (lab/agent.c set_rings): RX 0 and TX 1. */
export const PROBE_QUEUES: readonly number[] = [0, 1];

/**
 * Whether a step of the sequence itself sets up one of the probe's queues (SET_VRING_ADDR / BASE /
 * ENABLE on RX or TX), whatever it returned (a refused ADDR has still changed vhost's copy). From that
 * step on the sequence's rings and the probe's are one: the device probe is skipped for the rest of the
 * sequence, returns and pins are still compared.
 */
export function sharesProbeRings(a: Action): boolean {
  return (a.t === 'setVringAddr' || a.t === 'setVringBase' || a.t === 'setVringEnable') && PROBE_QUEUES.includes(a.vq);
}

export type ProbePlan =
  | { readonly asid: number; readonly map: boolean }
  | { readonly skip: string };

/**
 * Whether the probe can run after this world, and how its rings reach the device. The rings sit in the
 * agent's page R at an IOVA outside the model's four pages: a device on its 1:1 map reads them as they
 * are (no map: nothing changes); otherwise R is mapped for the probe (UPDATE, then INVALIDATE of
 * exactly that entry), which leaves every layer as it was only when the address space exists, has room
 * for one more entry, no batch is open, and (set_map parents, which rebuild the device's map from
 * vhost's iotlb on that UPDATE) the device's map already is vhost's iotlb.
 */
export function probePlan(ctx: VdpaCtx, w: World): ProbePlan {
  const ops = ctx.ops;
  if (!ops.canDma(w, GROUP_DATA)) return { skip: 'the device does not run the data queues (model)' };
  const asid = w.group2asid[GROUP_DATA]!;
  const pages = [...Array(NP).keys()];
  if (pages.every((p) => ops.asidMap(w, asid, p) === IDENTITY)) return { asid, map: false };
  if (w.inBatch) return { skip: 'a batch is open (the ring map would join it)' };
  if ((w.asExists & (1 << asid)) === 0) return { skip: `no address space ${asid} (the ring map would create it)` };
  const entries = new Set(pages.map((p) => w.vStart[asid * NP + p]!).filter((s) => s >= 0)).size;
  const limit = ctx.limits?.iotlbLimit;
  if (limit !== undefined && entries >= limit) return { skip: `address space ${asid} is full (${entries} entries)` };
  if (ops.set_map !== undefined && ops.dma_map === undefined && pages.some((p) => ops.asidMap(w, asid, p) !== w.vHost[asid * NP + p])) {
    return { skip: 'the device map is not vhost\'s iotlb (the ring map would make set_map rebuild it)' };
  }
  return { asid, map: true };
}

/** What the model says the probe of IOVA page p finds: a host page, fault, or none of h0..h3. */
export function expectedProbe(ctx: VdpaCtx, w: World, page: number): number {
  const t = ctx.ops.translate(w, GROUP_DATA, page);
  if (t === FAULT) return PROBE.fault;
  // 1:1 in PA mode writes physical page p (below 1 MiB, reserved): none of the agent's pages. A page
  // the process munmapped is out of its reach (PA mode; VA mode translate() says FAULT already).
  if (t === IDENTITY || isFreed(w, t)) return PROBE.elsewhere;
  return t;
}

export function probeName(o: number): string {
  switch (o) {
    case PROBE.fault: return 'fault';
    case PROBE.elsewhere: return 'none of h0..h3';
    case PROBE.notRun: return 'no TX taken';
    case PROBE.noRings: return 'no rings';
    case PROBE.ringMapRefused: return 'ring map refused';
    case PROBE.otherFile: return 'another file';
    default: return o >= 0 ? hostName(o) : `?${o}`;
  }
}

export interface DeviceProbe {
  readonly page: number;
  readonly asid: number;
  readonly expected: number;
  readonly observed: number;
  /** The agent's errno, when the ring map or its removal failed. */
  readonly errno: number;
}

/** "D <outcome> <errno>" → [outcome, errno]. */
export function parseProbeReply(line: string): [number, number] | undefined {
  const m = /^D (-?\d+) (-?\d+)$/.exec(line);
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

/** A probe that observed something to compare (not skipped by the agent for want of rings or map). */
export const probeCounts = (p: DeviceProbe): boolean => p.observed !== PROBE.noRings && p.observed !== PROBE.ringMapRefused;
