// Small helpers the parents share (copying vhost's iotlb into a device table, filling a table).
import { FAULT, NP } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';
import { expand } from '../vhost-iotlb.js';

/** dev[asid] := page-wise copy of vhost's iotlb of `asid` (what set_map hands the parent). */
export function copyIotlb(d: World, asid: number, into: number[], offset: number): void {
  for (let p = 0; p < NP; p++) into[offset + p] = expand(d, asid, p);
}

export function fill(into: number[], offset: number, v: number): void {
  for (let p = 0; p < NP; p++) into[offset + p] = v;
}

export function allFault(w: World, asid: number): boolean {
  for (let p = 0; p < NP; p++) if (w.devMap[asid * NP + p] !== FAULT) return false;
  return true;
}
