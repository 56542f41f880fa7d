// Device DMA as an observation: it changes nothing, so it is evaluated on a world rather than explored
// as a step. What an access by group g to IOVA page p reaches: a host page, the 1:1 map, or a fault.
import { GROUP_NAMES, PAGE, hex, hostName } from '../spec/vdpa/constants.js';
import type { World } from '../spec/vdpa/world.js';
import type { VdpaCtx } from './context.js';

/** The device processes group g's queues now (and is driven by a bus driver). */
export function deviceRuns(ctx: VdpaCtx, w: World, g: number): boolean {
  return g < ctx.ops.ngroups && (w.bound === 'virtio' || w.fdOpen) && ctx.ops.canDma(w, g);
}

export function dmaTarget(ctx: VdpaCtx, w: World, g: number, p: number): number {
  return ctx.ops.translate(w, g, p);
}

export function describeDma(g: number, p: number, target: number): string {
  return `DMA by group ${g} (${GROUP_NAMES[g] ?? '?'}) to IOVA ${hex(p * PAGE)} → ${hostName(target)}`;
}
