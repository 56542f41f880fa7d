// `--junit FILE`, `--sarif FILE`, `--summary FILE` of check and matrix: the CI formats of
// cli/ci-formats.ts written from the run's JSON results. Each file written whole (temp + rename),
// so that a CI step never reads half of one; the summary is appended. The files are checked writable before the search.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { invariantTitles as registryTitles } from '../systems/catalogue.js';
import { toJunit, toSarif, toSummary, type CiResult, type Titles } from './ci-formats.js';
import { checkOutputFile } from './out-dir.js';
import { TOOL, VERSION } from './version.js';

export interface CiOutputFlags {
  readonly junit?: string;
  readonly sarif?: string;
  readonly summary?: string;
}

export const CI_FLAGS = ['junit', 'sarif', 'summary'] as const;

/** Invariant id → title, from the registries (which take them from the invariant modules). */
export const invariantTitles = (): Titles => registryTitles();

/** Exit 2 at once (before a search) when a CI output file cannot be written: a folder, a device, no such folder. */
export function checkCiOutputs(cmd: string, f: CiOutputFlags): void {
  for (const flag of CI_FLAGS) {
    const p = f[flag];
    if (p !== undefined) checkOutputFile(cmd, `--${flag}`, p);
  }
}

function writeWhole(path: string, text: string): void {
  const abs = resolve(path);
  const tmp = `${abs}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, abs);
}

/** Writes the requested CI files for these results (one per check, one per matrix row). */
export function writeCiOutputs(f: CiOutputFlags, results: readonly CiResult[]): void {
  const titles = invariantTitles();
  if (f.junit !== undefined) writeWhole(f.junit, toJunit(results));
  if (f.sarif !== undefined) writeWhole(f.sarif, `${JSON.stringify(toSarif(results, { name: TOOL, version: VERSION }, titles), null, 2)}\n`);
  // Appended, as GitHub Actions expects of $GITHUB_STEP_SUMMARY (earlier steps keep their part).
  if (f.summary !== undefined) appendFileSync(resolve(f.summary), toSummary(results, titles));
}
