// Seed 003's map change scaled to N IOVA pages, for the explorer (bench/peers/promela/mapchange.pml
// tells the story; ../quint/mapchange.qnt is the third copy). The world holds exactly the Promela
// model's variables, so that explored worlds and SPIN's stored states correspond one to one.
import type { Model, Property } from '../../../explorer/model.js';
import { s, type Schema } from '../../../explorer/schema.js';

export type MapChangeMode = 'flush-add' | 'one-shot';

export interface MapChangeParams {
  /** N: the old map is [0,N), the new one [0,H) with H = ceil(N/2). */
  readonly pages: number;
  readonly mode: MapChangeMode;
}

export interface MapChangeWorld {
  /** Driver progress. */
  readonly pc: number;
  /** Device translation per IOVA page: 0 none (a DMA faults), 1 old buffer, 2 new buffer. */
  readonly tr: readonly number[];
  /** One-shot: the shadow table being written. */
  readonly sh: readonly number[];
  /** Device data in each page (toggled by each DMA). */
  readonly wr: readonly boolean[];
}

/** An action is a number: kind << 8 | page. */
export type MapChangeAction = number;

const FLUSH = 0;
const ADD = 1;
const SHADOW = 2;
const COMMIT = 3;
const DMA = 4;
const KINDS = ['flush', 'add', 'shadow', 'commit', 'dma'] as const;

export const NO_FAULT = 'no-fault';

export function mapChangeModel(params: MapChangeParams): Model<MapChangeWorld, MapChangeAction> {
  const n = params.pages;
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error(`mapchange: pages must be 1..200, not ${n}`);
  const h = (n + 1) >> 1;
  const oneShot = params.mode === 'one-shot';

  const schema: Schema<MapChangeWorld> = s.struct<MapChangeWorld>({
    pc: s.int(0, n + h),
    tr: s.array(s.int(0, 2), n),
    sh: s.array(s.int(0, 2), n),
    wr: s.array(s.bool(), n),
  });

  const initial: MapChangeWorld = {
    pc: 0,
    tr: new Array<number>(n).fill(1),
    sh: new Array<number>(n).fill(0),
    wr: new Array<boolean>(n).fill(false),
  };

  const noFault: Property<MapChangeWorld, MapChangeAction> = {
    kind: 'invariant',
    id: NO_FAULT,
    check(w) {
      for (let k = 0; k < h; k++) {
        if (w.tr[k] === 0) {
          return {
            message: `device DMA to IOVA page ${k} (mapped before and after the change) faults: no translation`,
            observation: `DMA page ${k} -> fault`,
          };
        }
      }
      return undefined;
    },
  };
  const properties = [noFault];

  return {
    schema,
    actionKinds: KINDS,
    init: () => [initial],
    properties: () => properties,
    kindOf: (a) => a >> 8,
    label(a) {
      const k = a & 0xff;
      switch (a >> 8) {
        case FLUSH: return `flush page ${k}`;
        case ADD: return `add page ${k}`;
        case SHADOW: return `write shadow entry ${k}`;
        case COMMIT: return 'commit the shadow table';
        default: return `device DMA to page ${k}`;
      }
    },
    actions(w, out) {
      const pc = w.pc;
      if (oneShot) {
        if (pc < h) out.push((SHADOW << 8) | pc);
        else if (pc === h) out.push(COMMIT << 8);
      } else if (pc < n) out.push((FLUSH << 8) | (n - 1 - pc));
      else if (pc < n + h) out.push((ADD << 8) | (pc - n));
      const tr = w.tr;
      for (let k = 0; k < h; k++) if (tr[k] !== 0) out.push((DMA << 8) | k);
    },
    next(w, a) {
      const k = a & 0xff;
      switch (a >> 8) {
        case FLUSH: // an IOMMU driver's unmap of one page: the device loses its translation at once
          return { pc: w.pc + 1, tr: withAt(w.tr, k, 0), sh: w.sh, wr: w.wr };
        case ADD: // map one page of the new map
          return { pc: w.pc + 1, tr: withAt(w.tr, k, 2), sh: w.sh, wr: w.wr };
        case SHADOW: // write one entry of the table to switch to
          return { pc: w.pc + 1, tr: w.tr, sh: withAt(w.sh, k, 2), wr: w.wr };
        case COMMIT: { // switch tables in one step (mst's "commit", K4)
          const tr = new Array<number>(n);
          for (let i = 0; i < n; i++) tr[i] = i < h ? w.sh[i]! : 0;
          return { pc: w.pc + 1, tr, sh: w.sh, wr: w.wr };
        }
        default: // the running device writes page k through its translation
          return { pc: w.pc, tr: w.tr, sh: w.sh, wr: withAt(w.wr, k, !w.wr[k]) };
      }
    },
  };
}

function withAt<T>(xs: readonly T[], i: number, v: T): T[] {
  const c = xs.slice();
  c[i] = v;
  return c;
}
