// Patch semantics: what a variant changes against its base, in two parts.
// 1. Verdicts: every invariant explored on each side alone (same configuration, same bounds):
//    fixed, regressed or unchanged, with the shortest counterexample of each side.
// 2. Behaviour as userspace sees it: the product of the two models, both stepped with the same
//    userspace action, explored breadth first. Observable are what each call returned, the value
//    GET_BACKEND_FEATURES would return, and where each running group's DMA lands (one of the
//    caller's pages, a fault, the 1:1 map, or nowhere because the device is stopped). Each kind of
//    difference is reported once, with a shortest sequence of actions that shows it.
// The product is a Model like any other: the engine explores it, and every kind of difference is
// one property of it, so "shortest" and "complete" mean what they mean for `check`.
import type { ExploreOptions, ExploreResult, FoundViolation } from '../../explorer/explore-api.js';
import type { Invariant, Model, Property, StepProperty, Violation } from '../../explorer/model.js';
import { compileCodec, hashWords, newHashOut } from '../../explorer/codec.js';
import { s } from '../../explorer/schema.js';
import { deviceRuns } from '../../model/device-dma.js';
import type { VdpaCtx } from '../../model/context.js';
import type { InvariantId } from '../../spec/config.js';
import type { CheckTarget } from '../target.js';
import { ACTION_KINDS, featureHex, featureNames, type Action } from '../../spec/vdpa/actions.js';
import { GROUP_NAMES, NP, PAGE, hex, hostName } from '../../spec/vdpa/constants.js';
import { step, type VdpaModel } from './model.js';
import { guardTable, offeredFeatures, type Verdict } from '../../spec/vdpa/transitions.js';
import { worldSchema, type World } from '../../spec/vdpa/world.js';

/** The engine (explorer/bfs.ts's explore, or a test's). */
export type ExploreFn = <S, A>(model: Model<S, A>, options: ExploreOptions) => ExploreResult<A>;

export type SideVerdict = 'pass' | 'violation' | 'incomplete' | 'n/a';
/** `unknown` only when a side's search stopped early (max-states, time limit) without a violation. */
export type Change = 'fixed' | 'regressed' | 'unchanged' | 'unknown';

export interface SideRun {
  readonly verdict: SideVerdict;
  readonly violation?: FoundViolation<unknown>;
}

export interface InvariantComparison {
  readonly id: InvariantId;
  readonly base: SideRun;
  readonly patched: SideRun;
  readonly change: Change;
}

export interface DiffStep {
  readonly action: Action;
  readonly kind: string;
  /** The base's label (a feature mask in its own numbering); `patchedLabel` when the patched one differs. */
  readonly label: string;
  readonly patchedLabel?: string;
  /** What the call returned on each side ('not called': the scripted userspace made no call there). */
  readonly base: string;
  readonly patched: string;
}

export type DifferenceKind = 'return' | 'backend-features' | 'dma' | 'next-call';

export interface Difference {
  readonly kind: DifferenceKind;
  /** The property of the product that found it (one per kind of difference). */
  readonly key: string;
  readonly steps: readonly DiffStep[];
  /** What userspace saw at the end, on each side. */
  readonly base: string;
  readonly patched: string;
  /**
   * 1-based index of the first step after which the two sides were observably different; equal to
   * steps.length for a first difference, smaller when this one follows from an earlier one.
   */
  readonly divergedAt: number;
}

export interface BehaviourComparison {
  readonly complete: boolean;
  readonly stoppedBy: string;
  readonly maxDepth: number;
  readonly distinctStates: number;
  readonly seconds: number;
  readonly differences: readonly Difference[];
  /** Groups whose DMA is compared (those both parents have). */
  readonly groups: number;
}

// ---------------------------------------------------------------------------------------------
// 1. Verdicts

/** One (invariant, cause) and on which side it was found (sides with a judge only). */
export interface CauseComparison {
  readonly invariant: string;
  readonly cause: string;
  readonly base: boolean;
  readonly patched: boolean;
  readonly change: 'fixed' | 'regressed' | 'unchanged';
}

export interface InvariantsComparison {
  readonly rows: readonly InvariantComparison[];
  /** Per (invariant, cause): a cause only the patched side has is a regression even under an invariant violated on both. */
  readonly causes: readonly CauseComparison[];
  /** Each side's exploration (undefined when no property of it was checked). */
  readonly base: ExploreResult<unknown> | undefined;
  readonly patched: ExploreResult<unknown> | undefined;
}

/** Explores each side alone within its own bounds, all its invariants at once (shortest trace each). */
export function compareInvariants(base: CheckTarget, patched: CheckTarget, explore: ExploreFn): InvariantsComparison {
  const ids = [...new Set([...base.config.invariants, ...patched.config.invariants])];
  const run = (t: CheckTarget): { runs: Map<string, SideRun>; result: ExploreResult<unknown> | undefined; causes: Set<string> } => {
    const declared = new Set(t.model.properties().map((p) => p.id));
    const mine = t.config.invariants.filter((id) => declared.has(id));
    const runs = new Map<string, SideRun>();
    const causes = new Set<string>();
    if (mine.length === 0) return { runs, result: undefined, causes };
    const judge = t.judge;
    const r = explore(t.model, {
      maxDepth: t.config.bounds.maxDepth,
      maxStates: t.config.bounds.maxStates,
      timeLimitSeconds: t.config.bounds.timeLimit,
      stopAtFirstViolation: false,
      propertyIds: mine,
      ...(judge !== undefined ? { distinct: { key: (id: string, _i: number, actions: readonly unknown[]) => { const c = judge.cause(id, actions); return `${c.key}${c.class === 'by-design' ? ' (by design)' : ''}`; } } } : {}),
    });
    for (const v of r.violations) if (v.key !== undefined) causes.add(`${v.propertyId}\n${v.key}`);
    for (const id of mine) {
      const v = r.violations.find((x) => x.propertyId === id);
      runs.set(id, v !== undefined ? { verdict: 'violation', violation: v } : { verdict: r.complete ? 'pass' : 'incomplete' });
    }
    return { runs, result: r, causes };
  };
  const rb = run(base);
  const rp = run(patched);
  const na: SideRun = { verdict: 'n/a' };
  const causes: CauseComparison[] = [...new Set([...rb.causes, ...rp.causes])].map((k) => {
    const [invariant, cause] = k.split('\n') as [string, string];
    const b = rb.causes.has(k);
    const p = rp.causes.has(k);
    // a cause the patched kernel lists as by design is not a regression
    const change = b === p || (!b && cause.endsWith(' (by design)')) ? 'unchanged' : b ? 'fixed' : 'regressed';
    return { invariant, cause, base: b, patched: p, change };
  });
  const rows = ids.map((id) => {
    const b = rb.runs.get(id) ?? na;
    const p = rp.runs.get(id) ?? na;
    let change = changeOf(b.verdict, p.verdict);
    // violated on both sides, but the patch adds a cause: a regression, not "unchanged"
    if (change === 'unchanged' && causes.some((c) => c.invariant === id && c.change === 'regressed')) change = 'regressed';
    return { id, base: b, patched: p, change };
  });
  return { rows, causes, base: rb.result, patched: rp.result };
}

export function changeOf(b: SideVerdict, p: SideVerdict): Change {
  if (b === p) return b === 'incomplete' ? 'unknown' : 'unchanged';
  if (b === 'violation' && p === 'pass') return 'fixed';
  if (b === 'pass' && p === 'violation') return 'regressed';
  if (b === 'n/a' || p === 'n/a') return 'unchanged';
  return 'unknown';
}

// ---------------------------------------------------------------------------------------------
// 2. Behaviour: the product model

/**
 * Both sides' worlds, and where they first differed observably: -1 not yet; 0..U-1 the union action
 * whose return differed first; U+k the k-th kind of DMA difference (DMA_KEYS) seen first. The
 * product's schema is the two world schemas side by side.
 */
export interface Pair {
  readonly b: World;
  readonly p: World;
  readonly d: number;
}

/** A content key for an action (the two sides build their own action objects). */
export function actionKey(a: Action): string {
  return JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));
}

/** One side of the product: its model, a memoised guard, and what GET_BACKEND_FEATURES returns. */
interface Side {
  readonly model: VdpaModel;
  readonly ctx: VdpaCtx;
  /** Per union action: this side's own action object (identity matters to scripted userspaces). */
  readonly actions: readonly Action[];
  readonly get: string;
  readonly scripted: boolean;
  verdict(w: World, i: number): Verdict;
  /** For scripted userspaces: the union indices the script takes next in `w`. */
  enabled(w: World): Set<number>;
  /** Steps memoised by world value: a side's world recurs in many pairs. */
  readonly stepCache: StepCache;
}

/** World value → per union action, the step already computed (a 53-bit fingerprint of the encoding). */
interface StepCache {
  lookup(w: World): (CachedStep | undefined)[];
}

interface CachedStep extends Stepped {
  /** The step left the world as it was. */
  readonly same: boolean;
}

/** Bounded: cleared when it holds this many worlds (a cache, not a store). */
const STEP_CACHE_WORLDS = 100_000;

function makeStepCache(): StepCache {
  const codec = compileCodec(worldSchema);
  const scratch = new Int32Array(codec.words);
  const h = newHashOut();
  const byWorld = new Map<number, (CachedStep | undefined)[]>();
  let lastWorld: World | undefined;
  let lastEntry: (CachedStep | undefined)[] = [];
  return {
    lookup: (w) => {
      if (w === lastWorld) return lastEntry;
      codec.encode(w, scratch, 0);
      hashWords(scratch, codec.words, h);
      const key = h[0]! * 0x200000 + (h[1]! & 0x1fffff);
      let e = byWorld.get(key);
      if (e === undefined) {
        if (byWorld.size >= STEP_CACHE_WORLDS) byWorld.clear();
        e = [];
        byWorld.set(key, e);
      }
      lastWorld = w;
      lastEntry = e;
      return e;
    },
  };
}

const NOT_CALLED = 'not called';

interface Stepped {
  readonly world: World;
  readonly ret: string;
}

function makeSide(model: VdpaModel, union: readonly Action[], index: Map<string, number>): Side {
  const { ctx } = model;
  const own = new Map<string, Action>(model.userspace.alphabet(ctx).map((a) => [actionKey(a), a]));
  const actions = union.map((a) => own.get(actionKey(a)) ?? a);
  const guards = guardTable(ctx, actions);
  const offered = offeredFeatures(ctx.kernel, ctx.ops);
  const out: Action[] = [];
  return {
    model,
    ctx,
    actions,
    get: `${featureHex(offered, ctx.kernel.featureBits)} ${featureNames(offered)}`,
    scripted: model.userspace.name !== 'any',
    stepCache: makeStepCache(),
    verdict: (w, i) => guards.verdictAt(w, i),
    enabled: (w) => {
      out.length = 0;
      model.actions(w, out);
      const set = new Set<number>();
      for (const a of out) {
        const i = index.get(actionKey(a));
        if (i !== undefined) set.add(i);
      }
      return set;
    },
  };
}

/** One side's step with union action i: the world after and what the caller saw. */
function stepSide(side: Side, w: World, i: number, called: boolean): Stepped {
  if (!called) return { world: w, ret: NOT_CALLED };
  const memo = side.stepCache.lookup(w);
  const hit = memo[i];
  // A self-loop answers with this `w` itself, so that the caller sees "unchanged" by identity.
  if (hit !== undefined) return hit.same ? { world: w, ret: hit.ret } : hit;
  const r = stepUncached(side, w, i);
  memo[i] = { world: r.world, ret: r.ret, same: r.world === w };
  return r;
}

function stepUncached(side: Side, w: World, i: number): Stepped {
  const a = side.actions[i]!;
  const v = side.verdict(w, i);
  if (v.ok) {
    const r = step(side.ctx, side.model.userspace, w, a);
    return { world: r.world, ret: r.result.ret };
  }
  // Refused: no reducer runs; a scripted userspace still moves on (the model's `next` does that).
  return { world: side.model.next(w, a) ?? w, ret: v.ret };
}

/** Where DMA by group g to IOVA page p lands, as the owner of the pages can tell. */
function dmaClass(ctx: VdpaCtx, w: World, g: number, p: number): string {
  if (!deviceRuns(ctx, w, g)) return 'stopped';
  return hostName(ctx.ops.translate(w, g, p));
}
/** The class's kind: one of the caller's pages, a fault, the 1:1 map, or not running. */
const classKind = (c: string): string => (c.startsWith('h') ? 'h' : c);
const CLASS_KINDS = ['h', 'fault', '1:1', 'stopped'] as const;
/** Kinds of DMA difference (base kind, patched kind); h:h is "another of the caller's pages". */
const DMA_KEYS: readonly string[] = CLASS_KINDS.flatMap((kb) =>
  CLASS_KINDS.filter((kp) => kb !== kp || kb === 'h').map((kp) => `${kb}:${kp}`));

interface DmaDiff {
  readonly group: number;
  readonly page: number;
  readonly b: string;
  readonly p: string;
}

interface Observation {
  /** Both fds open and GET_BACKEND_FEATURES differs. */
  readonly get: boolean;
  /** DMA_KEYS index → the first group and page where that kind of difference shows. */
  readonly dma: Map<number, DmaDiff>;
  /** vhost-vdpa's iotlbs are the same on both sides: what userspace mapped landed alike. */
  readonly sameIotlb: boolean;
}

function sameArray(x: readonly number[], y: readonly number[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export interface ProductModel extends Model<Pair, number> {
  readonly base: Side;
  readonly patched: Side;
  readonly union: readonly Action[];
  readonly groups: number;
  /** The two sides stepped with product action i from `pair`, without the explorer. */
  stepPair(pair: Pair, i: number): { pair: Pair; base: string; patched: string };
  /** A product action's call on each side (undefined: no call there). */
  calls(i: number): { base: Action | undefined; patched: Action | undefined };
  observe(pair: Pair): Observation;
}

/** The product's alphabet: every call either side's userspace can make, each once, base's first. */
function unionAlphabet(base: VdpaModel, patched: VdpaModel): { union: Action[]; index: Map<string, number> } {
  const union: Action[] = [];
  const index = new Map<string, number>();
  for (const m of [base, patched]) {
    for (const a of m.userspace.alphabet(m.ctx)) {
      const k = actionKey(a);
      if (!index.has(k)) {
        index.set(k, union.length);
        union.push(a);
      }
    }
  }
  return { union, index };
}

/** What the owner of the pages can tell apart in a pair of worlds (memoised on the last pair). */
function makeObserver(bctx: VdpaCtx, pctx: VdpaCtx, getDiffers: boolean, groups: number): (pair: Pair) => Observation {
  const dmaIndex = new Map<string, number>(DMA_KEYS.map((k, i) => [k, i]));
  let lastObs: { b: World; p: World; o: Observation } | undefined;
  return (pair: Pair): Observation => {
    if (lastObs !== undefined && lastObs.b === pair.b && lastObs.p === pair.p) return lastObs.o;
    const dma = new Map<number, DmaDiff>();
    for (let g = 0; g < groups; g++) {
      for (let p = 0; p < NP; p++) {
        const cb = dmaClass(bctx, pair.b, g, p);
        const cpp = dmaClass(pctx, pair.p, g, p);
        if (cb === cpp) continue;
        const k = dmaIndex.get(`${classKind(cb)}:${classKind(cpp)}`)!;
        if (!dma.has(k)) dma.set(k, { group: g, page: p, b: cb, p: cpp });
      }
    }
    const o: Observation = {
      get: pair.b.fdOpen && pair.p.fdOpen && getDiffers,
      dma,
      sameIotlb: dma.size > 0 && sameArray(pair.b.vHost, pair.p.vHost),
    };
    lastObs = { b: pair.b, p: pair.p, o };
    return o;
  };
}

/**
 * Properties, one per kind of difference, so that the engine reports a shortest sequence for each:
 * first differences (a return, a scripted call, GET_BACKEND_FEATURES, a kind of DMA difference), then
 * DMA that differs under the same iotlb after a call that returned differently.
 */
function differenceProperties(
  U: number, split: (a: number) => { ib: number; ip: number },
  retsOf: (s: Pair, a: number) => { base: string; patched: string }, labelOf: (i: number) => string,
  observe: (pair: Pair) => Observation, bGet: string, pGet: string,
): Property<Pair, number>[] {
  // first differences (the two sides looked the same until the last step) ...
  const props: Property<Pair, number>[] = [];
  for (let i = 0; i < U; i++) {
    const mine = i;
    const p: StepProperty<Pair, number> = {
      kind: 'step',
      id: `return:${i}`,
      check: (before, a) => {
        if (a !== mine || before.d >= 0) return undefined;
        const r = retsOf(before, a);
        return r.base === r.patched ? undefined : { message: `returned ${r.base} on base, ${r.patched} on patched` };
      },
    };
    props.push(p);
  }
  for (let ib = 0; ib <= U; ib++) {
    const mine = ib;
    const p: StepProperty<Pair, number> = {
      kind: 'step',
      id: `call:${ib}`,
      check: (before, a) => {
        if (a < U || before.d >= 0 || split(a).ib !== mine) return undefined;
        return { message: `the scripted userspace calls ${labelOf(a)}` };
      },
    };
    props.push(p);
  }
  const getProp: Invariant<Pair> = {
    kind: 'invariant',
    id: 'backend-features',
    check: (pair) => (observe(pair).get ? { message: `VHOST_GET_BACKEND_FEATURES = ${bGet} on base, ${pGet} on patched` } : undefined),
  };
  props.push(getProp);
  const dmaProp = (id: string, diverged: number, k: number, sameIotlb: boolean): Invariant<Pair> => ({
    kind: 'invariant',
    id,
    check: (pair): Violation | undefined => {
      if (pair.d !== diverged) return undefined;
      const o = observe(pair);
      if (sameIotlb && !o.sameIotlb) return undefined;
      const x = o.dma.get(k);
      return x === undefined ? undefined : { message: `${dmaLabel(x.group, x.page)} → ${x.b} on base, ${x.p} on patched` };
    },
  });
  for (let k = 0; k < DMA_KEYS.length; k++) props.push(dmaProp(`dma:${DMA_KEYS[k]}`, U + k, k, false));
  // ... and, when userspace carries on after a call that returned differently, where the device then
  // translates differently although vhost-vdpa holds the same iotlb on both sides (what the patch
  // changes for the same mappings). Not listed: later returns that differ, and DMA that differs
  // because userspace's messages landed differently (another ASID once IOTLB_ASID was not acked ...):
  // both follow from the first difference.
  for (let i = 0; i < U; i++) {
    for (let k = 0; k < DMA_KEYS.length; k++) props.push(dmaProp(`then:${i}:dma:${DMA_KEYS[k]}`, i, k, true));
  }
  return props;
}

/**
 * The product's enabled actions. Scripted userspaces: the calls both scripts take, and pairs of the
 * calls only one takes (A = U + ib*S + ip); `any`: every call, but one refused alike on both sides.
 */
function pairActions(B: Side, P: Side, U: number, S: number, DCALL: number, scripted: boolean): (pair: Pair, out: number[]) => void {
  return (pair, out) => {
    if (scripted) {
      if (pair.d >= DCALL) return; // the scripts went different ways: not compared further
      const eb = B.enabled(pair.b);
      const ep = P.enabled(pair.p);
      const bo: number[] = [];
      const po: number[] = [];
      for (let i = 0; i < U; i++) {
        const inB = eb.has(i);
        const inP = ep.has(i);
        if (inB && inP) out.push(i);
        else if (inB) bo.push(i);
        else if (inP) po.push(i);
      }
      if (bo.length > 0 || po.length > 0) {
        for (const ib of bo.length > 0 ? bo : [U]) for (const ip of po.length > 0 ? po : [U]) out.push(U + ib * S + ip);
      }
      return;
    }
    // `any`: every call can be made; a call refused alike on both sides changes nothing and shows nothing.
    for (let i = 0; i < U; i++) {
      const vb = B.verdict(pair.b, i);
      const vp = P.verdict(pair.p, i);
      if (!vb.ok && !vp.ok && vb.ret === vp.ret) continue;
      out.push(i);
    }
  };
}

export function productModel(base: VdpaModel, patched: VdpaModel): ProductModel {
  const { union, index } = unionAlphabet(base, patched);
  const U = union.length;
  const B = makeSide(base, union, index);
  const P = makeSide(patched, union, index);
  const scripted = B.scripted || P.scripted;
  const groups = Math.min(base.ctx.ops.ngroups, patched.ctx.ops.ngroups, GROUP_NAMES.length);
  const kindIndex = new Map<string, number>(ACTION_KINDS.map((k, i) => [k, i]));
  // Scripted userspaces (QEMU) may want different calls on the two sides: a product action A >= U
  // pairs base's call ib with patched's call ip (U: no call), A = U + ib*S + ip. The scripts have
  // diverged there: the pair is reported (d = DCALL + ib) and not explored further.
  const S = U + 1;
  const DCALL = U + DMA_KEYS.length;
  const split = (a: number): { ib: number; ip: number } => ({ ib: Math.floor((a - U) / S), ip: (a - U) % S });
  const pairSchema = s.struct<Pair>({ b: worldSchema, p: worldSchema, d: s.int(-1, DCALL + U) });

  const observe = makeObserver(base.ctx, patched.ctx, B.get !== P.get, groups);

  const stepPair = (pair: Pair, i: number): { pair: Pair; base: string; patched: string } => {
    let sb: Stepped;
    let sp: Stepped;
    let d = pair.d;
    if (i < U) {
      sb = stepSide(B, pair.b, i, true);
      sp = stepSide(P, pair.p, i, true);
      if (d < 0) {
        // The first observable difference on this path: a return, else a kind of DMA difference.
        if (sb.ret !== sp.ret) d = i;
        else {
          const o = observe({ b: sb.world, p: sp.world, d });
          for (const k of o.dma.keys()) { d = U + k; break; }
        }
      }
    } else {
      const { ib, ip } = split(i);
      sb = stepSide(B, pair.b, ib, ib < U);
      sp = stepSide(P, pair.p, ip, ip < U);
      if (d < 0) d = DCALL + ib;
    }
    const next = sb.world === pair.b && sp.world === pair.p && d === pair.d ? pair : { b: sb.world, p: sp.world, d };
    return { pair: next, base: sb.ret, patched: sp.ret };
  };

  /** The union action of a product action (base's call of a pair, else patched's). */
  const actionOf = (i: number): Action => {
    if (i < U) return union[i]!;
    const { ib, ip } = split(i);
    return union[ib < U ? ib : ip]!;
  };
  const labelOf = (i: number): string => {
    if (i < U) return base.label(B.actions[i]!);
    const { ib, ip } = split(i);
    const lb = ib < U ? base.label(B.actions[ib]!) : '(no call)';
    const lp = ip < U ? patched.label(P.actions[ip]!) : '(no call)';
    return `${lb} on base, ${lp} on patched`;
  };

  // The explorer calls next(s, a) and then every step property on (s, a): the rets are kept from next.
  let last: { s: Pair; a: number; base: string; patched: string } | undefined;
  const retsOf = (s: Pair, a: number): { base: string; patched: string } => {
    if (last !== undefined && last.s === s && last.a === a) return last;
    const r = stepPair(s, a);
    last = { s, a, base: r.base, patched: r.patched };
    return last;
  };

  const props = differenceProperties(U, split, retsOf, labelOf, observe, B.get, P.get);

  return {
    base: B,
    patched: P,
    union,
    groups,
    stepPair,
    observe,
    calls: (i) => {
      if (i < U) return { base: B.actions[i], patched: P.actions[i] };
      const { ib, ip } = split(i);
      return { base: ib < U ? B.actions[ib] : undefined, patched: ip < U ? P.actions[ip] : undefined };
    },
    init: () => [{ b: base.init()[0]!, p: patched.init()[0]!, d: -1 }],
    actions: pairActions(B, P, U, S, DCALL, scripted),
    next: (pair, i) => {
      const r = stepPair(pair, i);
      last = { s: pair, a: i, base: r.base, patched: r.patched };
      return r.pair === pair ? undefined : r.pair;
    },
    properties: () => props,
    label: labelOf,
    actionKinds: ACTION_KINDS,
    kindOf: (i) => kindIndex.get(actionOf(i).t) ?? 0,
    schema: pairSchema,
  };
}

const dmaLabel = (g: number, p: number): string => `DMA by group ${g} (${GROUP_NAMES[g] ?? '?'}) to IOVA ${hex(p * PAGE)}`;

const kindOfKey = (key: string): DifferenceKind =>
  key.startsWith('return:') ? 'return' : key.startsWith('call:') ? 'next-call' : key === 'backend-features' ? 'backend-features' : 'dma';

/** Replays a difference's actions through the product: what each step returned on each side. */
function describe(pm: ProductModel, found: FoundViolation<number>): Difference {
  let pair = pm.init()[0]!;
  const steps: DiffStep[] = [];
  for (const i of found.actions) {
    const c = pm.calls(i);
    const r = pm.stepPair(pair, i);
    const lb = c.base !== undefined ? pm.base.model.label(c.base) : '(no call)';
    const lp = c.patched !== undefined ? pm.patched.model.label(c.patched) : '(no call)';
    const a = (c.base ?? c.patched)!;
    steps.push({
      action: a,
      kind: a.t,
      label: lb,
      ...(lp !== lb ? { patchedLabel: lp } : {}),
      base: r.base,
      patched: r.patched,
    });
    pair = r.pair;
  }
  // The step after which the sides first looked different (returns and DMA; GET_BACKEND_FEATURES
  // is the same whatever userspace does, so it is reported on its own).
  let divergedAt = steps.length;
  let q = pm.init()[0]!;
  for (let n = 0; n < found.actions.length; n++) {
    q = pm.stepPair(q, found.actions[n]!).pair;
    if (q.d >= 0) { divergedAt = n + 1; break; }
  }
  const key = found.propertyId;
  const end = steps[steps.length - 1];
  const kind = kindOfKey(key);
  let b: string;
  let p: string;
  if (kind === 'return' || kind === 'next-call') {
    b = end!.base === NOT_CALLED ? 'makes no call' : `${end!.label} = ${end!.base}`;
    p = end!.patched === NOT_CALLED ? 'makes no call' : `${end!.patchedLabel ?? end!.label} = ${end!.patched}`;
  } else if (kind === 'backend-features') {
    b = `ioctl(VHOST_GET_BACKEND_FEATURES) = ${pm.base.get}`;
    p = `ioctl(VHOST_GET_BACKEND_FEATURES) = ${pm.patched.get}`;
    divergedAt = steps.length;
  } else {
    const x = pm.observe(pair).dma.get(DMA_KEYS.indexOf(key.slice(key.indexOf('dma:') + 4)))!;
    b = `${dmaLabel(x.group, x.page)} → ${x.b}`;
    p = `${dmaLabel(x.group, x.page)} → ${x.p}`;
  }
  return { kind, key, steps, base: b, patched: p, divergedAt };
}

export interface BehaviourOptions {
  readonly maxDepth: number;
  readonly maxStates: number;
  readonly timeLimitSeconds: number;
}

/** Explores the product and returns each kind of difference with a shortest sequence that shows it. */
export function compareBehaviour(base: VdpaModel, patched: VdpaModel, o: BehaviourOptions, explore: ExploreFn): BehaviourComparison {
  const pm = productModel(base, patched);
  const r = explore(pm, {
    maxDepth: o.maxDepth,
    maxStates: o.maxStates,
    timeLimitSeconds: o.timeLimitSeconds,
    stopAtFirstViolation: false,
  });
  const differences = r.violations
    .map((v) => describe(pm, v as FoundViolation<number>))
    .sort((x, y) => x.steps.length - y.steps.length || x.divergedAt - y.divergedAt);
  return {
    complete: r.complete,
    stoppedBy: r.stoppedBy,
    maxDepth: o.maxDepth,
    distinctStates: r.stats.distinctStates,
    seconds: r.stats.seconds,
    differences,
    groups: pm.groups,
  };
}
