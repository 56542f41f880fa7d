// Loading a variant module (`--kernel ./my-patch.ts`, vdpa or vfio): user code, so it is contained.
//   1. bundled with esbuild (no build step; syntax errors and missing imports are one line);
//   2. type-checked against the published variant types (`vdpa-mc/variant`) with the TypeScript
//      compiler, once per content (cached by hash): `bit('ENABLE_AFTER_DRIVEROK')` is refused here;
//   3. evaluated under a deadline (node:vm with a timeout): a loop at import cannot hang the run.
// The one `isVariantPath` and the one loader of the project; the systems resolve what it exports.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { UsageError } from '../spec/config.js';

/** A `--kernel` value naming a module: has a '/' or a .ts/.js (.mts/.mjs) suffix. */
export function isVariantPath(value: string): boolean {
  return value.includes('/') || value.includes(sep) || /\.(ts|js|mts|mjs|cts|cjs)$/.test(value);
}

/** The package root: two levels up from systems/ (source) or dist/systems/ (built). */
const HERE = dirname(fileURLToPath(import.meta.url));
export const PACKAGE_ROOT = basename(dirname(HERE)) === 'dist' ? dirname(dirname(HERE)) : dirname(HERE);
const BUILT = basename(dirname(HERE)) === 'dist';
/** The published variant API, as source (a clone) or as declarations (an installed package). */
const API_TYPES = BUILT ? join(PACKAGE_ROOT, 'dist/api/variant.d.ts') : join(PACKAGE_ROOT, 'api/variant.ts');
/** The files a variant may import the API from, whatever copy: all resolve to the running one. */
const API_FILES = new Set(
  ['api/variant', 'systems/vdpa/variant', 'systems/vfio/variant', 'dist/api/variant', 'dist/systems/vdpa/variant', 'dist/systems/vfio/variant']
    .flatMap((f) => ['.ts', '.js'].map((x) => join(PACKAGE_ROOT, f + x))),
);
export const API_SPECIFIER = 'vdpa-mc/variant';

export interface VariantModule {
  /** The path as given. */
  readonly path: string;
  readonly abs: string;
  /** sha256 of the module's own source and of every local file it imports (hex, 64). */
  readonly hash: string;
  /** The module's exports (CommonJS shape: `default`, named ones). */
  readonly exports: Record<string, unknown>;
}

export interface LoadOptions {
  /** What `--kernel X` is called in messages. */
  readonly flag?: string;
  /** The deadline for evaluating the module (seconds): `--time-limit`. */
  readonly timeLimitSeconds: number;
  /** The runtime modules a variant imports the API as (`vdpa-mc/variant` and its source paths). */
  readonly api: Record<string, unknown>;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();

/** A readable regular file, or a one-line UsageError. */
export function checkReadable(path: string, what: string): string {
  const abs = isAbsolute(path) ? path : resolve(process.cwd(), path);
  let ok = false;
  try {
    accessSync(abs, constants.R_OK);
    ok = statSync(abs).isFile();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${what}: not a readable file`);
  return abs;
}

// ---- deadlines: node:vm's timeout terminates a synchronous loop; the caller gets an error ----

const deadlineContext = vm.createContext(Object.create(null) as object);
const runScript = new vm.Script('run()');

/** Thrown when the deadline passed while `fn` still ran (the code may be anywhere in `fn`). */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/**
 * Runs `fn` synchronously; if it has not returned after `ms`, V8 terminates it (whatever it runs:
 * an infinite loop in a variant op included) and DeadlineExceeded is thrown. No cost while it runs
 * but one watchdog thread.
 */
export function withDeadline<T>(ms: number, fn: () => T): T {
  const ctx = deadlineContext as { run?: () => T };
  const outer = ctx.run;
  ctx.run = fn;
  try {
    return runScript.runInContext(deadlineContext, { timeout: Math.max(1, Math.ceil(ms)) }) as T;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new DeadlineExceeded(`did not finish within ${ms} ms`);
    throw e;
  } finally {
    ctx.run = outer;
  }
}

// ---- which variant code runs now (a deadline that passes names it) ----

let runningOp: string | undefined;

/** Called by a contained variant op on entry; returns what to restore on exit. */
export function enterVariantOp(label: string): string | undefined {
  const outer = runningOp;
  runningOp = label;
  return outer;
}
export function leaveVariantOp(outer: string | undefined): void {
  runningOp = outer;
}

/** A thrown error that carries the step it happened at (the engine's ModelStepError, structurally). */
interface StepError { readonly cause: unknown; readonly depth: number; readonly action: string | undefined }
const isStepError = (e: unknown): e is StepError =>
  e instanceof Error && e.name === 'ModelStepError' && typeof (e as { depth?: unknown }).depth === 'number';

/**
 * Runs a search that may call variant code: the time limit holds even against a variant op that
 * never returns (a deadline of the limit plus a grace: the engine's own clock stops it first when it
 * can), and the variant's errors come out as one UsageError line (exit 2) naming the step.
 */
export function runWithVariant<T>(variant: string, timeLimitSeconds: number, fn: () => T): T {
  runningOp = undefined;
  try {
    return withDeadline(timeLimitSeconds * 1000 * 1.1 + 2000, fn);
  } catch (e) {
    if (e instanceof DeadlineExceeded) {
      const op = runningOp;
      runningOp = undefined;
      throw new UsageError(op !== undefined
        ? `${op} did not return within --time-limit ${timeLimitSeconds} s`
        : `${variant}: the search did not stop within --time-limit ${timeLimitSeconds} s`);
    }
    if (isStepError(e) && (e.cause instanceof UsageError || (e.cause instanceof Error && e.cause.name === 'UsageError'))) {
      const c = e.cause as Error;
      throw new UsageError(`${c.message} (step ${e.depth}${e.action !== undefined ? `: ${e.action}` : ''})`);
    }
    throw e;
  } finally {
    runningOp = undefined;
  }
}

/** How messages name a loaded variant: `variant NAME (PATH)`. */
export function variantLabel(v: { readonly name: string; readonly path: string }): string {
  return `variant ${v.name} (${v.path})`;
}

/**
 * The model with runWithVariant as its guard (Model.contain): the chunked search (worker threads,
 * shards, checkpoints) runs each chunk under it, on whichever thread expands the chunk, so the
 * deadline and the variant's errors hold there as in the one-core search.
 */
export function containedModel<M extends object>(model: M, variant: string, timeLimitSeconds: number): M {
  const contain = <T>(run: () => T): T => runWithVariant(variant, timeLimitSeconds, run);
  // the model's own methods and fields through the prototype: models are classes or closures
  return Object.assign(Object.create(model) as M, { contain });
}

// ---- bundling ----

interface Bundle { readonly code: string; readonly inputs: readonly string[] }

async function bundle(abs: string, where: string): Promise<Bundle> {
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [abs],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
      plugins: [{
        name: 'vdpa-mc-variant-api',
        setup(b) {
          // Every copy of the variant API is the running one (call log, kind tags, one module).
          b.onResolve({ filter: /^vdpa-mc\/variant$/ }, () => ({ path: API_SPECIFIER, external: true }));
          b.onResolve({ filter: /variant(\.js|\.ts)?$/ }, (args) => {
            if (!args.path.startsWith('.') && !isAbsolute(args.path)) return undefined;
            const p = resolve(args.resolveDir, args.path);
            const candidates = [p, p.replace(/\.js$/, '.ts'), `${p}.ts`, `${p}.js`];
            return candidates.some((c) => API_FILES.has(c)) ? { path: API_SPECIFIER, external: true } : undefined;
          });
        },
      }],
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    const m = errors?.[0];
    if (m === undefined) throw new UsageError(`${where}: the variant module failed to load: ${firstLine(e)}`);
    const loc = m.location ? `${basename(m.location.file)}:${m.location.line}:${m.location.column}: ` : '';
    throw new UsageError(`${where}: the variant module failed to load: ${loc}ERROR: ${m.text.split('\n')[0]}`);
  }
  const code = result.outputFiles[0]!.text;
  const inputs = Object.keys(result.metafile.inputs).map((f) => resolve(f)).sort();
  return { code, inputs };
}

// ---- type-checking against the published types ----

const CACHE_VERSION = 'v1';

function cacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] ?? (homedir() !== '' ? join(homedir(), '.cache') : tmpdir());
  return join(base, 'vdpa-mc', 'typecheck');
}

/** The TypeScript compiler's entry (`tsc`), from the variant's project or from vdpa-mc's own. */
function findTsc(abs: string): string | undefined {
  for (const from of [abs, join(PACKAGE_ROOT, 'package.json')]) {
    try {
      const pkg = createRequire(from).resolve('typescript/package.json');
      const bin = join(dirname(pkg), 'bin', 'tsc');
      if (existsSync(bin)) return bin;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** Files of vdpa-mc itself: their diagnostics are not the variant's (skipLibCheck for the tool). */
function isToolFile(file: string): boolean {
  const rel = relative(PACKAGE_ROOT, file);
  if (rel.startsWith('..') || isAbsolute(rel)) return false;
  return /^(api|spec|model|invariants|explorer|traces|cli|systems|dist|node_modules)[\\/]/.test(rel);
}

/**
 * `tsc --noEmit` on the variant with `vdpa-mc/variant` mapped to the published API. Returns the
 * compiler's first diagnostic in the variant's own files, or undefined when it type-checks.
 * Success is cached by the hash of every input (so a variant is checked once per content).
 */
function typeCheck(abs: string, hash: string, where: string, warn: (line: string) => void): string | undefined {
  if (process.env['VDPA_MC_TYPECHECK'] === '0') return undefined;
  const marker = join(cacheDir(), hash);
  if (existsSync(marker)) return undefined;
  const tsc = findTsc(abs);
  if (tsc === undefined) {
    warn(`${where}: not type-checked: no TypeScript compiler found (npm install -D typescript next to the variant)`);
    return undefined;
  }
  const dir = join(tmpdir(), `vdpa-mc-typecheck-${process.pid}-${hash.slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, allowJs: true, checkJs: false, target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext',
      skipLibCheck: true, types: ['node'], typeRoots: [join(PACKAGE_ROOT, 'node_modules/@types')],
      paths: { [API_SPECIFIER]: [API_TYPES] },
    },
    files: [abs],
  }));
  const r = spawnSync(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  rmSync(dir, { recursive: true, force: true });
  if (r.error !== undefined) {
    warn(`${where}: not type-checked: ${firstLine(r.error)}`);
    return undefined;
  }
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => /\): error TS\d+:/.test(l));
  const own = lines.filter((l) => !isToolFile(resolve(dir, l.slice(0, l.indexOf('(')))));
  if (own.length > 0) {
    const l = own[0]!;
    const file = l.slice(0, l.indexOf('('));
    return `${basename(file)}${l.slice(file.length)}${own.length > 1 ? ` (and ${own.length - 1} more)` : ''}`;
  }
  try {
    mkdirSync(dirname(marker), { recursive: true });
    writeFileSync(marker, `${abs}\n`);
  } catch {
    // an unwritable cache only costs a check next time
  }
  return undefined;
}

// ---- evaluation ----

function evaluate(b: Bundle, abs: string, o: LoadOptions, where: string): Record<string, unknown> {
  const wrapper = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${b.code}\n})`, { filename: abs });
  const fn = wrapper.runInThisContext() as (e: unknown, r: (id: string) => unknown, m: { exports: unknown }, f: string, d: string) => void;
  const nodeRequire = createRequire(abs);
  const req = (id: string): unknown => (id === API_SPECIFIER ? o.api : nodeRequire(id));
  const module = { exports: {} as Record<string, unknown> };
  try {
    withDeadline(o.timeLimitSeconds * 1000, () => fn(module.exports, req, module, abs, dirname(abs)));
  } catch (e) {
    if (e instanceof DeadlineExceeded) {
      throw new UsageError(`${where}: the variant module did not finish loading within --time-limit ${o.timeLimitSeconds} s (a loop at import?)`);
    }
    const name = e instanceof Error && e.name !== 'Error' ? `${e.name}: ` : '';
    throw new UsageError(`${where}: the variant module failed to load: ${name}${firstLine(e)}`);
  }
  return module.exports;
}

const loaded = new Map<string, Promise<VariantModule>>();

/**
 * Bundles, type-checks and evaluates a variant module; every failure is one UsageError line
 * (exit 2). Loaded once per process, path and content.
 */
export function loadVariantModule(path: string, o: LoadOptions, warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<VariantModule> {
  const where = `${o.flag ?? '--kernel'} ${path}`;
  const abs = checkReadable(path, where);
  // Once per process, path and content (a module edited between two loads is loaded again).
  const key = `${abs}\0${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
  let p = loaded.get(key);
  if (p === undefined) {
    p = (async () => {
      const b = await bundle(abs, where);
      const h = createHash('sha256').update(CACHE_VERSION);
      for (const f of [API_TYPES, ...API_FILES]) if (existsSync(f)) h.update(readFileSync(f));
      for (const f of b.inputs) h.update(f).update('\0').update(readFileSync(f));
      const typeKey = h.digest('hex');
      const error = typeCheck(abs, typeKey, where, warn);
      if (error !== undefined) throw new UsageError(`${where}: does not type-check against ${API_SPECIFIER}: ${error}`);
      const exports = evaluate(b, abs, o, where);
      return { path, abs, hash: contentHash(b.inputs.filter((f) => !isToolFile(f))), exports };
    })();
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}

/** sha256 over the module's own source and every local file it imports (their contents, in path order). */
export function contentHash(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

/**
 * The default export, or a named one (`variant` for vdpa, `kernel` for vfio). A module compiled
 * to CommonJS by a bundler arrives as `default` marked `__esModule`: look inside that.
 */
export function pickExport(mod: Record<string, unknown>, named: string): unknown {
  const d = mod['default'];
  const ns = typeof d === 'object' && d !== null && (d as { __esModule?: unknown }).__esModule === true
    ? (d as Record<string, unknown>) : mod;
  return Object.hasOwn(ns, 'default') && ns['default'] !== undefined ? ns['default'] : Object.hasOwn(ns, named) ? ns[named] : undefined;
}
