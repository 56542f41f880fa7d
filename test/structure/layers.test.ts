// The layers run one way (ARCHITECTURE.md): explorer ← spec ← model ← invariants ← systems ← cli,
// traces depends only on the engine, and the model imports neither the engine nor traces. Every
// import of every source file (static, `export … from`, dynamic, type-only alike) is checked.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What each layer may import besides itself. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  explorer: [],
  traces: ['explorer'],
  spec: ['explorer'],
  model: ['spec'],
  invariants: ['model', 'spec', 'explorer'],
  systems: ['invariants', 'model', 'spec', 'explorer', 'traces'],
  // the kernel lab (QEMU guests running real kernels) sits beside cli: it runs what systems build
  lab: ['systems', 'invariants', 'model', 'spec', 'explorer', 'traces'],
  cli: ['lab', 'systems', 'invariants', 'model', 'spec', 'explorer', 'traces'],
  api: ['cli', 'systems', 'invariants', 'model', 'spec', 'explorer', 'traces'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : n.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative module specifier a file names: `from '…'`, `import '…'`, `import('…')`. */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*(['"])(\.{1,2}\/[^'"]+)\1/g)) out.push(m[2]!);
  return out;
}

const layerOf = (abs: string): string => relative(ROOT, abs).split(sep)[0]!;

function wrongEdges(): string[] {
  const bad: string[] = [];
  for (const layer of Object.keys(ALLOWED)) {
    for (const file of sources(join(ROOT, layer))) {
      for (const s of specifiers(readFileSync(file, 'utf8'))) {
        const to = layerOf(resolve(dirname(file), s));
        if (to !== layer && !ALLOWED[layer]!.includes(to)) bad.push(`${relative(ROOT, file)} -> ${s} (${layer} may not import ${to})`);
      }
    }
  }
  return bad;
}

test('no import goes the wrong way between layers', () => {
  expect(wrongEdges()).toEqual([]);
});

test('the parser sees every form of import (so the check above can fail)', () => {
  const text = [
    "import { a } from '../model/x.js';",
    "import type { B } from '../traces/y.js';",
    "export { c } from '../systems/z.js';",
    "import '../cli/side-effect.js';",
    "const m = await import('../api/w.js');",
    "import { d } from 'node:fs';",
  ].join('\n');
  expect(specifiers(text)).toEqual(['../model/x.js', '../traces/y.js', '../systems/z.js', '../cli/side-effect.js', '../api/w.js']);
});

test('every layer the table names exists and has sources', () => {
  for (const layer of Object.keys(ALLOWED)) expect(sources(join(ROOT, layer)).length).toBeGreaterThan(0);
});
