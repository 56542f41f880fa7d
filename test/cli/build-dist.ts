// vitest globalSetup: the binary tests spawn `node dist/cli/main.js`, so dist/ must match the
// source. Rebuild (tsconfig.build.json, once per run) only when a source file is newer than
// dist/cli/main.js. Type errors do not stop tsc from emitting; they are `npm run typecheck`'s business.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const SOURCES = ['spec', 'model', 'invariants', 'systems', 'explorer', 'traces', 'cli', 'bench', 'lab'];

function newestSource(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    // tsc's wildcards skip node_modules (a peer tool's install under bench/ has thousands of files).
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const bin = join(ROOT, 'dist/cli/main.js');
  const built = existsSync(bin) ? statSync(bin).mtimeMs : 0;
  const newest = Math.max(...SOURCES.map((d) => newestSource(join(ROOT, d))), statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs);
  if (newest <= built) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // Emitted anyway (noEmitOnError is off); a missing binary is caught below.
  }
  if (!existsSync(bin)) throw new Error('vitest globalSetup: `tsc -p tsconfig.build.json` did not produce dist/cli/main.js');
}
