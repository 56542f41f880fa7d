// A parent's translation table as a trace shows it (systems/vdpa/view.ts and the parents' own rows).
import { NP, PAGE, hex, hostName } from '../../spec/vdpa/constants.js';

/** Runs of equal targets: "[0x0,0x2000) → h0,h1 · [0x2000,0x4000) → fault". */
export function renderPages(arr: readonly number[], offset: number): string {
  const parts: string[] = [];
  let p = 0;
  while (p < NP) {
    const t = arr[offset + p]!;
    let end = p + 1;
    if (t < 0) while (end < NP && arr[offset + end] === t) end++;
    else while (end < NP && arr[offset + end]! >= 0) end++;
    const targets = t < 0 ? hostName(t) : arr.slice(offset + p, offset + end).map((h) => hostName(h)).join(',');
    parts.push(`[${hex(p * PAGE)},${hex(end * PAGE)}) → ${targets}`);
    p = end;
  }
  return parts.join(' · ');
}
