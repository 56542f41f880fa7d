// The two ways a step builds its successor (model/working-copy.ts): Immer's produce (auto-freeze on,
// as in every test) and the generated copier of the explorer's hot path (auto-freeze off). From
// random reachable worlds, every action of the alphabet (allowed or refused) must give deep-equal
// worlds, with the same fields in the same order, and equal fingerprints. And the check can fail: a
// copier that forgets to take one field from the working copy is caught, for every field a step changes.
import '../fc-seed.js';
import { afterEach, describe, expect, it } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Fingerprinter } from '../../explorer/fingerprint.js';
import { buildVdpaTarget } from '../../systems/vdpa/target.js';
import type { VdpaModel } from '../../systems/vdpa/model.js';
import { commitCopy, makeCopier, peekOnCopy, produceOnCopy, setSuccessorBuilder, successorBuilder, type Copier } from '../../model/working-copy.js';
import { worldSchema, type World } from '../../spec/vdpa/world.js';
import type { Action } from '../../spec/vdpa/actions.js';
import { randomWalk } from './helpers.js';

/** The configurations sampled: the benchmark's, an older mlx5 (one data MR), a simulator, and scripted QEMU (its program counter). */
const CONFIGS = [
  { kernel: '6.12', parent: 'mlx5', userspace: 'any' },
  { kernel: '6.1', parent: 'mlx5', userspace: 'any' },
  { kernel: '6.12', parent: 'vdpa_sim', userspace: 'any' },
  { kernel: '6.12', parent: 'platform', userspace: 'any' },
  { kernel: '6.12', parent: 'mlx5', userspace: 'qemu' },
] as const;

interface Sys { readonly name: string; readonly m: VdpaModel; readonly alphabet: readonly Action[] }
const systems: Sys[] = await Promise.all(CONFIGS.map(async (c) => {
  const t = await buildVdpaTarget({ system: 'vdpa', ...c, invariants: undefined, bounds: {}, reduce: 'none' });
  const m = t.model as unknown as VdpaModel;
  return { name: `${c.kernel} ${c.parent} ${c.userspace}`, m, alphabet: m.userspace.alphabet(m.ctx) };
}));

const fp = new Fingerprinter<World>(worldSchema);
const fingerprint = (w: World): string => {
  fp.of(w);
  return `${fp.h[0]}:${fp.h[1]}`;
};

afterEach(() => { setSuccessorBuilder(undefined); });

/** `f()` with the successor built by `b`. */
function withBuilder<T>(b: 'produce' | 'copy' | Copier, f: () => T): T {
  const before = setSuccessorBuilder(b);
  try {
    return f();
  } finally {
    setSuccessorBuilder(before);
  }
}

const FIELDS = Object.keys(worldSchema.tag === 'struct' ? worldSchema.fields : {}) as (keyof World)[];
type FieldSchema = { tag: string; min?: number; max?: number; values?: readonly string[]; elem?: FieldSchema };
const schemaOf = (k: keyof World): FieldSchema => (worldSchema as unknown as { fields: Record<string, FieldSchema> }).fields[k]!;

/** A value of field `k`'s schema other than `v` (an array: its first element changed). */
function otherValue(k: keyof World, v: unknown): unknown {
  const other = (f: FieldSchema, x: unknown): unknown => {
    switch (f.tag) {
      case 'int': return x === f.min ? f.min! + 1 : f.min;
      case 'bool': return !x;
      case 'enum': return f.values!.find((e) => e !== x);
      default: throw new Error(`no other value for ${f.tag}`);
    }
  };
  const f = schemaOf(k);
  if (f.tag !== 'array') return other(f, v);
  const a = (v as readonly unknown[]).slice();
  a[0] = other(f.elem!, a[0]);
  return a;
}

/** `m.next` with the successor built by `b` (the world itself when the step changed nothing). */
function nextBy(m: VdpaModel, w: World, a: Action, b: 'produce' | 'copy' | Copier): World {
  return withBuilder(b, () => m.next(w, a) ?? w);
}

/** Where `copier` and Immer's produce disagree after `a` from `w`, in words; undefined when they agree. */
function disagreement(m: VdpaModel, w: World, a: Action, copier: 'copy' | Copier): string | undefined {
  const byImmer = nextBy(m, w, a, 'produce');
  const byCopy = nextBy(m, w, a, copier);
  const label = m.labelIn(w, a);
  if (JSON.stringify(byCopy) !== JSON.stringify(byImmer)) return `${label}: worlds differ`;
  if (Object.getPrototypeOf(byCopy) !== Object.getPrototypeOf(byImmer)) return `${label}: prototypes differ`;
  if (fingerprint(byCopy) !== fingerprint(byImmer)) return `${label}: fingerprints differ`;
  return undefined;
}

describe('the copier builds the successor Immer\'s produce builds', () => {
  prop.prop([fc.integer({ min: 0, max: systems.length - 1 }), fc.array(fc.nat(), { maxLength: 14 })], { numRuns: 60 })(
    'random reachable worlds, every action of the alphabet: deep-equal worlds, same key order, equal fingerprints',
    (i, choices) => {
      const { m, alphabet } = systems[i]!;
      const w = randomWalk(m, choices);
      for (const a of alphabet) {
        const byImmer = nextBy(m, w, a, 'produce');
        const byCopy = nextBy(m, w, a, 'copy');
        expect(byCopy).toEqual(byImmer);
        expect(Object.keys(byCopy)).toEqual(Object.keys(byImmer));
        expect(fingerprint(byCopy)).toBe(fingerprint(byImmer));
      }
    },
  );

  it('the hot path uses the copier when auto-freeze is off, Immer when it is on (as in every test)', async () => {
    const { setAutoFreeze } = await import('../../model/immer.js');
    const { m, alphabet } = systems[0]!;
    const open = m.next(m.init()[0]!, alphabet.find((x) => x.t === 'open')!)!;
    expect(successorBuilder()).toBe('produce');
    expect(Object.isFrozen(open)).toBe(true);
    setAutoFreeze(false);
    try {
      expect(successorBuilder()).toBe('copy');
    } finally {
      setAutoFreeze(true);
    }
  });

  it('a copier that drops a changed field is caught: every field of the schema, each changed alone by a recipe', () => {
    const w = systems[0]!.m.init()[0]!;
    for (const k of FIELDS) {
      const recipe = (m: World): void => { (m as unknown as Record<string, unknown>)[k] = otherValue(k, (w as unknown as Record<string, unknown>)[k]); };
      const byImmer = withBuilder('produce', () => produceOnCopy(w, recipe));
      expect(withBuilder('copy', () => produceOnCopy(w, recipe)), `${k} with the generated copier`).toEqual(byImmer);
      expect(withBuilder(makeCopier(k), () => produceOnCopy(w, recipe)), `${k} dropped`).not.toEqual(byImmer);
    }
  });

  it('and through the model: a field dropped is caught at a reachable step that changes it', () => {
    // a witness per field: a reachable world and an action whose step changes it (random walks, fixed seed)
    const witness = new Map<keyof World, [Sys, World, Action]>();
    fc.assert(fc.property(fc.integer({ min: 0, max: systems.length - 1 }), fc.array(fc.nat(), { maxLength: 24 }), (i, choices) => {
      const sys = systems[i]!;
      const w = randomWalk(sys.m, choices);
      for (const a of sys.alphabet) {
        const n = nextBy(sys.m, w, a, 'produce');
        for (const k of FIELDS) if (!witness.has(k) && JSON.stringify(n[k]) !== JSON.stringify(w[k])) witness.set(k, [sys, w, a]);
      }
    }), { seed: 16, numRuns: 1500 });
    // uWindow is set only inside a map change while a running device loses a page (K4's window): deeper than these walks
    expect(FIELDS.filter((k) => !witness.has(k))).toEqual(['uWindow']);
    for (const [k, [sys, w, a]] of witness) {
      expect(disagreement(sys.m, w, a, 'copy'), `${k} with the generated copier`).toBeUndefined();
      expect(disagreement(sys.m, w, a, makeCopier(k)), `${k} dropped (${sys.name})`).toBeDefined();
    }
  });
});

describe('next in halves (Model.peek, then Model.commit when new): what next gives', () => {
  const words = fp.scratch.length;
  const encoding = (w: World): number[] => {
    fp.of(w);
    return Array.from(fp.scratch.subarray(0, words));
  };
  prop.prop([fc.integer({ min: 0, max: systems.length - 1 }), fc.array(fc.nat(), { maxLength: 14 }), fc.constantFrom<'produce' | 'copy'>('produce', 'copy')], { numRuns: 60 })(
    'random reachable worlds, every action of the alphabet: the transient encodes as next\'s world (as the base world when next changes nothing), and commit builds next\'s world',
    (i, choices, builder) => {
      const { m, alphabet } = systems[i]!;
      const w = randomWalk(m, choices);
      withBuilder(builder, () => {
        for (const a of alphabet) {
          const n = m.next(w, a);
          const t = m.peek!(w, a);
          expect(encoding(t), m.labelIn(w, a)).toEqual(encoding(n ?? w));
          if (n === undefined) continue;
          const c = m.commit!();
          expect(c).toEqual(n);
          expect(Object.keys(c)).toEqual(Object.keys(n));
          expect(fingerprint(c)).toBe(fingerprint(n));
        }
      });
    },
  );

  it('commit builds only the last peek: after another step, or twice, it refuses', () => {
    const { m, alphabet } = systems[0]!;
    const w = m.init()[0]!;
    const open = alphabet.find((x) => x.t === 'open')!;
    m.peek!(w, open);
    expect(m.commit!().fdOpen).toBe(true);
    expect(() => m.commit!()).toThrow(/commit without a peek/);
    m.peek!(w, open);
    m.next(w, open);
    expect(() => m.commit!()).toThrow(/commit without a peek/);
    expect(() => commitCopy()).toThrow(/commit without a peek/);
    // inside a step (or after one V8 terminated, which leaves the scratch marked busy) a peek gets a fresh copy
    const inner = produceOnCopy(w, (m) => {
      const t = peekOnCopy(w, (c) => { c.pc = 7; });
      expect(t.pc).toBe(7);
      m.pc = commitCopy().pc + 1;
    });
    expect(inner.pc).toBe(8);
  });
});
