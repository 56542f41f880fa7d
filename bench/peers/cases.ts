// The benchmark's rows: each model variant at each size, with how to run it in every tool.
import type { PeerModelSpec } from './models/index.js';

export interface PeerCase {
  /** e.g. "mapchange one-shot N=26" */
  readonly id: string;
  readonly model: 'mapchange' | 'vdpa-core';
  readonly variant: string;
  readonly size: string;
  readonly spec: PeerModelSpec;
  /**
   * Whether the invariants hold. Exhaustive runs check them when they hold; when they do not, the
   * exhaustive runs go without them (each tool would stop at the first violation) and a separate
   * breadth-first run times the first counterexample.
   */
  readonly holds: boolean;
  /** Promela file under bench/peers/promela and its cpp defines (without -DCHECK). */
  readonly pml: string;
  readonly spinDefines: readonly string[];
  /** Quint file under bench/peers/quint, values for its `@param` lines, the invariant's name. */
  readonly qnt: string;
  readonly quintParams: Readonly<Record<string, string>>;
  readonly quintInvariant: string;
}

function mapChange(mode: 'one-shot' | 'flush-add', n: number): PeerCase {
  return {
    id: `mapchange ${mode} N=${n}`,
    model: 'mapchange',
    variant: mode,
    size: `N=${n}`,
    spec: { kind: 'mapchange', pages: n, mode },
    holds: mode === 'one-shot',
    pml: 'mapchange.pml',
    spinDefines: [`-DN=${n}`, ...(mode === 'one-shot' ? ['-DONESHOT'] : [])],
    qnt: 'mapchange.qnt',
    quintParams: { N: String(n), ONESHOT: String(mode === 'one-shot') },
    quintInvariant: 'noFault',
  };
}

function core(parent: 'set_map' | 'dma_map', cleanMap: boolean, p: number): PeerCase {
  const variant = `${parent}${cleanMap ? '+clean_map' : ''}`;
  return {
    id: `vdpa-core ${variant} P=${p}`,
    model: 'vdpa-core',
    variant,
    size: `P=${p}`,
    spec: { kind: 'vdpa-core', pages: p, parent, cleanMap },
    // set_map parents expose unpinned buffers inside a batch; CLEAN_MAP leaves mapped pages faulting.
    holds: parent === 'dma_map' && !cleanMap,
    pml: 'vdpa_core.pml',
    spinDefines: [`-DP=${p}`, ...(parent === 'set_map' ? ['-DSETMAP'] : []), ...(cleanMap ? ['-DCLEANMAP'] : [])],
    qnt: 'vdpa_core.qnt',
    quintParams: { P: String(p), SETMAP: String(parent === 'set_map'), CLEANMAP: String(cleanMap) },
    quintInvariant: 'dmaOk',
  };
}

/** The full benchmark: each variant from about 10^4 to about 10^6 states. */
export const FULL_CASES: readonly PeerCase[] = [
  mapChange('one-shot', 20), mapChange('one-shot', 26), mapChange('one-shot', 32),
  mapChange('flush-add', 20), mapChange('flush-add', 24), mapChange('flush-add', 28),
  core('set_map', false, 4), core('set_map', false, 5), core('set_map', false, 6),
  core('dma_map', true, 6), core('dma_map', true, 7), core('dma_map', true, 8),
  core('dma_map', false, 8), core('dma_map', false, 10),
];

/** One small size of each variant (seconds in all). */
export const QUICK_CASES: readonly PeerCase[] = [
  mapChange('one-shot', 20), mapChange('flush-add', 20),
  core('set_map', false, 4), core('dma_map', true, 6), core('dma_map', false, 8),
];
