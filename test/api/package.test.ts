// The library as a user gets it: `npm pack`, a temporary project that depends on the tarball,
// examples/library/*.ts type-checked against the shipped .d.ts and run from there, and a variant
// outside the clone that imports `vdpa-mc/variant` loaded by the packed CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let project = '';

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'vdpa-mc-lib-'));
  // dist/ is built by the suite's global set-up; `--ignore-scripts` keeps `prepare` from rebuilding
  // it while other test files run dist/cli/main.js.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', project, '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = readdirSync(project).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'uses-vdpa-mc', private: true, type: 'module', dependencies: { 'vdpa-mc': `file:./${tgz}` },
  }));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
    include: ['*.ts'],
  }));
  for (const f of ['check-6.6.ts', 'my-patch.ts']) copyFileSync(join(root, 'examples/library', f), join(project, f));
  // The package's own dependencies come from npm's cache (npm ci filled it); no lifecycle scripts.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--silent'], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
  // Types for node:*, as a user project has them.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--silent', '--no-save', '@types/node@20'], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
}, 180_000);

afterAll(() => { if (project !== '') rmSync(project, { recursive: true, force: true }); });

describe('the packed package', () => {
  it('the library example and the variant type-check against the shipped declarations', () => {
    const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', project], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the library example finds K2 on 6.6 mlx5 and the engine example its overflow', () => {
    const r = spawnSync(join(project, 'node_modules/.bin/tsx'), ['check-6.6.ts'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^6\.6 mlx5 any: violation \(\d+ worlds\)/);
    expect(r.stdout).toContain('dma-isolation');
    expect(r.stdout).toContain('counter: below-3 after 3 steps');
  }, 120_000);

  it('a variant outside the clone imports vdpa-mc/variant and the packed CLI checks it', () => {
    const r = spawnSync(join(project, 'node_modules/.bin/vdpa-mc'),
      ['check', '--kernel', './my-patch.ts', '--parent', 'vdpa_sim', '--userspace', 'any', '--invariants', 'identity-after-detach', '--json'],
      { cwd: project, encoding: 'utf8', timeout: 120_000 });
    const json = JSON.parse(r.stdout) as { config: { kernel: string }; verdict: string; violations: { invariant: string; length: number }[] };
    expect(json.config.kernel).toBe('my-patch');
    expect(json.verdict).toBe('violation');
    expect(json.violations.map((v) => [v.invariant, v.length])).toEqual([['identity-after-detach', 5]]);
    expect(r.status).toBe(12);
  }, 120_000);
});
