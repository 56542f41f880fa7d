// Host pages: pinning (pin_user_pages / unpin_user_page, mm/gup.c) and userspace munmap.
import { HOST_PFN } from '../spec/vdpa/constants.js';
import type { World } from '../spec/vdpa/world.js';
import { call, LANE_VHOST } from './call-log.js';

export const isFreed = (w: World, h: number): boolean => (w.userFreed & (1 << h)) !== 0;

/** A page that userspace freed and nobody pins any more belongs to someone else now. */
export const ownedByOthers = (w: World, h: number): boolean => isFreed(w, h) && w.pinned[h] === 0;

export function pinPage(d: World, h: number): void {
  d.pinned[h] = d.pinned[h]! + 1;
}

/** PA mode: unpin_user_page; VA mode (VDUSE): fput of the VMA's file, which held the page alive. */
export function unpinPage(d: World, h: number, useVa = false): void {
  d.pinned[h] = d.pinned[h]! - 1;
  if (useVa) call(LANE_VHOST, LANE_VHOST, 'fput', () => ({ args: { file: `map_file of h${h}` } }));
  else call(LANE_VHOST, LANE_VHOST, 'unpin_user_page', () => ({ args: { pfn: `0x${(HOST_PFN[h] ?? 0).toString(16)}` }, unpinned: [h] }));
}

/** Physically contiguous runs of the host pages behind a user range (how vhost_vdpa_pa_map chunks). */
export function contiguousChunks(hosts: readonly number[]): number[][] {
  const chunks: number[][] = [];
  for (const h of hosts) {
    const cur = chunks[chunks.length - 1];
    const prev = cur?.[cur.length - 1];
    if (cur !== undefined && prev !== undefined && HOST_PFN[h] === (HOST_PFN[prev] ?? -2) + 1) cur.push(h);
    else chunks.push([h]);
  }
  return chunks;
}

// munmap() by userspace (mm/mmap.c): the VA goes away; pinned pages stay allocated until unpinned.
export function userFree(d: World, h: number): void {
  d.userFreed |= 1 << h;
}
