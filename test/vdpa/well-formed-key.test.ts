// errno-expectation judges its target part once per (control projection, wellFormedKey)
// (invariants/vdpa/errno-expectation.ts errnoTargetPart). Sound only if the two keep every bit the
// judgement reads. Checked here:
//  1. wellFormed reads no field outside the projection's and the key's (recorded through a Proxy);
//  2. changing one field the key reads whole changes the key; of the fields read in part (acked,
//     uStale), a change the key does not see changes no wellFormed verdict;
//  3. on worlds reached by random walks of `any`, and those worlds with one keyed field changed to any
//     value of its range, the memoised judgement (one memo per configuration over the whole sweep)
//     equals the plain one.
import '../fc-seed.js';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { IntSchema } from '../../explorer/schema.js';
import type { Violation } from '../../explorer/model.js';
import type { VdpaCtx } from '../../model/context.js';
import { anyAlphabet, anyUserspace } from '../../model/userspace-any.js';
import { VDPA_KERNELS, VDPA_PARENTS } from '../../spec/config.js';
import { NAS, NH, NP, bit } from '../../spec/vdpa/constants.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import { projection } from '../../spec/vdpa/transitions.js';
import { blankWorld, worldSchema, type World } from '../../spec/vdpa/world.js';
import { buildVdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { errnoTargetPart, wellFormed } from '../../invariants/vdpa/errno-expectation.js';
import { wellFormedKey } from '../../invariants/vdpa/well-formed-key.js';
import { randomWalk } from './helpers.js';

/** Runs `f` on a proxy of `w` and returns the top-level fields it read. */
function fieldsRead(w: World, f: (p: World) => unknown): Set<string> {
  const read = new Set<string>();
  const p = new Proxy(w, { get: (t, k, r) => { if (typeof k === 'string') read.add(k); return Reflect.get(t, k, r); } });
  f(p);
  return read;
}

const intRange = (k: keyof World): number[] => {
  const f = (worldSchema.tag === 'struct' ? worldSchema.fields[k] : undefined) as IntSchema | undefined;
  if (f?.tag !== 'int') throw new Error(`${k} is not an int field`);
  return Array.from({ length: f.max - f.min + 1 }, (_, i) => f.min + i);
};

/** `w` with one field the key reads set to another value: every value of the scalars, every entry of uMap. */
function keyedVariants(w: World): { what: string; x: World }[] {
  const out: { what: string; x: World }[] = [];
  for (const k of ['acked', 'uAs', 'batchAsid', 'uStale'] as const) {
    for (const v of intRange(k)) if (v !== w[k]) out.push({ what: `${k}=${v}`, x: { ...w, [k]: v } });
  }
  out.push({ what: `devSuspended=${!w.devSuspended}`, x: { ...w, devSuspended: !w.devSuspended } });
  for (let i = 0; i < NAS * NP; i++) {
    for (let v = -1; v < NH; v++) {
      if (v === w.uMap[i]) continue;
      const uMap = w.uMap.slice();
      uMap[i] = v;
      out.push({ what: `uMap[${i}]=${v}`, x: { ...w, uMap } });
    }
  }
  return out;
}

// vdpa_sim_va exists only where vdpa_sim has use_va (not 6.1)
const configs: VdpaCtx[] = VDPA_KERNELS.flatMap((k) => VDPA_PARENTS.filter((p) => p !== 'vdpa_sim_va' || VDPA_KERNEL_TABLE[k]!.vdpaSimUseVa).map((p) => {
  const kernel = VDPA_KERNEL_TABLE[k]!;
  return { kernel, ops: makeParent(p, kernel) };
}));

describe('errno-expectation\'s target part is memoised by every field it reads', () => {
  test('wellFormed reads only fields the projection or wellFormedKey read (every kernel, parent and message)', () => {
    const keyed = new Set([...fieldsRead(blankWorld([], []), projection), ...fieldsRead(blankWorld([], []), wellFormedKey)]);
    const w = blankWorld(new Array<number>(NAS * NP).fill(-1), new Array<number>(NP).fill(-1));
    // fd open, owner, in a batch, an ASID known, DRIVER_OK, a stale belief: every branch reads as deep as it can
    const worlds: World[] = [w, { ...w, fdOpen: true }, { ...w, fdOpen: true, owner: true, inBatch: true, asExists: 3, uAs: 3 },
      { ...w, fdOpen: true, owner: true, status: 0xf, uStale: 1, acked: 0x1ff, uAs: 3, inBatch: true, batchAsid: 1 }, { ...w, bound: 'virtio' }];
    let checked = 0;
    for (const ctx of configs) for (const a of anyAlphabet(ctx)) for (const x of worlds) {
      for (const f of fieldsRead(x, (p) => wellFormed(ctx, p, a))) {
        expect(keyed, `${ctx.kernel.name}/${ctx.ops.name} ${a.t} reads ${f}`).toContain(f);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  test('changing one field the key reads changes the key (a sweep over a reached world and the blank one)', () => {
    const ctx = configs.find((c) => c.kernel.name === '6.12' && c.ops.name === 'mlx5')!;
    const model = buildVdpaModel(ctx, anyUserspace(), []);
    for (const w of [model.init()[0]!, randomWalk(model, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])]) {
      const key = wellFormedKey(w);
      for (const { what, x } of keyedVariants(w)) {
        // read in part: uStale as zero or not, acked as its SUSPEND and RESUME bits (IOTLB_ASID is the projection's)
        if (what.startsWith('uStale=') && (x.uStale !== 0) === (w.uStale !== 0)) expect(wellFormedKey(x), what).toBe(key);
        else if (what.startsWith('acked=') && ((x.acked ^ w.acked) & (bit('SUSPEND') | bit('RESUME'))) === 0) expect(wellFormedKey(x), what).toBe(key);
        else expect(wellFormedKey(x), what).not.toBe(key);
      }
    }
  });

  // the bits of a field read in part that neither key keeps change no verdict of wellFormed
  test.prop([fc.integer({ min: 0, max: configs.length - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 14 })], { numRuns: 30 })(
    'acked and uStale changed where neither key sees it: every message keeps its wellFormed verdict (reached worlds)',
    (ci, walk) => {
      const ctx = configs[ci]!;
      const w = randomWalk(buildVdpaModel(ctx, anyUserspace(), []), walk);
      const alphabet = anyAlphabet(ctx);
      const before = alphabet.map((a) => wellFormed(ctx, w, a));
      for (const { what, x } of keyedVariants(w)) {
        if (!what.startsWith('acked=') && !what.startsWith('uStale=')) continue;
        if (wellFormedKey(x) !== wellFormedKey(w) || projection(x) !== projection(w)) continue;
        alphabet.forEach((a, i) => expect(wellFormed(ctx, x, a), `${ctx.kernel.name}/${ctx.ops.name} ${what} ${a.t}`).toBe(before[i]));
      }
    },
    120_000,
  );

  // one memo per configuration for the whole sweep, so that a judgement memoised for one world is reused for others
  const memos = new Map<VdpaCtx, (w: World) => Violation | undefined>();
  // and one whose direct-mapped cache has a single slot: every judgement replaces the one before
  const oneSlot = new Map<VdpaCtx, (w: World) => Violation | undefined>();
  const plains = new Map<VdpaCtx, (w: World) => Violation | undefined>();
  test.prop([fc.integer({ min: 0, max: configs.length - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 14 })], { numRuns: 60 })(
    'memoised and plain judgements agree (reached worlds, and each with one keyed field changed)',
    (ci, walk) => {
      const ctx = configs[ci]!;
      const model = buildVdpaModel(ctx, anyUserspace(), []);
      let memo = memos.get(ctx);
      if (memo === undefined) memos.set(ctx, (memo = errnoTargetPart(ctx)));
      let tiny = oneSlot.get(ctx);
      if (tiny === undefined) oneSlot.set(ctx, (tiny = errnoTargetPart(ctx, true, 1)));
      let plain = plains.get(ctx);
      if (plain === undefined) plains.set(ctx, (plain = errnoTargetPart(ctx, false)));
      const w = randomWalk(model, walk);
      for (const { what, x } of [{ what: 'reached', x: w }, ...keyedVariants(w)]) {
        const want = plain(x);
        expect(memo(x), `${ctx.kernel.name}/${ctx.ops.name} ${what}`).toEqual(want);
        expect(tiny(x), `${ctx.kernel.name}/${ctx.ops.name} ${what} (one slot)`).toEqual(want);
      }
    },
    120_000,
  );
});
