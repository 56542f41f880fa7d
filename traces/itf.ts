// A Trace as ITF, the Informal Trace Format of Apalache and Quint (ADR-015,
// https://apalache-mc.org/docs/adr/015adr-trace.html), so ITF viewers and Quint-side tools read it.
//
// Layout: the state variables are the world's top-level fields plus `action` (the action's kind,
// "init" for the first state), `action_args` (model.actionToJson) and `ret` (what the caller saw,
// "" for the first state). Presentation data (label, internal reason, calls, the rendered view)
// goes in each state's `#meta`; the violation, configuration and lanes in the trace's `#meta`.
//
// Values: integers within ±(2^53−1) are plain JSON numbers (ADR-015 allows it); bigints are
// `{"#bigint": "..."}`; Map, Set and Tup become `#map`, `#set`, `#tup`; arrays are lists and plain
// objects records. ITF has no null, so null is `{"#unserializable": "null"}`; a state whose world
// lacks a field that others have gets `{"#unserializable": "absent"}` for it (ITF wants every var).
import { MAX_NESTING, printable, printableTrace, tooDeep, withoutBom } from './untrusted.js';
import type { CallRecord, CallView, FieldView, LayerView, StepOutcome } from './trace-model.js';
import { copyEvent } from './calls.js';
import type { Trace, TraceStep, TraceViolation, TraceWorld } from './trace.js';
import { own, Tup, type TraceValue } from './values.js';

export const ITF_FORMAT_DESCRIPTION = 'https://apalache-mc.org/docs/adr/015adr-trace.html';
/** Our own layout version inside ITF (bumped if the layout above changes). */
export const ITF_LAYOUT_VERSION = 1;
export const ACTION_VAR = 'action';
export const ARGS_VAR = 'action_args';
export const RET_VAR = 'ret';
const OUR_VARS = [ACTION_VAR, ARGS_VAR, RET_VAR] as const;

export type ItfValue =
  | boolean
  | string
  | number
  | readonly ItfValue[]
  | { readonly '#bigint': string }
  | { readonly '#tup': readonly ItfValue[] }
  | { readonly '#set': readonly ItfValue[] }
  | { readonly '#map': readonly (readonly [ItfValue, ItfValue])[] }
  | { readonly '#unserializable': string }
  | { readonly [field: string]: ItfValue };

export interface ItfState {
  readonly '#meta': Record<string, unknown>;
  readonly [variable: string]: unknown;
}

export interface ItfTrace {
  readonly '#meta': Record<string, unknown>;
  readonly vars: readonly string[];
  readonly states: readonly ItfState[];
}

/** A world or action that ITF cannot carry (a model bug: a float, a function, a '#' field). */
export class ItfEncodeError extends Error {
  override readonly name = 'ItfEncodeError';
}

// ---------------------------------------------------------------------------------------------
// Writing

export function encodeValue(v: unknown, path: string): ItfValue {
  if (v === null) return { '#unserializable': 'null' };
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      if (!Number.isInteger(v)) throw new ItfEncodeError(`${path}: ${v} is not an integer (ITF has no floats)`);
      return Number.isSafeInteger(v) ? v : { '#bigint': BigInt(v).toString() };
    case 'bigint':
      return { '#bigint': v.toString() };
    case 'object':
      break;
    default:
      throw new ItfEncodeError(`${path}: a ${typeof v} cannot be written as ITF`);
  }
  if (v instanceof Tup) return { '#tup': v.items.map((x, i) => encodeValue(x, `${path}[${i}]`)) };
  if (Array.isArray(v)) {
    return v.map((x, i) => {
      if (x === undefined) throw new ItfEncodeError(`${path}[${i}]: undefined in a list`);
      return encodeValue(x, `${path}[${i}]`);
    });
  }
  if (v instanceof Map) {
    return {
      '#map': [...v.entries()].map(([k, x], i) => [encodeValue(k, `${path}{key ${i}}`), encodeValue(x, `${path}{value ${i}}`)] as const),
    };
  }
  if (v instanceof Set) return { '#set': [...v].map((x, i) => encodeValue(x, `${path}{${i}}`)) };
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    throw new ItfEncodeError(`${path}: an instance of ${(v as object).constructor?.name ?? 'a class'} cannot be written as ITF`);
  }
  const out: [string, ItfValue][] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    if (k.startsWith('#')) throw new ItfEncodeError(`${path}.${k}: ITF record fields may not start with '#'`);
    out.push([k, encodeValue(x, path === '' ? k : `${path}.${k}`)]);
  }
  return Object.fromEntries(out);
}

function stepMeta(index: number, label: string, outcome: StepOutcome | undefined, w: TraceWorld): Record<string, unknown> {
  return {
    index,
    label,
    ...(outcome?.reason !== undefined ? { reason: outcome.reason } : {}),
    calls: (outcome?.calls ?? []).map((c) => ({ from: c.from, to: c.to, label: c.label })),
    ...(outcome?.events !== undefined ? { events: outcome.events.map(copyEvent) } : {}),
    view: w.view.map((l) => ({ layer: l.layer, fields: l.fields.map((f) => ({ name: f.name, value: f.value })) })),
  };
}

/** ITF wants every var in every state: a world without one of them says so with this marker. */
const ABSENT = { '#unserializable': 'absent' } as const;

function stateVars(w: TraceWorld, keys: readonly string[], path: string): Record<string, unknown> {
  // Own properties only, and defined as data: a field named toString, constructor or __proto__ is a
  // field (a plain `out[k] =` would set the prototype for __proto__).
  return Object.fromEntries(keys.map((k) => {
    const x = own(w.world, k);
    return [k, x === undefined ? ABSENT : encodeValue(x, `${path}.${k}`)];
  }));
}

/** The trace as an ITF object (plain JSON: JSON.stringify writes it). */
export function toItf(trace: Trace): ItfTrace {
  // The vars: every top-level field any world has, in order of first appearance.
  const keys: string[] = [];
  for (const w of [trace.init, ...trace.steps]) {
    for (const [k, v] of Object.entries(w.world)) if (v !== undefined && !keys.includes(k)) keys.push(k);
  }
  for (const k of keys) {
    if ((OUR_VARS as readonly string[]).includes(k) || k.startsWith('#')) {
      throw new ItfEncodeError(`world field '${k}' clashes with an ITF variable of the trace layout`);
    }
  }
  const v = trace.violation;
  const meta: Record<string, unknown> = {
    format: 'ITF',
    'format-description': ITF_FORMAT_DESCRIPTION,
    source: trace.source,
    description: `Counterexample to ${v.invariant} in ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'}, written by ${trace.source}`,
    'vdpa-mc-trace': ITF_LAYOUT_VERSION,
    invariant: v.invariant,
    message: v.message,
    ...(v.observation !== undefined ? { observation: v.observation } : {}),
    config: trace.config,
    lanes: [...trace.lanes],
    initIndex: trace.initIndex,
  };
  const states: ItfState[] = [
    {
      '#meta': stepMeta(0, 'init', undefined, trace.init),
      ...stateVars(trace.init, keys, 'states[0]'),
      [ACTION_VAR]: 'init',
      [ARGS_VAR]: {},
      [RET_VAR]: '',
    },
  ];
  for (const s of trace.steps) {
    const path = `states[${s.index}]`;
    states.push({
      '#meta': stepMeta(s.index, s.label, s.outcome, s),
      ...stateVars(s, keys, path),
      [ACTION_VAR]: s.kind,
      [ARGS_VAR]: encodeValue(s.action, `${path}.${ARGS_VAR}`),
      [RET_VAR]: s.outcome.ret,
    });
  }
  return { '#meta': meta, vars: [...keys, ...OUR_VARS], states };
}

/** The ITF text of a trace: two-space indented JSON with a final newline. */
export function itfText(trace: Trace): string {
  return `${JSON.stringify(toItf(trace), null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Reading: strict, with the JSON path of the first thing that is wrong.

export type ReadResult = { readonly ok: true; readonly trace: Trace } | { readonly ok: false; readonly error: string };

class ItfReadError extends Error {}

function fail(path: string, what: string): never {
  throw new ItfReadError(`${path}: ${what}`);
}

function kindOf(j: unknown): string {
  if (j === undefined) return 'nothing';
  if (j === null) return 'null';
  if (Array.isArray(j)) return 'a list';
  if (typeof j === 'object') return 'an object';
  if (typeof j === 'string') return 'a string';
  return `${typeof j === 'number' ? 'the number' : typeof j} ${String(j)}`;
}

function isObject(j: unknown): j is Record<string, unknown> {
  return typeof j === 'object' && j !== null && !Array.isArray(j);
}

function obj(j: unknown, path: string): Record<string, unknown> {
  if (!isObject(j)) fail(path, j === undefined ? 'missing (expected an object)' : `expected an object, got ${kindOf(j)}`);
  return j;
}

function str(j: unknown, path: string): string {
  if (typeof j !== 'string') fail(path, j === undefined ? 'missing (expected a string)' : `expected a string, got ${kindOf(j)}`);
  return j;
}

function arr(j: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(j)) fail(path, j === undefined ? 'missing (expected a list)' : `expected a list, got ${kindOf(j)}`);
  return j;
}

function int(j: unknown, path: string): number {
  if (typeof j !== 'number' || !Number.isSafeInteger(j)) fail(path, j === undefined ? 'missing (expected an integer)' : `expected an integer, got ${kindOf(j)}`);
  return j;
}

const FORMS = ['#bigint', '#tup', '#set', '#map', '#unserializable'] as const;

export function decodeValue(j: unknown, path: string): TraceValue {
  switch (typeof j) {
    case 'boolean':
    case 'string':
      return j;
    case 'number':
      if (!Number.isInteger(j)) fail(path, `${j} is not an integer (ITF has no floats)`);
      if (!Number.isSafeInteger(j)) fail(path, `${j} is beyond 2^53: ITF wants {"#bigint": "..."}`);
      return j;
    case 'object':
      break;
    default:
      fail(path, `unexpected ${j === undefined ? 'missing value' : typeof j}`);
  }
  if (j === null) fail(path, 'null is not an ITF value');
  if (Array.isArray(j)) return j.map((x, i) => decodeValue(x, `${path}[${i}]`));
  const o = j as Record<string, unknown>;
  const keys = Object.keys(o);
  const forms = keys.filter((k) => k.startsWith('#'));
  if (forms.length === 0) return Object.fromEntries(keys.map((k) => [k, decodeValue(own(o, k), `${path}.${k}`)]));
  const form = forms[0] as string;
  if (keys.length !== 1) fail(path, `an ITF ${form} object must have no other field (has ${keys.join(', ')})`);
  const body = own(o, form);
  switch (form as (typeof FORMS)[number]) {
    case '#bigint': {
      const s = str(body, `${path}.#bigint`);
      if (!/^-?[0-9]+$/.test(s)) fail(`${path}.#bigint`, `"${s}" is not an integer`);
      return BigInt(s);
    }
    case '#tup':
      return new Tup(arr(body, `${path}.#tup`).map((x, i) => decodeValue(x, `${path}.#tup[${i}]`)));
    case '#set':
      return new Set(arr(body, `${path}.#set`).map((x, i) => decodeValue(x, `${path}.#set[${i}]`)));
    case '#map':
      return new Map(
        arr(body, `${path}.#map`).map((pair, i) => {
          const p = arr(pair, `${path}.#map[${i}]`);
          if (p.length !== 2) fail(`${path}.#map[${i}]`, `expected a [key, value] pair, got ${p.length} elements`);
          return [decodeValue(p[0], `${path}.#map[${i}][0]`), decodeValue(p[1], `${path}.#map[${i}][1]`)] as const;
        }),
      );
    case '#unserializable':
      if (body !== 'null') fail(`${path}.#unserializable`, `only "null" is understood, got ${kindOf(body)}`);
      return null;
    default:
      return fail(path, `unknown ITF form ${form} (expected one of ${FORMS.join(', ')})`);
  }
}

function decodeRecord(j: unknown, path: string): Readonly<Record<string, unknown>> {
  const v = decodeValue(j, path);
  if (!isObject(v) || v instanceof Map || v instanceof Set || v instanceof Tup) fail(path, `expected a record, got ${kindOf(j)}`);
  return v;
}

function readCalls(j: unknown, path: string): CallView[] {
  return arr(j, path).map((c, i) => {
    const o = obj(c, `${path}[${i}]`);
    return { from: str(o.from, `${path}[${i}].from`), to: str(o.to, `${path}[${i}].to`), label: str(o.label, `${path}[${i}].label`) };
  });
}

/** The structured call events of a step (traces/calls.ts copyEvent's shape); absent in traces that predate them. */
function readEvents(j: unknown, path: string): CallRecord[] {
  return arr(j, path).map((c, i) => {
    const p = `${path}[${i}]`;
    const o = obj(c, p);
    for (const k of Object.keys(o)) if (!EVENT_FIELDS.includes(k)) fail(`${p}.${k}`, 'not a field of a call event');
    const pages = (x: unknown, q: string): number[] => arr(x, q).map((h, k) => int(h, `${q}[${k}]`));
    let args: Record<string, string | number> | undefined;
    if (o.args !== undefined) {
      args = {};
      for (const [k, v] of Object.entries(obj(o.args, `${p}.args`))) {
        if (typeof v !== 'string' && typeof v !== 'number') fail(`${p}.args.${k}`, `expected a string or a number, got ${kindOf(v)}`);
        args[k] = v;
      }
    }
    if (o.ignored !== undefined && typeof o.ignored !== 'boolean') fail(`${p}.ignored`, `expected a boolean, got ${kindOf(o.ignored)}`);
    return {
      caller: str(o.caller, `${p}.caller`),
      callee: str(o.callee, `${p}.callee`),
      fn: str(o.fn, `${p}.fn`),
      ...(args !== undefined ? { args } : {}),
      ...(o.ret !== undefined ? { ret: str(o.ret, `${p}.ret`) } : {}),
      ...(o.ignored !== undefined ? { ignored: o.ignored as boolean } : {}),
      ...(o.pinned !== undefined ? { pinned: pages(o.pinned, `${p}.pinned`) } : {}),
      ...(o.unpinned !== undefined ? { unpinned: pages(o.unpinned, `${p}.unpinned`) } : {}),
      ...(o.note !== undefined ? { note: str(o.note, `${p}.note`) } : {}),
    };
  });
}
const EVENT_FIELDS = ['caller', 'callee', 'fn', 'args', 'ret', 'ignored', 'pinned', 'unpinned', 'note'];

function readView(j: unknown, path: string): LayerView[] {
  return arr(j, path).map((l, i) => {
    const o = obj(l, `${path}[${i}]`);
    const fields: FieldView[] = arr(o.fields, `${path}[${i}].fields`).map((f, k) => {
      const fo = obj(f, `${path}[${i}].fields[${k}]`);
      return { name: str(fo.name, `${path}[${i}].fields[${k}].name`), value: str(fo.value, `${path}[${i}].fields[${k}].value`) };
    });
    return { layer: str(o.layer, `${path}[${i}].layer`), fields };
  });
}

/** Plain JSON check for `#meta.config` (stored as is, not ITF-encoded). */
function plainJson(j: unknown, path: string): void {
  if (j === null || typeof j === 'boolean' || typeof j === 'string') return;
  if (typeof j === 'number') {
    if (!Number.isFinite(j)) fail(path, 'not a finite number');
    return;
  }
  if (Array.isArray(j)) {
    j.forEach((x, i) => plainJson(x, `${path}[${i}]`));
    return;
  }
  if (isObject(j)) {
    for (const [k, x] of Object.entries(j)) plainJson(x, `${path}.${k}`);
    return;
  }
  fail(path, `unexpected ${typeof j}`);
}

function isAbsent(j: unknown): boolean {
  return isObject(j) && Object.keys(j).length === 1 && j['#unserializable'] === 'absent';
}

function readTrace(j: unknown): Trace {
  const root = obj(j, '(top level)');
  const meta = obj(root['#meta'], '#meta');
  if (meta.format !== 'ITF') fail('#meta.format', `expected "ITF", got ${meta.format === undefined ? 'nothing' : kindOf(meta.format)}`);
  const layout = meta['vdpa-mc-trace'];
  if (layout === undefined) fail('#meta', 'an ITF file, but not a vdpa-mc trace (no "vdpa-mc-trace" field)');
  if (layout !== ITF_LAYOUT_VERSION) fail('#meta.vdpa-mc-trace', `layout version ${String(layout)} is not supported (this vdpa-mc reads ${ITF_LAYOUT_VERSION})`);
  const source = str(meta.source, '#meta.source');
  const invariant = str(meta.invariant, '#meta.invariant');
  const message = str(meta.message, '#meta.message');
  const observation = meta.observation === undefined ? undefined : str(meta.observation, '#meta.observation');
  const config = obj(meta.config, '#meta.config');
  plainJson(config, '#meta.config');
  const lanes = arr(meta.lanes, '#meta.lanes').map((l, i) => str(l, `#meta.lanes[${i}]`));
  const initIndex = int(meta.initIndex, '#meta.initIndex');
  if (initIndex < 0) fail('#meta.initIndex', `expected a non-negative integer, got ${initIndex}`);
  if (root.params !== undefined && arr(root.params, 'params').length > 0) fail('params', 'a vdpa-mc trace has no parameters');
  if (root.loop !== undefined) fail('loop', 'a vdpa-mc trace is finite (no loop)');
  for (const k of Object.keys(root)) {
    if (!['#meta', 'vars', 'states', 'params', 'loop'].includes(k)) fail(k, 'not a field of an ITF trace');
  }

  const vars = arr(root.vars, 'vars').map((v, i) => str(v, `vars[${i}]`));
  if (new Set(vars).size !== vars.length) fail('vars', 'a variable is listed twice');
  for (const v of OUR_VARS) if (!vars.includes(v)) fail('vars', `"${v}" is missing`);
  const worldKeys = vars.filter((v) => !(OUR_VARS as readonly string[]).includes(v));
  const states = arr(root.states, 'states');
  if (states.length === 0) fail('states', 'a trace has at least its initial state');

  let init: TraceWorld | undefined;
  const steps: TraceStep[] = [];
  states.forEach((sj, i) => {
    const p = `states[${i}]`;
    const so = obj(sj, p);
    const sm = obj(so['#meta'], `${p}.#meta`);
    if (int(sm.index, `${p}.#meta.index`) !== i) fail(`${p}.#meta.index`, `expected ${i}, got ${String(sm.index)}`);
    for (const k of Object.keys(so)) if (k !== '#meta' && !vars.includes(k)) fail(`${p}.${k}`, 'not one of the trace\'s vars');
    for (const v of vars) if (!Object.hasOwn(so, v)) fail(`${p}.${v}`, 'missing (every state sets every var)');
    const present = worldKeys.filter((k) => !isAbsent(own(so, k)));
    const world = Object.fromEntries(present.map((k) => [k, decodeValue(own(so, k), `${p}.${k}`)]));
    const view = readView(sm.view, `${p}.#meta.view`);
    const label = str(sm.label, `${p}.#meta.label`);
    const calls = readCalls(sm.calls, `${p}.#meta.calls`);
    const events = sm.events === undefined ? undefined : readEvents(sm.events, `${p}.#meta.events`);
    const reason = sm.reason === undefined ? undefined : str(sm.reason, `${p}.#meta.reason`);
    const kind = str(so[ACTION_VAR], `${p}.${ACTION_VAR}`);
    const action = decodeRecord(so[ARGS_VAR], `${p}.${ARGS_VAR}`);
    const ret = str(so[RET_VAR], `${p}.${RET_VAR}`);
    if (i === 0) {
      if (kind !== 'init') fail(`${p}.${ACTION_VAR}`, `the first state's action is "init", got "${kind}"`);
      init = { world, view };
      return;
    }
    const outcome: StepOutcome = { ret, ...(reason !== undefined ? { reason } : {}), calls, ...(events !== undefined ? { events } : {}) };
    steps.push({ index: i, kind, label, action, outcome, world, view });
  });
  const violation: TraceViolation = observation !== undefined ? { invariant, message, observation } : { invariant, message };
  return { source, config, lanes, initIndex, init: init as TraceWorld, steps, violation };
}

/** Reads a parsed ITF object back into a Trace; `error` is one line naming where and what. */
export function fromItf(json: unknown): ReadResult {
  try {
    return { ok: true, trace: readTrace(json) };
  } catch (e) {
    if (e instanceof ItfReadError) return { ok: false, error: `not a vdpa-mc trace: ${e.message}` };
    throw e;
  }
}

/** Parses ITF text (a file's content), then reads it. */
export function parseItf(text: string): ReadResult {
  let json: unknown;
  try {
    json = JSON.parse(withoutBom(text));
  } catch (e) {
    const why = e instanceof Error ? printable(e.message.split('\n')[0]!) : String(e);
    return { ok: false, error: `not JSON (${text.trim() === '' ? 'the file is empty' : why})` };
  }
  const deep = tooDeep(json);
  if (deep !== undefined) return { ok: false, error: `not a vdpa-mc trace: ${printable(deep).slice(0, 80)}…: nested deeper than ${MAX_NESTING} levels` };
  const r = fromItf(json);
  // what a file says is printed (trace show, replay): no escape sequence of its own
  return r.ok ? { ok: true, trace: printableTrace(r.trace) } : { ok: false, error: printable(r.error) };
}
