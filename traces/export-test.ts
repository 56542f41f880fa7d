// `vdpa-mc trace export-test`: a counterexample becomes a vitest regression test in one command.
// The test embeds the trace (its ITF), rebuilds the model of the recorded configuration, replays
// the actions and asserts that the recorded invariant is still violated.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toItf } from './itf.js';
import type { Trace } from './trace.js';

/** How the generated test gets its model: the registry (default) or a module exporting a factory (tests, toys). */
export interface ExportModel {
  /** Absolute path of the module (a .ts path is imported with a .js suffix, as the repo does). */
  readonly module: string;
  /** The exported factory's name; called with no argument, it returns the TraceModel. */
  readonly factory: string;
}

export interface ExportOptions {
  /** Where the test file will be written (the imports are made relative to it). */
  readonly outPath: string;
  /** The vdpa-mc package root (default: found from this module's location). */
  readonly root?: string;
  readonly model?: ExportModel;
}

/** The directory of the vdpa-mc package this module belongs to (source tree or dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'vdpa-mc') return dir;
      } catch {
        // not ours: keep climbing
      }
    }
    const up = dirname(dir);
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..');
    dir = up;
  }
}

/** A relative import specifier from `fromDir` to `target`, with `.ts` written as `.js` (NodeNext). */
export function importSpecifier(fromDir: string, target: string): string {
  let rel = relative(fromDir, target).split(sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel.replace(/\.ts$/, '.js');
}

/** The default file of `trace export-test FILE` without --out. */
export function defaultTestPath(trace: Trace, cwd: string): string {
  const stem = trace.violation.invariant.replace(/[^A-Za-z0-9_-]/g, '_') || 'trace';
  return join(cwd, 'test', 'regressions', `${stem}.test.ts`);
}

/** Text safe inside a // comment: line terminators (incl. U+2028/U+2029) and control characters become spaces. */
export function commentSafe(x: string): string {
  // eslint-disable-next-line no-control-regex
  return x.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

/** A JS string literal for any text, with U+2028/U+2029 escaped too (older parsers end a line there). */
export function sourceString(x: string): string {
  return JSON.stringify(x).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The source of the vitest file. */
export function exportTestSource(trace: Trace, options: ExportOptions): string {
  const root = options.root ?? packageRoot();
  const fromDir = dirname(resolve(options.outPath));
  // In a source checkout the test imports the .ts modules; in an installed package, dist/.
  const src = existsSync(join(root, 'traces', 'itf.ts')) ? root : join(root, 'dist');
  const mod = (p: string): string => importSpecifier(fromDir, join(src, `${p}.ts`));
  const inv = trace.violation.invariant;
  const cfg = Object.entries(trace.config)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  // Trace text reaches the source only inside // comments (one line each: every line terminator
  // and control character is replaced) and as a string literal JSON.parse reads at run time.
  const line = (x: string): string => commentSafe(x);
  const imports = [
    "import { expect, test } from 'vitest';",
    `import { fromItf } from '${mod('traces/itf')}';`,
    `import { describeReplay, replay } from '${mod('traces/replay')}';`,
  ];
  let modelLine: string;
  if (options.model !== undefined) {
    imports.push(`import { ${options.model.factory} } from '${importSpecifier(fromDir, options.model.module)}';`);
    modelLine = `  const model = ${options.model.factory}();`;
  } else {
    imports.push(`import { buildTarget } from '${mod('systems/registry')}';`);
    imports.push(`import { traceConfig } from '${mod('systems/trace-config')}';`);
    // A variant's path is relative to this test file (systems/trace-config.ts).
    modelLine = '  const model = (await buildTarget(traceConfig(trace, {}, { from: import.meta.dirname }))).model;';
  }
  const title = `${inv}: the ${trace.steps.length}-step counterexample still violates it`;
  const firstLines = [
    `// Regression test exported by \`vdpa-mc trace export-test\` from a counterexample to ${line(inv)}`,
    `// (${line(cfg) || 'no configuration recorded'}). It replays the trace's actions on the model of that`,
    '// configuration and asserts that the invariant is still violated. When a fix makes it hold,',
    '// the replay stops violating it and this test fails: then turn the last expectation around.',
  ];
  const steps = trace.steps.map((s) => `//   ${s.index}. ${line(s.label)}  = ${line(s.outcome.ret)}`);
  return [
    ...firstLines,
    '//',
    ...steps,
    '',
    ...imports,
    '',
    // data, never code: a string literal (JSON.stringify escapes quotes and backslashes) parsed at run time
    `const ITF: unknown = JSON.parse(${sourceString(JSON.stringify(toItf(trace)))});`,
    '',
    `test(${sourceString(title)}, async () => {`,
    '  const read = fromItf(ITF);',
    '  if (!read.ok) throw new Error(read.error);',
    '  const trace = read.trace;',
    modelLine,
    '  const result = replay(trace, model);',
    "  const report = describeReplay(trace, result).join('\\n');",
    `  expect(result.violations.map((v) => v.propertyId), report).toContain(${sourceString(inv)});`,
    '});',
    '',
  ].join('\n');
}
