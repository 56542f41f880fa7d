// Does a world fit its schema? What the codec's checked mode and the engine's first successors go
// through (fingerprint.ts) before the fast encoder, which checks only what would merge worlds.
// A walk over the schema rather than generated code: it runs on a few hundred worlds per search,
// and a generated checker the size of the world's encoder cost V8 ~90 ms to optimise on
// mapchange N=20 (`node --trace-opt`), on a search of 0.2 s (bench/peers/notes.md, 2026-12-03).
import type { Schema } from './schema.js';
import type { BoolSchema, EnumSchema, IntSchema, ListSchema, ArraySchema, StructSchema } from './schema.js';

type Node = BoolSchema | IntSchema | EnumSchema<string> | ArraySchema<unknown> | ListSchema<unknown> | StructSchema<Record<string, unknown>>;

/** The error the codec throws for a value that does not fit: where, what it is, what was expected. */
export function schemaMismatch(path: string, value: unknown, expected: string): never {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new Error(`schema mismatch at world${path}: ${shown} is not ${expected}`);
}

/** True when `v` fits node `n` (the walk without paths: the common case builds no strings). */
function fits(n: Node, v: unknown): boolean {
  switch (n.tag) {
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
      return Number.isInteger(v) && (v as number) >= n.min && (v as number) <= n.max;
    case 'enum':
      return n.values.includes(v as string);
    case 'struct': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      const fields = n.fields as Record<string, Node>;
      let count = 0;
      for (const key in fields) {
        count++;
        if (!fits(fields[key]!, (v as Record<string, unknown>)[key])) return false;
      }
      return Object.keys(v).length === count;
    }
    case 'array':
    case 'list': {
      if (!Array.isArray(v) || (n.tag === 'array' ? v.length !== n.length : v.length > n.maxLength)) return false;
      for (let i = 0; i < v.length; i++) if (!fits(n.elem as Node, v[i])) return false;
      return true;
    }
  }
}

/** The first mismatch of `v` against node `n` at `path`, in schema order (undefined: it fits). */
function mismatch(n: Node, v: unknown, path: string): [string, unknown, string] | undefined {
  switch (n.tag) {
    case 'bool':
      return typeof v === 'boolean' ? undefined : [path, v, 'a boolean'];
    case 'int':
      return Number.isInteger(v) && (v as number) >= n.min && (v as number) <= n.max ? undefined : [path, v, `an int in [${n.min}, ${n.max}]`];
    case 'enum':
      return n.values.includes(v as string) ? undefined : [path, v, 'one of ' + n.values.join(', ')];
    case 'struct': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return [path, v, 'an object'];
      const keys = Object.keys(n.fields);
      if (Object.keys(v).length !== keys.length) return [path, Object.keys(v).join(','), 'exactly the keys ' + keys.join(',')];
      for (const key of keys) {
        const m = mismatch((n.fields as Record<string, Node>)[key]!, (v as Record<string, unknown>)[key], `${path}.${key}`);
        if (m !== undefined) return m;
      }
      return undefined;
    }
    case 'array':
    case 'list': {
      if (!Array.isArray(v)) return [path, v, 'an array'];
      if (n.tag === 'array' && v.length !== n.length) return [path, v.length, `an array of exactly ${n.length} elements`];
      if (n.tag === 'list' && v.length > n.maxLength) return [path, v.length, `a list of at most ${n.maxLength} elements`];
      for (let i = 0; i < v.length; i++) {
        const m = mismatch(n.elem as Node, v[i], `${path}[${i}]`);
        if (m !== undefined) return m;
      }
      return undefined;
    }
  }
}

/** A checker of worlds against `schema`: throws a 'schema mismatch at world<path>' Error on the first that does not fit. */
export function compileSchemaCheck<S>(schema: Schema<S>): (w: S) => void {
  const root = schema as unknown as Node;
  return (w: S): void => {
    if (fits(root, w)) return;
    const m = mismatch(root, w, '');
    if (m !== undefined) schemaMismatch(...m);
  };
}
