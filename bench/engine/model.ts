// The engine's benchmark model: a flat ~1 KB world (top-level numbers and short number arrays,
// described by a schema) whose reducers are Immer producers (model/immer.ts), shaped like the
// worlds the vDPA model explores (status and feature words, per-address-space rings of IOVA page
// numbers with their head/pin/permission/last-IOVA record, static virtqueue addresses) but with a
// closed-form state count: five rings, each with a head in 0..15, give 16^5 = 1,048,576 distinct
// worlds and 5 actions per world (push onto a ring, or reset a full one): 5,242,880 transitions.
// The reducers follow the flat style model/immer.ts recommends: each assigns two top-level
// fields of the draft (the ring, copied with `setAt`, and the ring's 4-number record), reading
// from the base world, so Immer drafts the root object only. Nothing here models a kernel function.
import { castDraft, produce, setAt } from '../../model/immer.js';
import { s } from '../../explorer/schema.js';
import type { Model, Property } from '../../explorer/model.js';

export const RINGS = 5;
export const RING = 16;

/** Per ring: [head, pins, perm, last IOVA page]. */
type Meta = readonly number[];

export interface BenchWorld {
  readonly status: number;
  readonly features: number;
  readonly ackedFeatures: number;
  readonly backendFeatures: number;
  readonly fdOpen: boolean;
  readonly inBatch: boolean;
  readonly suspended: boolean;
  readonly asid0: number;
  readonly asid1: number;
  readonly iotlbGen: number;
  readonly ring0: readonly number[];
  readonly ring1: readonly number[];
  readonly ring2: readonly number[];
  readonly ring3: readonly number[];
  readonly ring4: readonly number[];
  readonly meta0: Meta;
  readonly meta1: Meta;
  readonly meta2: Meta;
  readonly meta3: Meta;
  readonly meta4: Meta;
  readonly vqDesc: readonly number[];
  readonly vqUsed: readonly number[];
}

export type BenchAction = { readonly type: 'push'; readonly ring: number } | { readonly type: 'reset'; readonly ring: number };

const HEAD = 0;
const ringKeys = ['ring0', 'ring1', 'ring2', 'ring3', 'ring4'] as const satisfies readonly (keyof BenchWorld)[];
const metaKeys = ['meta0', 'meta1', 'meta2', 'meta3', 'meta4'] as const satisfies readonly (keyof BenchWorld)[];

const int = (max = 0x3fffffff) => s.int(0, max);
const ints = (n: number, max = 0x3fffffff) => s.array<number>(s.int(0, max), n);

export const benchSchema = s.struct<BenchWorld>({
  status: int(0xff),
  features: int(),
  ackedFeatures: int(),
  backendFeatures: int(),
  fdOpen: s.bool(),
  inBatch: s.bool(),
  suspended: s.bool(),
  asid0: int(1),
  asid1: int(1),
  iotlbGen: int(),
  ring0: ints(RING),
  ring1: ints(RING),
  ring2: ints(RING),
  ring3: ints(RING),
  ring4: ints(RING),
  meta0: ints(4),
  meta1: ints(4),
  meta2: ints(4),
  meta3: ints(4),
  meta4: ints(4),
  vqDesc: ints(RING),
  vqUsed: ints(RING),
});

// Shared empty values. Not frozen: V8 reads frozen arrays through a slower path, and the encoder
// measured ~10x slower on worlds holding them (readonly types guard them instead).
const ZERO_RING: readonly number[] = Array.from({ length: RING }, () => 0);
const ZERO_META: Meta = [0, 0, 0, 0];

export function benchInit(): BenchWorld {
  return {
    status: 0x0f,
    features: 0x3c0010ab,
    ackedFeatures: 0x3c0010ab,
    backendFeatures: 0x3f,
    fdOpen: true,
    inBatch: false,
    suspended: false,
    asid0: 0,
    asid1: 1,
    iotlbGen: 0x2a,
    ring0: ZERO_RING,
    ring1: ZERO_RING,
    ring2: ZERO_RING,
    ring3: ZERO_RING,
    ring4: ZERO_RING,
    meta0: ZERO_META,
    meta1: ZERO_META,
    meta2: ZERO_META,
    meta3: ZERO_META,
    meta4: ZERO_META,
    // Guest-physical page numbers of the rings, large like real ones (and within V8's small-int range).
    vqDesc: Array.from({ length: RING }, (_, i) => 0x3f7e0000 + i * 0x1004),
    vqUsed: Array.from({ length: RING }, (_, i) => 0x3f7f0000 + i * 0x1004),
  };
}

/** IOVA page number of slot `j` of ring `r` (large, like real ones). */
const iovaOf = (r: number, j: number): number => 0x10000000 + r * 0x100000 + (j + 1) * 0x1000;

// push: append a mapping at the ring's head (IOTLB-update-like: the ring and its record change).
const push = (w: BenchWorld, r: number): BenchWorld =>
  produce(w, (d) => {
    const j = w[metaKeys[r]!][HEAD]!;
    const iova = iovaOf(r, j);
    d[ringKeys[r]!] = setAt(w[ringKeys[r]!], j, iova);
    d[metaKeys[r]!] = [j + 1, j + 1, (j % 3) + 1, iova];
  });

// reset: a full ring is emptied at once (reset-like: both replaced by the empty constants).
const reset = (w: BenchWorld, r: number): BenchWorld =>
  produce(w, (d) => {
    d[ringKeys[r]!] = castDraft(ZERO_RING);
    d[metaKeys[r]!] = castDraft(ZERO_META);
  });

const properties: readonly Property<BenchWorld, BenchAction>[] = [
  {
    kind: 'invariant',
    id: 'pins-match-heads',
    check: (w) => {
      for (let r = 0; r < RINGS; r++) {
        const m = w[metaKeys[r]!];
        if (m[1] !== m[HEAD]) return { message: `ring ${r}: ${m[1]} pins for head ${m[HEAD]}` };
      }
      return undefined;
    },
  },
  {
    kind: 'step',
    id: 'head-moves-by-one',
    check: (before, a, after) => {
      const b = before[metaKeys[a.ring]!][HEAD]!;
      const n = after[metaKeys[a.ring]!][HEAD]!;
      return n === b + 1 || n === 0 ? undefined : { message: `ring ${a.ring}: head ${b} -> ${n}` };
    },
  },
];

// One action object per (type, ring), allocated once: actions() only pushes references.
const PUSH: readonly BenchAction[] = ringKeys.map((_, ring) => ({ type: 'push', ring }));
const RESET: readonly BenchAction[] = ringKeys.map((_, ring) => ({ type: 'reset', ring }));

export const benchModel: Model<BenchWorld, BenchAction> = {
  init: () => [benchInit()],
  actions: (w, out) => {
    for (let r = 0; r < RINGS; r++) out.push(w[metaKeys[r]!][HEAD]! < RING - 1 ? PUSH[r]! : RESET[r]!);
  },
  next: (w, a) => {
    switch (a.type) {
      case 'push':
        return push(w, a.ring);
      case 'reset':
        return reset(w, a.ring);
    }
  },
  properties: () => properties,
  label: (a) => `${a.type} ring ${a.ring}`,
  actionKinds: ['push', 'reset'],
  kindOf: (a) => (a.type === 'push' ? 0 : 1),
  schema: benchSchema,
};

/** Closed form: every combination of heads is reachable, each world allows RINGS actions. */
export const BENCH_STATES = RING ** RINGS;
export const BENCH_TRANSITIONS = BENCH_STATES * RINGS;

// The same model with hand-written spread reducers (no Immer): the engine's ceiling on this
// world, measured beside the Immer model so the table shows where the time goes.
type Mutable = { -readonly [K in keyof BenchWorld]: BenchWorld[K] };

function pushSpread(w: BenchWorld, r: number): BenchWorld {
  const j = w[metaKeys[r]!][HEAD]!;
  const iova = iovaOf(r, j);
  const c: Mutable = { ...w };
  c[ringKeys[r]!] = setAt(w[ringKeys[r]!], j, iova);
  c[metaKeys[r]!] = [j + 1, j + 1, (j % 3) + 1, iova];
  return c;
}

function resetSpread(w: BenchWorld, r: number): BenchWorld {
  const c: Mutable = { ...w };
  c[ringKeys[r]!] = ZERO_RING;
  c[metaKeys[r]!] = ZERO_META;
  return c;
}

export const benchModelSpread: Model<BenchWorld, BenchAction> = {
  ...benchModel,
  next: (w, a) => (a.type === 'push' ? pushSpread(w, a.ring) : resetSpread(w, a.ring)),
};
