// A trace file is input from anyone (issue 11): before it is read, a UTF-8 BOM is dropped and
// nesting deeper than any trace needs is refused (the readers recurse: 20,000 levels would be a
// RangeError); before it is printed, escape sequences and control characters in its strings are
// stripped, so a crafted label cannot rewrite the terminal.

/** Deeper than any vdpa-mc or vfio trace nests (a world's map of tuples is under 10 levels). */
export const MAX_NESTING = 64;

/** The text without a leading U+FEFF (editors on Windows write one). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The path of the first value nested deeper than `limit` in parsed JSON, or undefined. Iterative. */
export function tooDeep(json: unknown, limit = MAX_NESTING): string | undefined {
  const stack: [unknown, number, string][] = [[json, 0, '(top level)']];
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limit) return path;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, depth + 1, `${path}[${i}]`]));
    else for (const [k, x] of Object.entries(v)) stack.push([x, depth + 1, path === '(top level)' ? k : `${path}.${k}`]);
  }
  return undefined;
}

// CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), other two-byte escapes, then any C0/C1
// control character but tab and newline.
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]?|\u009b[0-?]*[ -/]*[@-~]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `s` with escape sequences and control characters (but tab and newline) removed. */
export function printable(s: string): string {
  return s.replace(ESCAPES, '');
}

/**
 * Every string of a trace made printable, but those of the worlds and actions (replay compares
 * them with the model's: they are data, not text). Plain objects and arrays only; a trace read
 * from a file is one (tooDeep bounded its nesting).
 */
export function printableTrace<T>(trace: T): T {
  const walk = (v: unknown, key: string): unknown => {
    if (key === 'world' || key === 'action') return v;
    if (typeof v === 'string') return printable(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, ''));
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(trace, '') as T;
}
