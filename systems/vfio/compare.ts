// Patch semantics for VFIO (`compare --system vfio`), part 2 of systems/vdpa/compare.ts's two: the
// behaviour as userspace sees it. Both models stepped with the same userspace action, breadth first,
// as one product model the engine explores. Observable: what each call returns and where the running
// device's DMA to each IOVA page lands (a host page, a fault, or nowhere: stopped). A pair of worlds
// that already differs is not extended: every difference reported is a first one, with a shortest
// sequence. Part 1 (each invariant on each side alone) is systems/vdpa/compare.ts's compareInvariants.
import type { ExploreOptions, ExploreResult } from '../../explorer/explore-api.js';
import type { Model, Property } from '../../explorer/model.js';
import { s } from '../../explorer/schema.js';
import { ACTION_KINDS, kindIndex, labelAction, type VfioAction } from '../../spec/vfio/actions.js';
import { NP, iovaHex, pfnName } from '../../spec/vfio/constants.js';
import { retOf, type VfioModel } from './model.js';
import { deviceReach, vfioWorldSchema, type VfioWorld } from '../../spec/vfio/world.js';

export type VfioExploreFn = <S, A>(model: Model<S, A>, options: ExploreOptions) => ExploreResult<A>;

export interface VfioDiffStep {
  readonly action: VfioAction;
  readonly kind: string;
  readonly label: string;
  /** Labels do not depend on the kernel in VFIO: never set (kept for compare's shared rendering). */
  readonly patchedLabel?: string;
  /** What the call returned on each side ('not called': the scripted userspace made another call). */
  readonly base: string;
  readonly patched: string;
}

export interface VfioDifference {
  readonly kind: 'return' | 'dma' | 'next-call';
  readonly key: string;
  readonly steps: readonly VfioDiffStep[];
  readonly base: string;
  readonly patched: string;
  /** Always steps.length: a pair that differs is not extended. */
  readonly divergedAt: number;
}

export interface VfioBehaviourComparison {
  readonly complete: boolean;
  readonly stoppedBy: string;
  readonly maxDepth: number;
  readonly distinctStates: number;
  readonly seconds: number;
  readonly differences: readonly VfioDifference[];
  /** The device whose DMA is compared: group A's, one. */
  readonly groups: number;
}

/** Both sides' worlds and the kind of difference the last step showed (-1: none yet). */
export interface VfioPair {
  readonly b: VfioWorld;
  readonly p: VfioWorld;
  readonly d: number;
}

const NOT_CALLED = 'not called';
const CLASS_KINDS = ['h', 'fault', 'stopped'] as const;
/** Kinds of DMA difference (base kind, patched kind); h:h is "another host page". */
const DMA_KEYS: readonly string[] = CLASS_KINDS.flatMap((kb) => CLASS_KINDS.filter((kp) => kb !== kp || kb === 'h').map((kp) => `dma ${kb}:${kp}`));
const KEYS: readonly string[] = ['next-call', 'return', ...DMA_KEYS];

/** Where the device's DMA to IOVA page p lands. */
function dmaClass(w: VfioWorld, p: number): string {
  if (!w.devRunning) return 'stopped';
  const h = deviceReach(w, p);
  return h < 0 ? 'fault' : pfnName(h);
}
const classKind = (c: string): string => (c.startsWith('h') ? 'h' : c);

const actionKey = (a: VfioAction): string => JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));

interface Side {
  readonly model: VfioModel;
  /** The `cpr` program, or undefined for `any`. */
  readonly program: readonly VfioAction[] | undefined;
}

function calls(side: Side, w: VfioWorld, a: VfioAction): boolean {
  if (side.program === undefined) return true;
  const next = side.program[w.pc];
  return next !== undefined && actionKey(next) === actionKey(a);
}

interface Stepped { readonly world: VfioWorld; readonly ret: string }

function stepSide(side: Side, w: VfioWorld, a: VfioAction, called: boolean): Stepped {
  if (!called) return { world: w, ret: NOT_CALLED };
  return { world: side.model.next(w, a) ?? w, ret: retOf(side.model.ctx, w, a) };
}

export interface VfioProductModel extends Model<VfioPair, number> {
  readonly union: readonly VfioAction[];
  stepPair(pair: VfioPair, i: number): { pair: VfioPair; base: string; patched: string; key: string | undefined; what: string };
}

export function vfioProductModel(base: VfioModel, patched: VfioModel): VfioProductModel {
  const union: VfioAction[] = [];
  const seen = new Set<string>();
  for (const m of [base, patched]) {
    for (const a of m.alphabetActions) {
      const k = actionKey(a);
      if (!seen.has(k)) { seen.add(k); union.push(a); }
    }
  }
  const B: Side = { model: base, program: base.userspace === 'cpr' ? base.alphabetActions : undefined };
  const P: Side = { model: patched, program: patched.userspace === 'cpr' ? patched.alphabetActions : undefined };

  /** The two sides stepped with union action i, and the first difference the step shows. */
  const stepPair = (pair: VfioPair, i: number) => {
    const a = union[i]!;
    const cb = calls(B, pair.b, a);
    const cp = calls(P, pair.p, a);
    const sb = stepSide(B, pair.b, a, cb);
    const sp = stepSide(P, pair.p, a, cp);
    let key: string | undefined;
    let what = '';
    if (cb !== cp) {
      key = 'next-call';
      const nb = B.program?.[pair.b.pc];
      const np = P.program?.[pair.p.pc];
      what = `next call: base ${nb === undefined ? 'none' : labelAction(nb)} · patched ${np === undefined ? 'none' : labelAction(np)}`;
    } else if (sb.ret !== sp.ret) {
      key = 'return';
      what = `returns: base ${sb.ret} · patched ${sp.ret}`;
    } else {
      for (let p = 0; p < NP && key === undefined; p++) {
        const xb = dmaClass(sb.world, p);
        const xp = dmaClass(sp.world, p);
        if (xb === xp) continue;
        key = `dma ${classKind(xb)}:${classKind(xp)}`;
        what = `device DMA to IOVA ${iovaHex(p)}: base ${xb} · patched ${xp}`;
      }
    }
    const next: VfioPair = { b: sb.world, p: sp.world, d: key === undefined ? -1 : KEYS.indexOf(key) };
    return { pair: next, base: sb.ret, patched: sp.ret, key, what };
  };

  const properties: Property<VfioPair, number>[] = KEYS.map((key, k) => ({
    kind: 'invariant' as const,
    id: key,
    check: (pair: VfioPair) => (pair.d === k ? { message: `the two sides differ: ${key}` } : undefined),
  }));

  return {
    union,
    stepPair,
    init: () => [{ b: base.init()[0]!, p: patched.init()[0]!, d: -1 }],
    actions(pair, out) {
      if (pair.d >= 0) return; // already different: not extended
      for (let i = 0; i < union.length; i++) {
        const a = union[i]!;
        const cb = calls(B, pair.b, a);
        const cp = calls(P, pair.p, a);
        if (!cb && !cp) continue;
        out.push(i);
      }
    },
    next(pair, i) {
      const r = stepPair(pair, i).pair;
      return r.b === pair.b && r.p === pair.p && r.d === -1 ? undefined : r;
    },
    properties: () => properties,
    label: (i) => labelAction(union[i]!),
    actionKinds: ACTION_KINDS,
    kindOf: (i) => kindIndex(union[i]!),
    schema: s.struct<VfioPair>({ b: vfioWorldSchema, p: vfioWorldSchema, d: s.int(-1, KEYS.length - 1) }),
  };
}

/** Explores the product and turns each kind of difference into its shortest sequence. */
export function compareVfioBehaviour(base: VfioModel, patched: VfioModel, options: ExploreOptions, explore: VfioExploreFn): VfioBehaviourComparison {
  const m = vfioProductModel(base, patched);
  const r = explore(m, { ...options, stopAtFirstViolation: false });
  const differences: VfioDifference[] = r.violations.map((v) => {
    let pair = m.init()[v.initIndex]!;
    const steps: VfioDiffStep[] = [];
    let what = '';
    for (const i of v.actions) {
      const st = m.stepPair(pair, i);
      const a = m.union[i]!;
      steps.push({ action: a, kind: a.t, label: labelAction(a), base: st.base, patched: st.patched });
      pair = st.pair;
      what = st.what;
    }
    const [wb, wp] = what.includes(': base ') ? what.split(': base ')[1]!.split(' · patched ') : ['', ''];
    const head = what.split(': base ')[0]!;
    const key = v.propertyId;
    return {
      kind: key === 'next-call' ? 'next-call' : key === 'return' ? 'return' : 'dma',
      key,
      steps,
      base: `${head}: ${wb}`,
      patched: `${head}: ${wp}`,
      divergedAt: steps.length,
    };
  });
  return {
    complete: r.complete,
    stoppedBy: r.stoppedBy,
    maxDepth: options.maxDepth ?? Infinity,
    distinctStates: r.stats.distinctStates,
    seconds: r.stats.seconds,
    differences,
    groups: 1,
  };
}
