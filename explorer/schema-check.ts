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

/** Where a value does not fit (the path below the node checked: filled on the way out), what it is, what was expected. */
interface Mismatch {
  path: string;
  readonly value: unknown;
  readonly expected: string;
}

const miss = (value: unknown, expected: string): Mismatch => ({ path: '', value, expected });

/**
 * The first mismatch of `v` against node `n`, in schema order, or undefined when it fits. The path
 * is built only for a mismatch, as the walk returns through it: a world that fits costs no strings.
 */
function mismatch(n: Node, v: unknown): Mismatch | undefined {
  switch (n.tag) {
    case 'bool':
      return typeof v === 'boolean' ? undefined : miss(v, 'a boolean');
    case 'int':
      return Number.isInteger(v) && (v as number) >= n.min && (v as number) <= n.max ? undefined : miss(v, `an int in [${n.min}, ${n.max}]`);
    case 'enum':
      return n.values.includes(v as string) ? undefined : miss(v, 'one of ' + n.values.join(', '));
    case 'struct': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return miss(v, 'an object');
      const keys = Object.keys(n.fields);
      if (Object.keys(v).length !== keys.length) return miss(Object.keys(v).join(','), 'exactly the keys ' + keys.join(','));
      for (const key of keys) {
        const m = mismatch((n.fields as Record<string, Node>)[key]!, (v as Record<string, unknown>)[key]);
        if (m !== undefined) {
          m.path = `.${key}${m.path}`;
          return m;
        }
      }
      return undefined;
    }
    case 'array':
    case 'list': {
      if (!Array.isArray(v)) return miss(v, 'an array');
      if (n.tag === 'array' && v.length !== n.length) return miss(v.length, `an array of exactly ${n.length} elements`);
      if (n.tag === 'list' && v.length > n.maxLength) return miss(v.length, `a list of at most ${n.maxLength} elements`);
      for (let i = 0; i < v.length; i++) {
        const m = mismatch(n.elem as Node, v[i]);
        if (m !== undefined) {
          m.path = `[${i}]${m.path}`;
          return m;
        }
      }
      return undefined;
    }
  }
}

/** A checker of worlds against `schema`: throws a 'schema mismatch at world<path>' Error on the first that does not fit. */
export function schemaChecker<S>(schema: Schema<S>): (w: S) => void {
  const root = schema as unknown as Node;
  return (w: S): void => {
    const m = mismatch(root, w);
    if (m !== undefined) schemaMismatch(m.path, m.value, m.expected);
  };
}
