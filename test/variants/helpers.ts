// Shared by the variant tests: where the examples are, broken modules written on the fly, and
// `vdpa-mc compare --json` run in-process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompareJson } from '../../cli/compare.js';
import { run, type Ran } from '../cli/helpers.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const example = (name: string): string => join(ROOT, 'examples/variants', name);
export const fixture = (name: string): string => join(ROOT, 'test/variants/fixtures', name);

const VARIANT_API = join(ROOT, 'systems/vdpa/variant.js');

/** Writes a module into a fresh temporary directory; `$API` in the text is the variant API's path. */
export function tempModule(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-variant-'));
  const file = join(dir, name);
  writeFileSync(file, text.replaceAll('$API', VARIANT_API));
  return file;
}

export async function compareJson(args: readonly string[]): Promise<{ ran: Ran; json: CompareJson }> {
  const ran = await run(['compare', ...args, '--json']);
  if (ran.code !== 0 && ran.code !== 12) throw new Error(`compare exited ${ran.code}: ${ran.stderr}`);
  return { ran, json: JSON.parse(ran.stdout) as CompareJson };
}
