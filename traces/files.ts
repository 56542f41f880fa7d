// A trace on disk: `check --out DIR` writes <invariant>.itf.json, .txt and .html; `trace ...`
// reads the .itf.json back. Reading never throws: a missing or malformed file is one line.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { renderHtml } from './html.js';
import { itfText, parseItf, type ReadResult } from './itf.js';
import { renderText } from './text.js';
import { type Trace, traceStem } from './trace.js';

export interface TracePaths {
  readonly itf: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Writes the three files of a trace into `dir` (created if missing); the text file is plain (no
 * colour). A variant's path is written relative to `dir` (withVariantRelativeTo).
 */
export async function writeTraceFiles(dir: string, found: Trace): Promise<TracePaths> {
  await mkdir(dir, { recursive: true });
  const trace = withVariantRelativeTo(found, dir);
  const paths = tracePaths(dir, trace);
  await writeWhole(paths.itf, itfText(trace));
  await writeWhole(paths.text, renderText(trace, { color: false }));
  await writeWhole(paths.html, renderHtml(trace));
  return paths;
}

/** The same, synchronously (for callers that write as they print). */
export function writeTraceFilesSync(dir: string, found: Trace): TracePaths {
  mkdirSync(dir, { recursive: true });
  const trace = withVariantRelativeTo(found, dir);
  const paths = tracePaths(dir, trace);
  for (const [p, text] of [[paths.itf, itfText(trace)], [paths.text, renderText(trace, { color: false })], [paths.html, renderHtml(trace)]] as const) {
    const tmp = tempName(p);
    writeFileSync(tmp, text);
    renameSync(tmp, p);
  }
  return paths;
}

/**
 * The trace with its variant path (`#meta.config.variant.path`) made relative to `dir` (where the
 * trace, or a test embedding it, is written), so that a folder of traces and variants can move.
 * Anything but an absolute path is left as it is (systems/trace-config.ts validates the record).
 */
export function withVariantRelativeTo(trace: Trace, dir: string): Trace {
  const v = trace.config['variant'];
  if (typeof v !== 'object' || v === null) return trace;
  const path = (v as Record<string, unknown>)['path'];
  if (typeof path !== 'string' || !isAbsolute(path)) return trace;
  let rel = relative(resolve(dir), path).split(sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return { ...trace, config: { ...trace.config, variant: { ...v, path: rel } } };
}

let tempCounter = 0;
const tempName = (p: string): string => `${p}.${process.pid}.${tempCounter++}.tmp`;

/** Written whole or not at all (temp + rename): a reader, or a run sharing the folder, never sees half a file. */
export async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = tempName(path);
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Where writeTraceFiles puts the files of `trace` under `dir`. */
export function tracePaths(dir: string, trace: Trace): TracePaths {
  const stem = traceStem(trace);
  return { itf: join(dir, `${stem}.itf.json`), text: join(dir, `${stem}.txt`), html: join(dir, `${stem}.html`) };
}

/** The largest input file read (a trace, a shard result): far above any real one, below V8's string limit. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Why `path` cannot be read as an input file, or undefined: only a regular file of at most
 * MAX_INPUT_BYTES is read (/dev/zero or a FIFO would be read until memory runs out).
 */
export function inputFileProblem(path: string): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    return errnoWhy(e);
  }
  if (st.isDirectory()) return 'is a directory';
  if (!st.isFile()) return 'not a regular file';
  if (st.size > MAX_INPUT_BYTES) return `larger than ${MAX_INPUT_BYTES / 2 ** 20} MiB`;
  return undefined;
}

function errnoWhy(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(e));
}

/** An input file's text (a UTF-8 BOM skipped), or why it cannot be read, in one line. */
export function readInputText(path: string): { ok: true; text: string } | { ok: false; error: string } {
  const problem = inputFileProblem(path);
  if (problem !== undefined) return { ok: false, error: `${path}: cannot read (${problem})` };
  try {
    const text = readFileSync(path, 'utf8');
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    return { ok: false, error: `${path}: cannot read (${errnoWhy(e)})` };
  }
}

/** Reads a trace file; the error says which file and what is wrong, in one line. */
export async function readTraceFile(path: string): Promise<ReadResult> {
  const problem = inputFileProblem(path);
  if (problem !== undefined) return { ok: false, error: `${path}: cannot read (${problem})` };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { ok: false, error: `${path}: cannot read (${errnoWhy(e)})` };
  }
  const r = parseItf(text);
  return r.ok ? r : { ok: false, error: `${path}: ${r.error}` };
}
