// The vhost iotlb of one ASID as page arrays: vStart[a*NP+p] (first page of the entry covering p)
// and vHost[a*NP+p]. Entries are intervals; removal is by whole entry (drivers/vhost/iotlb.c,
// vhost_iotlb_itree_first / vhost_iotlb_del_range).
import { FAULT, NP } from '../spec/vdpa/constants.js';
import type { World } from '../spec/vdpa/world.js';

export interface Entry { readonly start: number; readonly npages: number; readonly hosts: readonly number[] }

/** The entries of ASID a intersecting pages [first, last], in IOVA order (itree_first, repeatedly). */
export function entriesIntersecting(w: World, a: number, first: number, last: number): Entry[] {
  const out: Entry[] = [];
  const base = a * NP;
  let p = 0;
  while (p < NP) {
    const start = w.vStart[base + p]!;
    if (start !== p) { p++; continue; }
    let end = p;
    const hosts: number[] = [w.vHost[base + p]!];
    while (end + 1 < NP && w.vStart[base + end + 1] === p) { end++; hosts.push(w.vHost[base + end]!); }
    if (end >= first && start <= last) out.push({ start, npages: end - start + 1, hosts });
    p = end + 1;
  }
  return out;
}

export function overlaps(w: World, a: number, first: number, last: number): boolean {
  for (let p = first; p <= last; p++) if (w.vStart[a * NP + p]! >= 0) return true;
  return false;
}

/** iotlb->nmaps: how many entries ASID a holds (vhost_iotlb_add_range_ctx compares it with the limit). */
export function entryCount(w: World, a: number): number {
  let n = 0;
  for (let p = 0; p < NP; p++) if (w.vStart[a * NP + p] === p) n++;
  return n;
}

export function isEmpty(w: World, a: number): boolean {
  for (let p = 0; p < NP; p++) if (w.vStart[a * NP + p]! >= 0) return false;
  return true;
}

/** vhost_iotlb_add_range: one entry [start, start+hosts.length) → hosts. */
export function addEntry(d: World, a: number, start: number, hosts: readonly number[]): void {
  for (let i = 0; i < hosts.length; i++) {
    d.vStart[a * NP + start + i] = start;
    d.vHost[a * NP + start + i] = hosts[i]!;
  }
}

export function removeEntry(d: World, a: number, e: Entry): void {
  for (let i = 0; i < e.npages; i++) {
    d.vStart[a * NP + e.start + i] = -1;
    d.vHost[a * NP + e.start + i] = -1;
  }
}

/** The page-wise translation vhost-vdpa holds for ASID a (host page or FAULT). */
export function expand(w: World, a: number, p: number): number {
  const h = w.vHost[a * NP + p]!;
  return h >= 0 ? h : FAULT;
}
