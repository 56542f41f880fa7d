// Loading a variant module (`--kernel ./file.ts`) for any system: imported with tsx (no build
// step), its default export (or a named `variant`) returned; every failure is one UsageError line.
// spec/vdpa/variant.ts has the same steps for vDPA (to be folded in here).
import { pathToFileURL } from 'node:url';
import { UsageError } from './config.js';

/** The variant a module exports: `default`, or a named `variant`. Throws UsageError (one line). */
export async function importVariantModule(abs: string, where: string, accepted: string): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    const { tsImport } = await import('tsx/esm/api');
    mod = (await tsImport(pathToFileURL(abs).href, import.meta.url)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${where}: the variant module failed to load: ${loadError(e)}`);
  }
  const v = pickExport(mod);
  if (v === undefined) throw new UsageError(`${where}: exports no variant (accepted: ${accepted})`);
  return v;
}

/**
 * The default export, or a named `variant`. A module outside an ESM package is compiled to CommonJS
 * by tsx; its exports then arrive as `default`, marked `__esModule`: look inside that.
 */
function pickExport(mod: Record<string, unknown>): unknown {
  const d = mod['default'];
  const ns = typeof d === 'object' && d !== null && (d as { __esModule?: unknown }).__esModule === true
    ? (d as Record<string, unknown>) : mod;
  return ns['default'] !== undefined ? ns['default'] : ns['variant'];
}

/** esbuild's "Transform failed with 1 error:\nfile:3:7: ERROR: ..." and a module's own throw, in one line. */
function loadError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const lines = msg.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const error = lines.find((l) => /ERROR:/.test(l));
  if (error !== undefined) return error.replace(/^.*?([^/\\]+:\d+:\d+: ERROR:)/, '$1');
  const name = e instanceof Error && e.name !== 'Error' ? `${e.name}: ` : '';
  return `${name}${lines[0] ?? 'unknown error'}`;
}
