// Installs the peer tools when missing (never by hand): SPIN from Debian, Quint from npm into a
// private prefix, and reports their versions.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const QUINT_VERSION = '0.33.0';

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

let aptUpdated = false;
function aptInstall(pkg: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${pkg} is missing and installing it needs root (apt-get install -y ${pkg})`);
  if (!aptUpdated) { run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq']); aptUpdated = true; }
  run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', pkg]);
}

/** SPIN (Debian `spin`) and gcc for pan.c. */
export function ensureSpin(): void {
  if (!have('spin')) { console.error('[peers] installing spin (apt-get)'); aptInstall('spin'); }
  if (!have('gcc')) { console.error('[peers] installing gcc (apt-get)'); aptInstall('gcc'); }
}

/**
 * Quint from npm, pinned, into `toolsDir` (gitignored). 0.33.0 crashes at load with the antlr4ts
 * 0.5.0-dev it resolves to, hence the override. Returns the path of the quint executable.
 */
export function ensureQuint(toolsDir: string): string {
  const bin = join(toolsDir, 'node_modules', '.bin', 'quint');
  if (existsSync(bin)) return bin;
  mkdirSync(toolsDir, { recursive: true });
  writeFileSync(join(toolsDir, 'package.json'), JSON.stringify({
    name: 'vdpa-mc-peer-tools',
    private: true,
    description: 'Peer model checkers for bench/peers, installed by the runner',
    dependencies: { '@informalsystems/quint': QUINT_VERSION },
    overrides: { antlr4ts: '0.5.0-alpha.4' },
  }, null, 2) + '\n');
  console.error(`[peers] installing @informalsystems/quint@${QUINT_VERSION} into ${toolsDir}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], toolsDir);
  if (!existsSync(bin)) throw new Error(`quint not found at ${bin} after npm install`);
  return bin;
}

function firstLine(cmd: string, args: string[]): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n').find((l) => l.trim() !== '')?.trim() ?? '?';
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return (err.stdout ?? err.stderr ?? '?').split('\n')[0]?.trim() ?? '?';
  }
}

export function spinVersion(): string { return firstLine('spin', ['-V']); }
export function gccVersion(): string { return firstLine('gcc', ['--version']); }
export function quintVersion(quint: string): string { return firstLine(quint, ['--version']); }
