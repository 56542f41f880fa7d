// The built binary (dist/, made by the globalSetup) loads variant modules from source with tsx:
// no build step for the user, and a broken module is still one line and exit 2.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, example, tempModule } from './helpers.js';

const BIN = resolve(ROOT, 'dist/cli/main.js');

function vdpaMc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

test('node dist/cli/main.js compare --patched examples/variants/…ts: the variant runs, JSON as design.md', async () => {
  const r = await vdpaMc(['compare', '--base', '6.7', '--patched', 'examples/variants/6.7-no-reset-map.ts', '--userspace', 'qemu', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(Object.keys(j)).toEqual(expect.arrayContaining(['base', 'patched', 'complete', 'invariants', 'differences']));
  expect(j.patched).toMatchObject({ kernel: '6.7-no-reset-map', module: 'examples/variants/6.7-no-reset-map.ts' });
  for (const r2 of j.invariants) expect(Object.keys(r2)).toEqual(expect.arrayContaining(['id', 'base', 'patched', 'change']));
  // QEMU does not ack IOTLB_PERSIST: without reset_map it is simply no longer offered.
  expect(j.differences.map((d: { kind: string }) => d.kind)).toEqual(['backend-features']);
  expect(example('6.7-no-reset-map.ts')).toContain(ROOT);
});

test('node dist/cli/main.js check --kernel <module that throws>: one line, exit 2', async () => {
  const file = tempModule('throws.ts', `throw new TypeError('not a patch');\n`);
  const r = await vdpaMc(['check', '--kernel', file, '--userspace', 'any', '--max-depth', '1']);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')).toHaveLength(2);
  expect(r.stderr).toMatch(/failed to load: TypeError: not a patch/);
});

test('compare: a variant that fails to load is named by the option it came from (--base or --patched), not --kernel', async () => {
  const file = tempModule('throws-compare.ts', `throw new TypeError('not a patch');\n`);
  const patched = await vdpaMc(['compare', '--base', '6.7', '--patched', file, '--userspace', 'qemu']);
  expect(patched.code).toBe(2);
  expect(patched.stderr.trim().split('\n')).toHaveLength(1);
  expect(patched.stderr).toMatch(new RegExp(`^--patched \\S*throws-compare\\.ts: the variant module failed to load: TypeError: not a patch`));
  const base = await vdpaMc(['compare', '--base', file, '--patched', '6.7', '--userspace', 'qemu']);
  expect(base.code).toBe(2);
  expect(base.stderr).toMatch(/^--base \S*throws-compare\.ts: /);
  expect(base.stderr).not.toContain('--kernel');
});
