// Toy models with known answers, for the engine's tests. Nothing here is vDPA.
import type { Model, Property } from '../../explorer/model.js';
import { s, type Schema } from '../../explorer/schema.js';

export interface Grid {
  readonly x: number;
  readonly y: number;
}
export type GridAction = { readonly type: 'incX' } | { readonly type: 'incY' } | { readonly type: 'jumpBack' } | { readonly type: 'teleport' };

const INC_X: GridAction = { type: 'incX' };
const INC_Y: GridAction = { type: 'incY' };
const JUMP: GridAction = { type: 'jumpBack' };

export const gridSchema: Schema<Grid> = s.struct<Grid>({ x: s.int(0, 1000), y: s.int(0, 1000) });

/**
 * A W x H grid from (0,0): incX while x < W-1, incY while y < H-1. W*H worlds,
 * (W-1)*H + W*(H-1) transitions, depth W+H-2. Optional extras: `jumpBack` from x = jumpAt to
 * x = 0 (a transition to an already-visited world), and a `teleport` kind that is never enabled.
 */
export function gridModel(
  W: number,
  H: number,
  opts: { schema?: boolean; properties?: readonly Property<Grid, GridAction>[]; jumpAt?: number; init?: readonly Grid[] } = {},
): Model<Grid, GridAction> {
  const props = opts.properties ?? [];
  return {
    init: () => opts.init ?? [{ x: 0, y: 0 }],
    actions: (w, out) => {
      if (w.x < W - 1) out.push(INC_X);
      if (w.y < H - 1) out.push(INC_Y);
      if (opts.jumpAt !== undefined && w.x === opts.jumpAt) out.push(JUMP);
    },
    next: (w, a) => {
      switch (a.type) {
        case 'incX':
          return { x: w.x + 1, y: w.y };
        case 'incY':
          return { x: w.x, y: w.y + 1 };
        case 'jumpBack':
          return { x: 0, y: w.y };
        case 'teleport':
          return { x: W - 1, y: H - 1 };
      }
    },
    properties: () => props,
    label: (a) => a.type,
    actionKinds: ['incX', 'incY', 'jumpBack', 'teleport'],
    kindOf: (a) => ['incX', 'incY', 'jumpBack', 'teleport'].indexOf(a.type),
    ...(opts.schema === false ? {} : { schema: gridSchema }),
  };
}

export interface Bits {
  readonly bits: readonly boolean[];
}
export type Flip = { readonly i: number };

/** n bits, every bit flippable: 2^n worlds, n * 2^n transitions, depth n. */
export function bitsModel(n: number, opts: { schema?: boolean; properties?: readonly Property<Bits, Flip>[] } = {}): Model<Bits, Flip> {
  const flips = Array.from({ length: n }, (_, i) => ({ i }));
  return {
    init: () => [{ bits: new Array<boolean>(n).fill(false) }],
    actions: (_w, out) => {
      for (const f of flips) out.push(f);
    },
    next: (w, a) => ({ bits: w.bits.map((b, i) => (i === a.i ? !b : b)) }),
    properties: () => opts.properties ?? [],
    label: (a) => `flip ${a.i}`,
    actionKinds: ['flip'],
    kindOf: () => 0,
    ...(opts.schema === false ? {} : { schema: s.struct<Bits>({ bits: s.array<boolean>(s.bool(), n) }) }),
  };
}

export const countTrue = (w: Bits): number => w.bits.filter((b) => b).length;
