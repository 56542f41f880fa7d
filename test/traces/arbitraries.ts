// fast-check arbitraries for traces: any value ITF can carry, and whole traces built from them.
import { fc } from '@fast-check/vitest';
import type { CallView, LayerView, StepOutcome } from '../../traces/trace-model.js';
import type { Trace, TraceStep, TraceWorld } from '../../traces/trace.js';
import { Tup, type TraceValue } from '../../traces/values.js';

/** fc.record makes null-prototype objects by default; a trace read back has plain ones. */
const NP = { noNullPrototype: true } as const;
const text = fc.string({ unit: 'binary', maxLength: 12 });
/** Names Object.prototype has: a world field so named must be read as the world's own (issue 11). */
export const PROTOTYPE_NAMES = ['constructor', '__proto__', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf'] as const;
/** ITF record fields may not start with '#'. */
const field = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).filter((k) => !k.startsWith('#')), weight: 4 },
  { arbitrary: fc.constantFrom(...PROTOTYPE_NAMES), weight: 1 },
);

const { value } = fc.letrec<{ value: TraceValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    text,
    fc.maxSafeInteger(),
    fc.bigInt(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(tie('value'), { maxLength: 3 }).map((xs) => new Tup(xs)),
    fc.array(tie('value'), { maxLength: 3 }).map((xs) => new Set(xs)),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((es) => new Map(es)),
    fc.dictionary(field, tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
}));
export const traceValue = value;

export const record = fc.dictionary(field, value, { maxKeys: 4, noNullPrototype: true });

const view: fc.Arbitrary<LayerView[]> = fc.array(
  fc.record({ layer: text, fields: fc.array(fc.record({ name: text, value: text }, NP), { maxLength: 3 }) }, NP),
  { maxLength: 3 },
);
const calls: fc.Arbitrary<CallView[]> = fc.array(fc.record({ from: text, to: text, label: text }, NP), { maxLength: 3 });
const outcome: fc.Arbitrary<StepOutcome> = fc
  .tuple(text, fc.option(text, { nil: undefined }), calls)
  .map(([ret, reason, c]) => (reason !== undefined ? { ret, reason, calls: c } : { ret, calls: c }));
const config = fc.dictionary(field, fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4, noNullPrototype: true });

/** A trace whose worlds have top-level fields (ITF vars) from one set, none named like ours. */
export const trace: fc.Arbitrary<Trace> = fc
  .uniqueArray(field.filter((k) => !['action', 'action_args', 'ret'].includes(k)), { maxLength: 3 })
  .chain((keys) => {
    // A world may lack some of the fields others have (written as ITF's "absent" marker).
    const world = fc
      .tuple(...keys.map(() => fc.option(value, { nil: undefined, freq: 4 })))
      .map((vs) => Object.fromEntries(keys.flatMap((k, i) => (vs[i] === undefined ? [] : [[k, vs[i]]]))));
    const traceWorld: fc.Arbitrary<TraceWorld> = fc.record({ world, view }, NP);
    const step = fc.record({ kind: text, label: text, action: record, outcome, w: traceWorld }, NP);
    return fc.record({
      source: text,
      config,
      lanes: fc.array(text, { maxLength: 4 }),
      initIndex: fc.nat(5),
      init: traceWorld,
      steps: fc.array(step, { maxLength: 4 }),
      invariant: text,
      message: text,
      observation: fc.option(text, { nil: undefined }),
    }, NP);
  })
  .map((r) => ({
    source: r.source,
    config: r.config,
    lanes: r.lanes,
    initIndex: r.initIndex,
    init: r.init,
    steps: r.steps.map(
      (s, i): TraceStep => ({ index: i + 1, kind: s.kind, label: s.label, action: s.action, outcome: s.outcome, world: s.w.world, view: s.w.view }),
    ),
    violation:
      r.observation !== undefined
        ? { invariant: r.invariant, message: r.message, observation: r.observation }
        : { invariant: r.invariant, message: r.message },
  }));
