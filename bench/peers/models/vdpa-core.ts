// A core of the vDPA model for the explorer: vhost iotlb with UPDATE/INVALIDATE/BATCH_BEGIN/BATCH_END,
// a set_map or a dma_map parent, SET_STATUS(DRIVER_OK) and SET_STATUS(0) with or without
// VDPA_RESET_F_CLEAN_MAP, DMA as an observation (shared/domain/semantics.md §1.2-1.4, Linux 6.12).
// Same variables and guards as bench/peers/promela/vdpa_core.pml and ../quint/vdpa_core.qnt, so that
// explored worlds and SPIN's stored states correspond one to one. Guards are exact: an action that
// would change nothing (a refused message, a no-op) is not listed.
import type { Model, Property } from '../../../explorer/model.js';
import { s, type Schema } from '../../../explorer/schema.js';

export type CoreParent = 'set_map' | 'dma_map';

export interface VdpaCoreParams {
  /** IOVA pages of ASID 0; each may map host buffer 1 or 2 of its own. */
  readonly pages: number;
  readonly parent: CoreParent;
  /** SET_STATUS(0) passes VDPA_RESET_F_CLEAN_MAP (IOTLB_PERSIST not acked, parent has compat_reset). */
  readonly cleanMap: boolean;
}

export interface VdpaCoreWorld {
  /** DRIVER_OK set: the device may DMA. */
  readonly running: boolean;
  /** The AS object of ASID 0 exists (vhost_vdpa_find_alloc_as). */
  readonly asExists: boolean;
  readonly inBatch: boolean;
  /** vhost iotlb: 0 none, v: host buffer v of the page (pinned, PA mode). */
  readonly iotlb: readonly number[];
  /** The parent's effective translation: what a DMA to the page reaches. */
  readonly dev: readonly number[];
}

/** An action is a number: kind << 8 | page << 2 | buffer. */
export type VdpaCoreAction = number;

const UPDATE = 0;
const INVALIDATE = 1;
const BATCH_BEGIN = 2;
const BATCH_END = 3;
const DRIVER_OK = 4;
const RESET = 5;
const KINDS = ['update', 'invalidate', 'batch_begin', 'batch_end', 'driver_ok', 'reset'] as const;

export const DMA_PINNED = 'dma-pinned';
export const DMA_MAPPED = 'dma-mapped';

export function vdpaCoreModel(params: VdpaCoreParams): Model<VdpaCoreWorld, VdpaCoreAction> {
  const np = params.pages;
  if (!Number.isInteger(np) || np < 1 || np > 60) throw new Error(`vdpa-core: pages must be 1..60, not ${np}`);
  const setMap = params.parent === 'set_map';
  const cleanMap = params.cleanMap;

  const schema: Schema<VdpaCoreWorld> = s.struct<VdpaCoreWorld>({
    running: s.bool(),
    asExists: s.bool(),
    inBatch: s.bool(),
    iotlb: s.array(s.int(0, 2), np),
    dev: s.array(s.int(0, 2), np),
  });
  const empty: readonly number[] = new Array<number>(np).fill(0);
  const initial: VdpaCoreWorld = { running: false, asExists: false, inBatch: false, iotlb: empty, dev: empty };

  const differs = (w: VdpaCoreWorld): boolean => {
    for (let p = 0; p < np; p++) if (w.dev[p] !== w.iotlb[p]) return true;
    return false;
  };
  const anyDev = (w: VdpaCoreWorld): boolean => {
    for (let p = 0; p < np; p++) if (w.dev[p] !== 0) return true;
    return false;
  };

  const dmaPinned: Property<VdpaCoreWorld, VdpaCoreAction> = {
    kind: 'invariant',
    id: DMA_PINNED,
    check(w) {
      if (!w.running) return undefined;
      for (let p = 0; p < np; p++) {
        const d = w.dev[p]!;
        if (d !== 0 && d !== w.iotlb[p]) {
          return {
            message: `device DMA to IOVA page ${p} reaches host buffer ${d}, which the vhost iotlb no longer maps (unpinned)` +
              (w.inBatch ? ' inside a batch' : ''),
            observation: `DMA page ${p} -> buffer ${d} (iotlb: ${w.iotlb[p] === 0 ? 'none' : `buffer ${w.iotlb[p]}`})`,
          };
        }
      }
      return undefined;
    },
  };
  const dmaMapped: Property<VdpaCoreWorld, VdpaCoreAction> = {
    kind: 'invariant',
    id: DMA_MAPPED,
    check(w) {
      if (!w.running || w.inBatch) return undefined;
      for (let p = 0; p < np; p++) {
        const t = w.iotlb[p]!;
        if (t !== 0 && w.dev[p] !== t) {
          return {
            message: `device DMA to IOVA page ${p} ${w.dev[p] === 0 ? 'faults' : `reaches buffer ${w.dev[p]}`} although the vhost iotlb maps it to buffer ${t}`,
            observation: `DMA page ${p} -> ${w.dev[p] === 0 ? 'fault' : `buffer ${w.dev[p]}`}`,
          };
        }
      }
      return undefined;
    },
  };
  const properties = [dmaPinned, dmaMapped];

  return {
    schema,
    actionKinds: KINDS,
    init: () => [initial],
    properties: () => properties,
    kindOf: (a) => a >> 8,
    label(a) {
      const p = (a >> 2) & 0x3f;
      switch (a >> 8) {
        case UPDATE: return `IOTLB UPDATE page ${p} -> buffer ${a & 3}`;
        case INVALIDATE: return `IOTLB INVALIDATE page ${p}`;
        case BATCH_BEGIN: return 'IOTLB BATCH_BEGIN';
        case BATCH_END: return 'IOTLB BATCH_END';
        case DRIVER_OK: return 'SET_STATUS(DRIVER_OK)';
        default: return cleanMap ? 'SET_STATUS(0) (CLEAN_MAP)' : 'SET_STATUS(0)';
      }
    },
    actions(w, out) {
      const iotlb = w.iotlb;
      // INVALIDATE of an absent page still pushes the table to a set_map parent outside a batch.
      const resync = setMap && w.asExists && !w.inBatch && differs(w);
      for (let p = 0; p < np; p++) {
        if (iotlb[p] === 0) out.push((UPDATE << 8) | (p << 2) | 1, (UPDATE << 8) | (p << 2) | 2);
        if (w.asExists && (iotlb[p] !== 0 || resync)) out.push((INVALIDATE << 8) | (p << 2));
      }
      if (!w.inBatch) out.push(BATCH_BEGIN << 8);
      else if (w.asExists) out.push(BATCH_END << 8);
      if (!w.running) out.push(DRIVER_OK << 8);
      if (w.running || (cleanMap && anyDev(w))) out.push(RESET << 8);
    },
    next(w, a) {
      const p = (a >> 2) & 0x3f;
      switch (a >> 8) {
        case UPDATE: { // vhost_vdpa_process_iotlb_update + vhost_vdpa_map (6.12)
          const iotlb = withAt(w.iotlb, p, a & 3);
          const dev = !setMap ? withAt(w.dev, p, a & 3) : w.inBatch ? w.dev : iotlb;
          return { running: w.running, asExists: true, inBatch: w.inBatch, iotlb, dev };
        }
        case INVALIDATE: { // vhost_vdpa_unmap (6.12): unpin, dma_unmap or set_map unless in_batch
          const iotlb = w.iotlb[p] === 0 ? w.iotlb : withAt(w.iotlb, p, 0);
          const dev = !setMap ? withAt(w.dev, p, 0) : w.inBatch ? w.dev : iotlb;
          return { running: w.running, asExists: w.asExists, inBatch: w.inBatch, iotlb, dev };
        }
        case BATCH_BEGIN: // vhost_vdpa_process_iotlb_msg VHOST_IOTLB_BATCH_BEGIN (6.12)
          return { running: w.running, asExists: true, inBatch: true, iotlb: w.iotlb, dev: w.dev };
        case BATCH_END: // VHOST_IOTLB_BATCH_END (6.12): ops->set_map(asid, iotlb), result ignored
          return { running: w.running, asExists: w.asExists, inBatch: false, iotlb: w.iotlb, dev: setMap ? w.iotlb : w.dev };
        case DRIVER_OK: // vhost_vdpa_set_status -> vdpa_set_status (6.12)
          return { running: true, asExists: w.asExists, inBatch: w.inBatch, iotlb: w.iotlb, dev: w.dev };
        default: // SET_STATUS(0) -> _compat_vdpa_reset (6.12): in_batch stays, CLEAN_MAP drops the parent's map
          return { running: false, asExists: w.asExists, inBatch: w.inBatch, iotlb: w.iotlb, dev: cleanMap ? empty : w.dev };
      }
    },
  };
}

function withAt(xs: readonly number[], i: number, v: number): number[] {
  const c = xs.slice();
  c[i] = v;
  return c;
}
