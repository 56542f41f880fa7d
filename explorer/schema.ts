// A model describes its world's shape once; the engine compiles from it an encoder
// (world -> Int32 words, canonical: same world, same words) and a decoder (words -> world).
// Only plain data: integers, booleans, string enums, fixed arrays, bounded lists, structs.
// Canonical order (e.g. sorted interval lists) is the model's responsibility.

export type Schema<T> =
  [T] extends [boolean] ? BoolSchema
  : [T] extends [number] ? IntSchema
  : [T] extends [string] ? EnumSchema<T>
  : [T] extends [readonly (infer E)[]] ? ArraySchema<E> | ListSchema<E>
  : [T] extends [object] ? StructSchema<T>
  : never;

export interface BoolSchema { readonly tag: 'bool' }
/** An integer in [min, max]: the codec packs it into just the bits that range needs, and refuses a value outside it. */
export interface IntSchema { readonly tag: 'int'; readonly min: number; readonly max: number }
export interface EnumSchema<T extends string> { readonly tag: 'enum'; readonly values: readonly T[] }
/** Exactly `length` elements. */
export interface ArraySchema<E> { readonly tag: 'array'; readonly elem: Schema<E>; readonly length: number }
/** Between 0 and `maxLength` elements (encoded with a length prefix). */
export interface ListSchema<E> { readonly tag: 'list'; readonly elem: Schema<E>; readonly maxLength: number }
export interface StructSchema<T> { readonly tag: 'struct'; readonly fields: { readonly [K in keyof T]: Schema<T[K]> } }

export const s = {
  bool: (): BoolSchema => ({ tag: 'bool' }),
  int: (min = -0x80000000, max = 0x7fffffff): IntSchema => ({ tag: 'int', min, max }),
  enum: <T extends string>(values: readonly T[]): EnumSchema<T> => ({ tag: 'enum', values }),
  array: <E>(elem: Schema<E>, length: number): ArraySchema<E> => ({ tag: 'array', elem, length }),
  list: <E>(elem: Schema<E>, maxLength: number): ListSchema<E> => ({ tag: 'list', elem, maxLength }),
  struct: <T>(fields: { readonly [K in keyof T]: Schema<T[K]> }): StructSchema<T> => ({ tag: 'struct', fields }),
};
