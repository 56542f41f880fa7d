// The engine's benchmark model: a flat ~1 KB world (top-level numbers and short number arrays,
// described by a schema) whose reducers are Immer producers (explorer/immer.ts), shaped like the
// worlds the vDPA model explores (status and feature words, per-address-space rings of IOVAs,
// pin counts, static virtqueue addresses) but with a closed-form state count: five rings, each
// with a head in 0..15, give 16^5 = 1,048,576 distinct worlds and 5 actions per world (push onto
// a ring, or reset a full one), 5,242,880 transitions.
// The reducers follow the flat style explorer/immer.ts recommends: they assign top-level fields
// of the draft (4 scalars and one 16-element array copied with `setAt`), reading from the base
// world, so Immer drafts the root object only. Nothing here models a kernel function.
import { castDraft, produce, setAt } from '../../explorer/immer.js';
import { s } from '../../explorer/schema.js';
import type { Model, Property } from '../../explorer/model.js';

export const RINGS = 5;
export const RING = 16;

export interface BenchWorld {
  readonly status: number;
  readonly features: number;
  readonly ackedFeatures: number;
  readonly backendFeatures: number;
  readonly fdOpen: boolean;
  readonly inBatch: boolean;
  readonly asid0: number;
  readonly asid1: number;
  readonly head0: number;
  readonly head1: number;
  readonly head2: number;
  readonly head3: number;
  readonly head4: number;
  readonly pins0: number;
  readonly pins1: number;
  readonly pins2: number;
  readonly pins3: number;
  readonly pins4: number;
  readonly perm0: number;
  readonly perm1: number;
  readonly perm2: number;
  readonly perm3: number;
  readonly perm4: number;
  readonly last0: number;
  readonly last1: number;
  readonly last2: number;
  readonly last3: number;
  readonly last4: number;
  readonly ring0: readonly number[];
  readonly ring1: readonly number[];
  readonly ring2: readonly number[];
  readonly ring3: readonly number[];
  readonly ring4: readonly number[];
  readonly vqAddrs: readonly number[];
}

export type BenchAction = { readonly type: 'push'; readonly ring: number } | { readonly type: 'reset'; readonly ring: number };

type Key = keyof BenchWorld;
const headKeys = ['head0', 'head1', 'head2', 'head3', 'head4'] as const satisfies readonly Key[];
const pinsKeys = ['pins0', 'pins1', 'pins2', 'pins3', 'pins4'] as const satisfies readonly Key[];
const permKeys = ['perm0', 'perm1', 'perm2', 'perm3', 'perm4'] as const satisfies readonly Key[];
const lastKeys = ['last0', 'last1', 'last2', 'last3', 'last4'] as const satisfies readonly Key[];
const ringKeys = ['ring0', 'ring1', 'ring2', 'ring3', 'ring4'] as const satisfies readonly Key[];

const int = (max = 0x7fffffff) => s.int(0, max);
const ints = (n: number) => s.array<number>(s.int(0, 0x7fffffff), n);

export const benchSchema = s.struct<BenchWorld>({
  status: int(0xff),
  features: int(),
  ackedFeatures: int(),
  backendFeatures: int(),
  fdOpen: s.bool(),
  inBatch: s.bool(),
  asid0: int(1),
  asid1: int(1),
  head0: int(RING - 1),
  head1: int(RING - 1),
  head2: int(RING - 1),
  head3: int(RING - 1),
  head4: int(RING - 1),
  pins0: int(RING),
  pins1: int(RING),
  pins2: int(RING),
  pins3: int(RING),
  pins4: int(RING),
  perm0: int(3),
  perm1: int(3),
  perm2: int(3),
  perm3: int(3),
  perm4: int(3),
  last0: int(),
  last1: int(),
  last2: int(),
  last3: int(),
  last4: int(),
  ring0: ints(RING),
  ring1: ints(RING),
  ring2: ints(RING),
  ring3: ints(RING),
  ring4: ints(RING),
  vqAddrs: ints(2 * RING),
});

const ZERO_RING: readonly number[] = new Array<number>(RING).fill(0);

export function benchInit(): BenchWorld {
  return {
    status: 0x0f,
    features: 0x3c0010ab,
    ackedFeatures: 0x3c0010ab,
    backendFeatures: 0x3f,
    fdOpen: true,
    inBatch: false,
    asid0: 0,
    asid1: 1,
    head0: 0,
    head1: 0,
    head2: 0,
    head3: 0,
    head4: 0,
    pins0: 0,
    pins1: 0,
    pins2: 0,
    pins3: 0,
    pins4: 0,
    perm0: 0,
    perm1: 0,
    perm2: 0,
    perm3: 0,
    perm4: 0,
    last0: 0,
    last1: 0,
    last2: 0,
    last3: 0,
    last4: 0,
    ring0: ZERO_RING,
    ring1: ZERO_RING,
    ring2: ZERO_RING,
    ring3: ZERO_RING,
    ring4: ZERO_RING,
    vqAddrs: Array.from({ length: 2 * RING }, (_, i) => 0x7f000000 + i * 0x10040),
  };
}

/** IOVA of slot `j` of ring `r` (large numbers, like real IOVAs). */
const iovaOf = (r: number, j: number): number => 0x10000000 + r * 0x100000 + (j + 1) * 0x1000;

// push: append a mapping at the ring's head (IOTLB-update-like: 4 scalars and one array change).
const push = (w: BenchWorld, r: number): BenchWorld =>
  produce(w, (d) => {
    const j = w[headKeys[r]!];
    const iova = iovaOf(r, j);
    d[ringKeys[r]!] = setAt(w[ringKeys[r]!], j, iova);
    d[headKeys[r]!] = j + 1;
    d[pinsKeys[r]!] = j + 1;
    d[permKeys[r]!] = (j % 3) + 1;
    d[lastKeys[r]!] = iova;
  });

// reset: a full ring is emptied at once (reset-like: the array replaced by the empty one).
const reset = (w: BenchWorld, r: number): BenchWorld =>
  produce(w, (d) => {
    d[ringKeys[r]!] = castDraft(ZERO_RING);
    d[headKeys[r]!] = 0;
    d[pinsKeys[r]!] = 0;
    d[permKeys[r]!] = 0;
    d[lastKeys[r]!] = 0;
  });

const properties: readonly Property<BenchWorld, BenchAction>[] = [
  {
    kind: 'invariant',
    id: 'pins-match-heads',
    check: (w) => {
      for (let r = 0; r < RINGS; r++)
        if (w[pinsKeys[r]!] !== w[headKeys[r]!]) return { message: `ring ${r}: ${w[pinsKeys[r]!]} pins for head ${w[headKeys[r]!]}` };
      return undefined;
    },
  },
  {
    kind: 'step',
    id: 'head-moves-by-one',
    check: (before, a, after) => {
      const b = before[headKeys[a.ring]!];
      const n = after[headKeys[a.ring]!];
      return n === b + 1 || n === 0 ? undefined : { message: `ring ${a.ring}: head ${b} -> ${n}` };
    },
  },
];

// One action object per (type, ring), allocated once: actions() only pushes references.
const PUSH: readonly BenchAction[] = headKeys.map((_, ring) => ({ type: 'push', ring }));
const RESET: readonly BenchAction[] = headKeys.map((_, ring) => ({ type: 'reset', ring }));

export const benchModel: Model<BenchWorld, BenchAction> = {
  init: () => [benchInit()],
  actions: (w, out) => {
    for (let r = 0; r < RINGS; r++) out.push(w[headKeys[r]!] < RING - 1 ? PUSH[r]! : RESET[r]!);
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
