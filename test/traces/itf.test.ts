import '../fc-seed.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test as prop } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { decodeValue, encodeValue, fromItf, ItfEncodeError, itfText, parseItf, toItf } from '../../traces/itf.js';
import { replay } from '../../traces/replay.js';
import { buildTrace, type Trace } from '../../traces/trace.js';
import { canonical, Tup, tup } from '../../traces/values.js';
import { PROTOTYPE_NAMES, trace as anyTrace } from './arbitraries.js';
import { FIXTURES_DIR, fixtureTraces } from './fixtures/fixture-traces.js';
import { type ToyAction, toyModel } from './fixtures/toy-model.js';

const roundTrip = (t: Trace): ReturnType<typeof fromItf> => fromItf(JSON.parse(JSON.stringify(toItf(t))));

describe('ITF round trip', () => {
  prop.prop([anyTrace], { numRuns: 300 })('reading back what was written gives the same trace', (t) => {
    const back = roundTrip(t);
    if (!back.ok) throw new Error(back.error);
    expect(canonical(back.trace)).toBe(canonical(t));
    expect(itfText(back.trace)).toBe(itfText(t));
    // toStrictEqual compares `constructor` properties as types: only for traces without such fields
    if (!PROTOTYPE_NAMES.some((n) => itfText(t).includes(`"${n}":`))) expect(back.trace).toStrictEqual(t);
  });

  test('world fields named like Object.prototype members are the world\'s own, both ways', () => {
    const world = { toString: 1, valueOf: new Set([2]), constructor: 'c', hasOwnProperty: [true] };
    const t: Trace = {
      source: 's', config: {}, lanes: [], initIndex: 0, init: { world: {}, view: [] },
      steps: [{ index: 1, kind: 'k', label: 'l', action: {}, outcome: { ret: '0', calls: [] }, world, view: [] }],
      violation: { invariant: 'i', message: 'm' },
    };
    const itf = toItf(t);
    expect(itf.states[0]).toMatchObject({ toString: { '#unserializable': 'absent' }, valueOf: { '#unserializable': 'absent' } });
    const back = roundTrip(t);
    if (!back.ok) throw new Error(back.error);
    expect(Object.keys(back.trace.init.world)).toEqual([]);
    expect(canonical(back.trace.steps[0]!.world)).toBe(canonical(world));
    // __proto__ as a field: data, never the prototype
    const j = JSON.parse('{"__proto__": {"#tup": [1]}}') as unknown;
    const v = decodeValue(j, 'x') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
  });

  // Random walks on the toy: the trace survives the file, and replaying it on the same model
  // reproduces every step exactly.
  const toyWalk = fc.array(fc.nat(40), { minLength: 1, maxLength: 7 });
  prop.prop([toyWalk], { numRuns: 100 })('a toy trace survives the file and replays without divergence', (choices) => {
    const m = toyModel();
    let s = m.init()[0]!;
    const actions: ToyAction[] = [];
    for (const c of choices) {
      const enabled: ToyAction[] = [];
      m.actions(s, enabled);
      const a = enabled[c % enabled.length]!;
      actions.push(a);
      s = m.next(s, a) ?? s;
    }
    const t = buildTrace(m, { propertyId: 'user-kernel-agreement', violation: { message: 'm' }, initIndex: 0, actions }, { system: 'vdpa' });
    const back = roundTrip(t);
    if (!back.ok) throw new Error(back.error);
    expect(back.trace).toStrictEqual(t);
    const r = replay(back.trace, toyModel());
    expect(r.divergedAt).toBeUndefined();
    expect(r.stepsRun).toBe(actions.length);
  });
});

describe('ITF encodings (ADR-015)', () => {
  test('safe integers are plain numbers; bigints and integers beyond 2^53 are #bigint', () => {
    expect(encodeValue(42, 'x')).toBe(42);
    expect(encodeValue(-(2 ** 53 - 1), 'x')).toBe(-(2 ** 53 - 1));
    expect(encodeValue(2 ** 60, 'x')).toEqual({ '#bigint': '1152921504606846976' });
    expect(encodeValue(-5n, 'x')).toEqual({ '#bigint': '-5' });
  });

  test('tuples, sets, maps, lists, records and null have their ITF forms', () => {
    expect(encodeValue(tup(1, 'a'), 'x')).toEqual({ '#tup': [1, 'a'] });
    expect(encodeValue(new Set([1, 2]), 'x')).toEqual({ '#set': [1, 2] });
    expect(encodeValue(new Map([[tup(0, 1), [true]]]), 'x')).toEqual({ '#map': [[{ '#tup': [0, 1] }, [true]]] });
    expect(encodeValue({ a: [1, { b: 'c' }] }, 'x')).toEqual({ a: [1, { b: 'c' }] });
    expect(encodeValue(null, 'x')).toEqual({ '#unserializable': 'null' });
  });

  test('what ITF cannot carry is refused with the path', () => {
    expect(() => encodeValue({ a: { b: 1.5 } }, '')).toThrow(new ItfEncodeError('a.b: 1.5 is not an integer (ITF has no floats)'));
    expect(() => encodeValue({ '#a': 1 }, 'w')).toThrow(/w\.#a: ITF record fields may not start with '#'/);
    expect(() => encodeValue(new Date(0), 'w')).toThrow(/an instance of Date/);
    expect(() => encodeValue(() => 0, 'w')).toThrow(/a function cannot be written/);
  });

  test('the toy world uses #map, #set, #tup and #bigint; each state carries its action, arguments and ret', () => {
    const { overlap } = fixtureTraces();
    const itf = toItf(overlap);
    expect(itf['#meta']).toMatchObject({
      format: 'ITF',
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      source: 'vdpa-mc 0.1.0',
      invariant: 'user-kernel-agreement',
      config: { system: 'vdpa', kernel: '6.12' },
    });
    expect(itf.vars).toEqual(['user', 'kernel', 'device', 'action', 'action_args', 'ret']);
    const s1 = itf.states[1]!;
    expect(s1['#meta']).toMatchObject({ index: 1, label: 'VHOST_IOTLB_UPDATE asid=0 iova=[0x0000,0x2000) host=h0' });
    expect(s1.kernel).toEqual({ iotlb: { '#map': [[0, [{ '#tup': [0, 2, 0] }]]] }, features: { '#set': [] }, resets: 0 });
    expect(s1.device).toEqual({ iommu: [{ '#tup': [0, 2, 0] }], dmaMask: { '#bigint': '18446744073709551615' } });
    expect([s1.action, s1.action_args, s1.ret]).toEqual(['map', { type: 'map', iova: 0, size: 2, host: 0 }, '0']);
    const s2 = itf.states[2]!;
    expect([s2.ret, s2['#meta'].reason]).toEqual(['-EFAULT', 'vhost: -EEXIST, overlaps [0x0000,0x2000)']);
    expect(itf.states[0]).toMatchObject({ action: 'init', action_args: {}, ret: '' });
  });

  test('the written file is stable (golden: regenerate with test/traces/fixtures/make-fixtures.ts)', () => {
    const { overlap, persist } = fixtureTraces();
    expect(itfText(overlap)).toBe(readFileSync(join(FIXTURES_DIR, 'toy-overlap.itf.json'), 'utf8'));
    expect(itfText(persist)).toBe(readFileSync(join(FIXTURES_DIR, 'toy-persist.itf.json'), 'utf8'));
    const back = parseItf(readFileSync(join(FIXTURES_DIR, 'toy-persist.itf.json'), 'utf8'));
    expect(back.ok && back.trace).toStrictEqual(persist);
    expect(back.ok && back.trace.steps[0]!.world.kernel).toStrictEqual({
      iotlb: new Map([[0, []]]),
      features: new Set(['IOTLB_BATCH', 'IOTLB_PERSIST']),
      resets: 0,
    });
    expect(back.ok && (back.trace.steps[1]!.world.user as { asid0: unknown }).asid0).toStrictEqual([new Tup([0, 1, 0])]);
  });
});

describe('a file that is not a trace gets a precise one-line reason', () => {
  const good = (): Record<string, unknown> => JSON.parse(itfText(fixtureTraces().overlap)) as Record<string, unknown>;
  const states = (j: Record<string, unknown>): Record<string, unknown>[] => j.states as Record<string, unknown>[];
  const cases: [string, (j: Record<string, unknown>) => unknown, RegExp][] = [
    ['a list', () => [], /^not a vdpa-mc trace: \(top level\): expected an object, got a list$/],
    ['no #meta', (j) => ({ vars: j.vars, states: j.states }), /#meta: missing \(expected an object\)/],
    ['another format', (j) => ({ ...j, '#meta': { ...(j['#meta'] as object), format: 'TLA' } }), /#meta\.format: expected "ITF", got a string/],
    ['a plain ITF file', () => ({ '#meta': { format: 'ITF' }, vars: [], states: [] }), /an ITF file, but not a vdpa-mc trace/],
    ['a future layout', (j) => ({ ...j, '#meta': { ...(j['#meta'] as object), 'vdpa-mc-trace': 9 } }), /layout version 9 is not supported/],
    ['no invariant', (j) => ({ ...j, '#meta': { ...(j['#meta'] as object), invariant: undefined } }), /#meta\.invariant: missing \(expected a string\)/],
    ['ret a number', (j) => (states(j)[1]!.ret = 5, j), /states\[1\]\.ret: expected a string, got the number 5/],
    ['a var missing', (j) => (delete states(j)[2]!.kernel, j), /states\[2\]\.kernel: missing \(every state sets every var\)/],
    ['an extra var', (j) => (states(j)[1]!.bogus = 1, j), /states\[1\]\.bogus: not one of the trace's vars/],
    ['index out of order', (j) => ((states(j)[1]!['#meta'] as Record<string, unknown>).index = 7, j), /states\[1\]\.#meta\.index: expected 1, got 7/],
    ['a bad #bigint', (j) => ((states(j)[1]!.device as Record<string, unknown>).dmaMask = { '#bigint': '12a' }, j), /states\[1\]\.device\.dmaMask\.#bigint: "12a" is not an integer/],
    ['a float', (j) => ((states(j)[1]!.kernel as Record<string, unknown>).resets = 1.5, j), /states\[1\]\.kernel\.resets: 1\.5 is not an integer/],
    ['an unsafe plain integer', (j) => ((states(j)[1]!.kernel as Record<string, unknown>).resets = 2 ** 60, j), /beyond 2\^53: ITF wants \{"#bigint"/],
    ['a #map pair of three', (j) => ((states(j)[1]!.kernel as Record<string, unknown>).iotlb = { '#map': [[0, 1, 2]] }, j), /states\[1\]\.kernel\.iotlb\.#map\[0\]: expected a \[key, value\] pair, got 3 elements/],
    ['a form with company', (j) => ((states(j)[1]!.kernel as Record<string, unknown>).resets = { '#bigint': '1', x: 1 }, j), /an ITF #bigint object must have no other field/],
    ['an unknown form', (j) => ((states(j)[1]!.kernel as Record<string, unknown>).resets = { '#float': '1' }, j), /unknown ITF form #float/],
    ['no ret var', (j) => ({ ...j, vars: (j.vars as string[]).filter((v) => v !== 'ret') }), /vars: "ret" is missing/],
    ['no states', (j) => ({ ...j, states: [] }), /states: a trace has at least its initial state/],
    ['a view field not a string', (j) => (((states(j)[0]!['#meta'] as { view: { fields: { value: unknown }[] }[] }).view[0]!.fields[0]!.value = 3), j), /states\[0\]\.#meta\.view\[0\]\.fields\[0\]\.value: expected a string, got the number 3/],
    ['a loop', (j) => ({ ...j, loop: 0 }), /loop: a vdpa-mc trace is finite/],
  ];
  test.each(cases)('%s', (_name, mutate, reason) => {
    const r = fromItf(mutate(good()));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(reason);
    expect(r.error).not.toContain('\n');
  });

  test('text that is not JSON, truncated or empty', () => {
    const truncated = parseItf(readFileSync(join(FIXTURES_DIR, 'truncated.itf.json'), 'utf8'));
    expect(truncated).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON \(.+\)$/) });
    expect(parseItf('  ')).toEqual({ ok: false, error: 'not JSON (the file is empty)' });
  });
});
