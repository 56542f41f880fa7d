// The explorer asks the guard once per (control projection, action) and reuses the verdict for
// every world with the same projection (spec/vdpa/transitions.ts). That is sound only if the
// projection keeps every bit of every field the guard reads. Checked here, not by hand:
//  1. the fields the guard reads (recorded through a Proxy) are fields the projection reads;
//  2. on worlds reached by random walks of userspace `any`, changing one control field to any value
//     of its schema range either changes the projection or leaves every verdict as it was.
import '../fc-seed.js';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { BoolSchema, EnumSchema, IntSchema } from '../../explorer/schema.js';
import type { VdpaCtx } from '../../model/context.js';
import { anyAlphabet, anyUserspace } from '../../model/userspace-any.js';
import { VDPA_KERNELS, VDPA_PARENTS } from '../../spec/config.js';
import { randomWalk } from './helpers.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import { buildVdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { guard, guardTable, projection } from '../../spec/vdpa/transitions.js';
import { blankWorld, worldSchema, type World } from '../../spec/vdpa/world.js';

type FieldSchema = BoolSchema | IntSchema | EnumSchema<string> | { readonly tag: 'array' | 'list' | 'struct' };
const fields: Readonly<Record<string, FieldSchema>> = worldSchema.tag === 'struct' ? (worldSchema.fields as unknown as Record<string, FieldSchema>) : {};

/** Runs `f` on a proxy of `w` and returns the top-level fields it read. */
function fieldsRead(w: World, f: (p: World) => unknown): Set<string> {
  const read = new Set<string>();
  const p = new Proxy(w, { get: (t, k, r) => { if (typeof k === 'string') read.add(k); return Reflect.get(t, k, r); } });
  f(p);
  return read;
}

/** Every value a scalar field's schema allows (bool, enum, int range). */
function valuesOf(s: FieldSchema): unknown[] {
  switch (s.tag) {
    case 'bool': return [false, true];
    case 'enum': return [...s.values];
    case 'int': return Array.from({ length: s.max - s.min + 1 }, (_, i) => s.min + i);
    default: return [];
  }
}

// vdpa_sim_va exists only where vdpa_sim has use_va (not 6.1)
const configs: VdpaCtx[] = VDPA_KERNELS.flatMap((k) => VDPA_PARENTS.filter((p) => p !== 'vdpa_sim_va' || VDPA_KERNEL_TABLE[k]!.vdpaSimUseVa).map((p) => {
  const kernel = VDPA_KERNEL_TABLE[k]!;
  return { kernel, ops: makeParent(p, kernel) };
}));

describe('the guard memo is keyed by every field the guard reads', () => {
  const projected = fieldsRead(blankWorld([], []), projection);

  test('the guard reads only fields the projection reads (every kernel, parent and action)', () => {
    const w = blankWorld(new Array<number>(8).fill(-1), new Array<number>(4).fill(-1));
    // open fd, owner, in a batch: every guard branch reads as deep as it can
    const worlds: World[] = [w, { ...w, fdOpen: true }, { ...w, fdOpen: true, owner: true, inBatch: true, asExists: 3 }, { ...w, bound: 'virtio' }];
    for (const ctx of configs) for (const a of anyAlphabet(ctx)) for (const x of worlds) {
      for (const f of fieldsRead(x, (p) => guard(ctx, p, a))) expect(projected, `${ctx.kernel.name}/${ctx.ops.name} ${a.t} reads ${f}`).toContain(f);
    }
  });

  // A random walk of `any` (indices into the enabled actions, taken modulo their number).
  test.prop([fc.integer({ min: 0, max: configs.length - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 14 })], { numRuns: 60 })(
    'worlds with the same projection get the same verdicts (reached worlds, one control field changed)',
    (ci, walk) => {
      const ctx = configs[ci]!;
      const model = buildVdpaModel(ctx, anyUserspace(), []);
      const alphabet = anyAlphabet(ctx);
      const w = randomWalk(model, walk);
      const key = projection(w);
      const before = alphabet.map((a) => guard(ctx, w, a));
      for (const f of projected) {
        for (const v of valuesOf(fields[f]!)) {
          const x = { ...w, [f]: v } as World;
          if (projection(x) !== key) continue;
          alphabet.forEach((a, i) => expect(guard(ctx, x, a), `${ctx.kernel.name}/${ctx.ops.name}: ${f}=${String(v)} vs ${String(w[f as keyof World])}, ${a.t}`).toEqual(before[i]));
        }
      }
    },
    // every value of acked but its IOTLB_ASID bit shares the projection: ~256 worlds of ~50 guard calls per run
    180_000,
  );

  // the table keeps the row it looked up last (spec/vdpa/transitions.ts rowOf): worlds of different
  // projections in turn must each get their own verdicts
  test.prop([fc.integer({ min: 0, max: configs.length - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 14 }), fc.array(fc.nat(), { minLength: 1, maxLength: 14 })], { numRuns: 40 })(
    'worlds of two projections asked in turn get the guard\'s verdicts (the last row looked up is kept)',
    (ci, walk1, walk2) => {
      const ctx = configs[ci]!;
      const model = buildVdpaModel(ctx, anyUserspace(), []);
      const alphabet = anyAlphabet(ctx);
      const table = guardTable(ctx, alphabet);
      const worlds = [model.init()[0]!, randomWalk(model, walk1), randomWalk(model, walk2)];
      for (let i = 0; i < alphabet.length; i++) {
        for (const w of [...worlds, ...worlds.slice().reverse()]) {
          expect(table.verdictAt(w, i), `${ctx.kernel.name}/${ctx.ops.name} ${alphabet[i]!.t}`).toEqual(guard(ctx, w, alphabet[i]!));
        }
      }
    },
  );
});
