// The values a model's worldToJson/actionToJson may hold, and what ITF can carry: plain JSON
// (records, lists, strings, booleans, safe integers, null), plus bigint, Map (ITF #map), Set
// (ITF #set) and Tup (ITF #tup, since a JS array is a list). Canonical comparison lives here too,
// because replay compares worlds that went through a file with worlds computed afresh.

/** A tuple, as opposed to a list (ITF distinguishes `{"#tup": [...]}` from `[...]`). */
export class Tup {
  readonly items: readonly TraceValue[];
  constructor(items: readonly TraceValue[]) {
    this.items = items;
  }
}

/** Builds a tuple: `tup(0, 2, 'h0')`. */
export function tup(...items: TraceValue[]): Tup {
  return new Tup(items);
}

export type TraceValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Tup
  | readonly TraceValue[]
  | ReadonlyMap<TraceValue, TraceValue>
  | ReadonlySet<TraceValue>
  | { readonly [key: string]: TraceValue };

export type TraceRecord = { readonly [key: string]: TraceValue };

function isPlainRecord(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A canonical string of a value: equal values (in the sense replay needs) give equal strings.
 * An integer number and a bigint of the same value are equal (a file stores big ones as #bigint);
 * record keys are sorted; Map and Set entries are sorted by their canonical form.
 */
export function canonical(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isSafeInteger(v) ? `i${v}` : Number.isInteger(v) ? `i${BigInt(v).toString()}` : `f${String(v)}`;
    case 'bigint':
      return `i${v.toString()}`;
    case 'string':
      return JSON.stringify(v);
    case 'object':
      break;
    default:
      return `?${typeof v}`;
  }
  if (v instanceof Tup) return `tup(${v.items.map(canonical).join(',')})`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => `${canonical(k)}:${canonical(x)}`).sort();
    return `map{${entries.join(',')}}`;
  }
  if (v instanceof Set) return `set{${[...v].map(canonical).sort().join(',')}}`;
  // Object.entries reads own properties only: a field named toString is data, not the prototype's.
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
}

/** Equality of two values as `canonical` defines it. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** The path and both sides of the first difference between two values ("kernel.iotlb[1]"), or undefined. */
export function firstDifference(a: unknown, b: unknown, path = ''): { path: string; a: string; b: string } | undefined {
  if (sameValue(a, b)) return undefined;
  const bothRecords =
    typeof a === 'object' && a !== null && typeof b === 'object' && b !== null &&
    isPlainRecord(a) && isPlainRecord(b);
  if (bothRecords) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
    for (const k of keys) {
      const d = firstDifference(own(ra, k), own(rb, k), path === '' ? k : `${path}.${k}`);
      if (d) return d;
    }
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
  }
  return { path: path === '' ? '(world)' : path, a: show(a), b: show(b) };
}

/** An own property, or undefined: never the prototype's (a world may have a field named toString). */
export function own(o: Readonly<Record<string, unknown>>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** A short, one-line rendering of a value for messages. */
export function show(v: unknown): string {
  const s = render(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function render(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (v instanceof Tup) return `<${v.items.map(render).join(', ')}>`;
  if (Array.isArray(v)) return `[${v.map(render).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${render(k)} -> ${render(x)}`).join(', ')}}`;
  if (v instanceof Set) return `{${[...v].map(render).join(', ')}}`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${render(x)}`).join(', ')}}`;
}
