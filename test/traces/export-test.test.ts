// `trace export-test` output is a vitest file that runs: generated for the toy (its model comes
// from a factory instead of the registry) and run once in a child vitest. The same trace against
// a "fixed" toy must fail, or the exported test could never catch anything.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { exportTestSource, importSpecifier } from '../../traces/export-test.js';
import { toItf } from '../../traces/itf.js';
import { fixtureTraces } from './fixtures/fixture-traces.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOY = fileURLToPath(new URL('./fixtures/toy-model.ts', import.meta.url));
// Inside the repository, so that the generated file's `import 'vitest'` resolves; removed after.
const DIR = fileURLToPath(new URL(`./tmp-export-${process.pid}/`, import.meta.url));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

test('importSpecifier is relative, posix and .js', () => {
  expect(importSpecifier('/r/test/regressions', '/r/traces/itf.ts')).toBe('../../traces/itf.js');
  expect(importSpecifier('/r', '/r/traces/itf.ts')).toBe('./traces/itf.js');
});

test('the exported test passes while the violation reproduces and fails once it does not', async () => {
  const { persist } = fixtureTraces();
  mkdirSync(DIR, { recursive: true });
  const still = join(DIR, 'still-violated.test.ts');
  const fixed = join(DIR, 'fixed.test.ts');
  writeFileSync(still, exportTestSource(persist, { outPath: still, root: ROOT, model: { module: TOY, factory: 'toyModel' } }));
  writeFileSync(fixed, exportTestSource(persist, { outPath: fixed, root: ROOT, model: { module: TOY, factory: 'fixedToyModel' } }));
  // Its own config: no globalSetup of the main suite, only these two files.
  writeFileSync(join(DIR, 'vitest.config.mjs'), "export default { test: { include: ['*.test.ts'] } };\n");
  const report = join(DIR, 'report.json');
  const run = promisify(execFile);
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const r = await run(process.execPath, [vitest, 'run', '--root', DIR, '--reporter=json', `--outputFile=${report}`], { cwd: DIR }).then(
    () => 0,
    (e: { code?: number }) => e.code ?? -1,
  );
  expect(r).toBe(1);
  const json = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; assertionResults: { status: string; failureMessages: string[] }[] }[] };
  const status = Object.fromEntries(json.testResults.map((f) => [f.name.split('/').pop(), f.assertionResults.map((a) => a.status)]));
  expect(status).toEqual({ 'still-violated.test.ts': ['passed'], 'fixed.test.ts': ['failed'] });
  const why = json.testResults.find((f) => f.name.endsWith('fixed.test.ts'))!.assertionResults[0]!.failureMessages.join('\n');
  expect(why).toContain('the recorded violation of kernel-device-agreement does not reproduce');
}, 180_000);

test('trace text never becomes code: comments stay one line, the trace is a string JSON.parse reads', () => {
  const { persist } = fixtureTraces();
  const evil = "x\nthrow new Error('pwned');\u2028throw new Error('pwned2');\r//";
  const t = {
    ...persist,
    config: { ...persist.config, kernel: evil },
    violation: { ...persist.violation, invariant: evil },
    steps: persist.steps.map((s) => ({ ...s, label: evil })),
  };
  const src = exportTestSource(t, { outPath: join(DIR, 'evil.test.ts'), root: ROOT, model: { module: TOY, factory: 'toyModel' } });
  const lines = src.split(/\r\n|\r|\n|\u2028|\u2029/);
  for (const l of lines.filter((x) => x.includes('pwned'))) expect(l.startsWith('//') || l.startsWith('const ITF: unknown = JSON.parse(') || l.startsWith('test(') || l.includes('toContain(')).toBe(true);
  const itfLine = lines.find((l) => l.startsWith('const ITF: unknown = JSON.parse('))!;
  const literal = itfLine.slice('const ITF: unknown = JSON.parse('.length, -2);
  expect(JSON.parse(JSON.parse(literal) as string)).toEqual(JSON.parse(JSON.stringify(toItf(t))));
  // the good trace's source still has its comments and data
  expect(exportTestSource(persist, { outPath: join(DIR, 'ok.test.ts'), root: ROOT })).toContain('// Regression test exported');
});
