// A throwaway QEMU guest running one of the lab's kernels (lab/build.sh), driven over its second
// serial port by lab/agent.c, one command line and one reply line at a time (lab/MAPPING.md).
// QEMU always runs under a timeout: an emulation failure pauses QEMU instead of exiting it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const LAB_KERNELS = ['6.12', '6.1'] as const;
export type LabKernel = (typeof LAB_KERNELS)[number];

export interface LabManifest {
  readonly key: string;
  readonly qemu: string;
  readonly kernels: Readonly<Record<LabKernel, { readonly release: string; readonly source: string; readonly vmlinux: string; readonly initramfs: string }>>;
}

/** Where lab/build.sh puts the lab (VDPA_MC_LAB_CACHE overrides). */
export function labCacheRoot(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['VDPA_MC_LAB_CACHE'] ?? join(homedir(), '.cache', 'vdpa-mc-lab');
}

/** The built lab's manifest, or why there is none (one line). */
export function readLabManifest(env: Readonly<Record<string, string | undefined>> = process.env): LabManifest | string {
  const file = join(labCacheRoot(env), 'current', 'lab.json');
  if (!existsSync(file)) return `the kernel lab is not built (no ${file}): run \`bash lab/build.sh\` as root (it installs Debian's kernels and builds the modules)`;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as LabManifest;
    for (const k of LAB_KERNELS) {
      const e = m.kernels[k];
      if (e === undefined || !existsSync(e.vmlinux) || !existsSync(e.initramfs)) return `the kernel lab at ${file} lacks kernel ${k}: run \`bash lab/build.sh\` again`;
    }
    return m;
  } catch (e) {
    return `the kernel lab's manifest ${file} is unreadable (${e instanceof Error ? e.message : String(e)}): run \`bash lab/build.sh\` again`;
  }
}

export class LabError extends Error {}

export interface BootOptions {
  /** Seconds QEMU may live in all (the outer timeout). Default 1800. */
  readonly lifetime?: number;
  /** Seconds to wait for the agent's READY. Default 60 (TCG on a loaded machine). */
  readonly bootTimeout?: number;
  /** Seconds one command may take. Default 30. */
  readonly replyTimeout?: number;
}

type Accel = 'kvm' | 'tcg';

/**
 * QEMU outlives a killed vdpa-mc (it runs under `timeout` for up to its lifetime, its stdin pipe closing
 * does not stop it): every live guest is killed when the process exits, and SIGINT/SIGTERM/SIGHUP make it
 * exit (130/143/129) while a guest runs.
 */
const live = new Set<Guest>();
const SIGNAL_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const onSignal = (sig: NodeJS.Signals): void => process.exit(SIGNAL_CODES[sig] ?? 1);
const onExit = (): void => { for (const g of live) g.kill(); };
function track(g: Guest, on: boolean): void {
  if (on) {
    if (live.size === 0) {
      process.on('exit', onExit);
      for (const s of Object.keys(SIGNAL_CODES)) process.on(s as NodeJS.Signals, onSignal);
    }
    live.add(g);
  } else if (live.delete(g) && live.size === 0) {
    process.off('exit', onExit);
    for (const s of Object.keys(SIGNAL_CODES)) process.off(s as NodeJS.Signals, onSignal);
  }
}

/**
 * KVM where it can run a stock kernel, else TCG. Probed once per lab build (a guest boot with a short
 * timeout) and remembered next to the manifest: on this kind of host /dev/kvm opens but cannot run
 * Debian's kernel, and that is only seen by trying.
 */
async function accelFor(m: LabManifest, kernel: LabKernel, env: Readonly<Record<string, string | undefined>>): Promise<Accel> {
  const forced = env['VDPA_MC_LAB_ACCEL'];
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (!existsSync('/dev/kvm')) return 'tcg';
  const file = join(labCacheRoot(env), 'current', 'accel.json');
  if (existsSync(file)) {
    const a = (JSON.parse(readFileSync(file, 'utf8')) as { accel?: string }).accel;
    if (a === 'kvm' || a === 'tcg') return a;
  }
  let accel: Accel = 'tcg';
  try {
    const g = await Guest.bootWith(m, kernel, 'kvm', { bootTimeout: 15, lifetime: 25 });
    await g.shutdown();
    accel = 'kvm';
  } catch {
    accel = 'tcg';
  }
  writeFileSync(file, JSON.stringify({ accel, probed: new Date().toISOString() }) + '\n');
  return accel;
}

export class Guest {
  private buf = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly lines: string[] = [];
  private exited = false;
  private exitNote = '';
  /** Seconds from spawning QEMU to the agent's READY. */
  bootSeconds = 0;

  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    readonly kernel: LabKernel,
    readonly accel: Accel,
    private readonly consoleFile: string,
    private readonly dir: string,
    private readonly replyTimeout: number,
  ) {
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      this.buf += chunk;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        const w = this.waiting.shift();
        if (w !== undefined) w(line); else this.lines.push(line);
      }
    });
    proc.stderr.on('data', () => undefined);
    proc.on('exit', (code, signal) => {
      this.exited = true;
      this.exitNote = signal !== null ? `killed by ${signal}` : `exit ${code ?? '?'}`;
      for (const w of this.waiting.splice(0)) w('\u0000EXIT');
    });
  }

  /** Boots `kernel` (KVM if it works here, else TCG) and waits for the agent. */
  static async boot(kernel: LabKernel, opts: BootOptions = {}, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Guest> {
    const m = readLabManifest(env);
    if (typeof m === 'string') throw new LabError(m);
    return Guest.bootWith(m, kernel, await accelFor(m, kernel, env), opts);
  }

  static async bootWith(m: LabManifest, kernel: LabKernel, accel: Accel, opts: BootOptions = {}): Promise<Guest> {
    const k = m.kernels[kernel];
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-lab-'));
    const consoleFile = join(dir, 'console.log');
    const lifetime = opts.lifetime ?? 1800;
    const args = [
      '-k', '5', String(lifetime), m.qemu,
      '-accel', accel, ...(accel === 'kvm' ? ['-cpu', 'host'] : ['-cpu', 'max']),
      '-m', '512', '-smp', '1', '-nodefaults', '-no-reboot', '-display', 'none', '-monitor', 'none',
      '-kernel', k.vmlinux, '-initrd', k.initramfs,
      '-append', 'console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off nokaslr tsc=reliable',
      '-serial', `file:${consoleFile}`, '-serial', 'stdio',
    ];
    const t0 = performance.now();
    // its own process group, so that a kill reaches QEMU too (`timeout` cannot pass SIGKILL on)
    const proc = spawn('timeout', args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const g = new Guest(proc, kernel, accel, consoleFile, dir, opts.replyTimeout ?? 30);
    track(g, true);
    const ready = await g.nextLine(opts.bootTimeout ?? 60).catch((e: unknown) => { g.kill(); throw e; });
    if (ready !== 'READY') {
      g.kill();
      throw new LabError(`the ${kernel} guest (${accel}) did not start its agent: ${ready === '\u0000EXIT' ? g.exitNote : JSON.stringify(ready)}; console: ${g.consoleTail()}`);
    }
    g.bootSeconds = (performance.now() - t0) / 1000;
    return g;
  }

  private nextLine(timeoutSeconds: number): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve('\u0000EXIT');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(done);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new LabError(`the ${this.kernel} guest did not answer within ${timeoutSeconds} s; console: ${this.consoleTail()}`));
      }, timeoutSeconds * 1000);
      const done = (line: string): void => { clearTimeout(timer); resolve(line); };
      this.waiting.push(done);
    });
  }

  /** Sends command lines at once (pipelined) and returns one reply per line, in order. */
  async run(lines: readonly string[]): Promise<string[]> {
    if (this.exited) throw new LabError(`the ${this.kernel} guest has exited (${this.exitNote}); console: ${this.consoleTail()}`);
    if (lines.length === 0) return [];
    this.proc.stdin.write(lines.join('\n') + '\n');
    const out: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const l = await this.nextLine(this.replyTimeout);
      if (l === '\u0000EXIT') throw new LabError(`the ${this.kernel} guest exited (${this.exitNote}) at "${lines[i]}"; console: ${this.consoleTail()}`);
      out.push(l);
    }
    return out;
  }

  consoleTail(n = 300): string {
    try {
      const s = readFileSync(this.consoleFile, 'utf8').replace(/\s+/g, ' ').trim();
      return s.length > n ? '…' + s.slice(-n) : s || '(empty)';
    } catch {
      return '(no console)';
    }
  }

  kill(): void {
    if (!this.exited) this.killGroup();
    this.cleanup();
  }

  /** SIGKILL to `timeout` and QEMU (the group spawn made). */
  private killGroup(): void {
    try {
      if (this.proc.pid !== undefined) process.kill(-this.proc.pid, 'SIGKILL');
    } catch {
      this.proc.kill('SIGKILL');
    }
  }

  private cleanup(): void {
    track(this, false);
    try { rmSync(this.dir, { recursive: true, force: true }); } catch { /* a temp folder */ }
  }

  /** Powers the guest off (the agent's `q`), killing QEMU if it does not exit within 10 s. */
  async shutdown(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      try { this.proc.stdin.write('q\n'); } catch { /* already gone */ }
      const timer = setTimeout(() => this.killGroup(), 10_000);
      await gone;
      clearTimeout(timer);
    }
    this.cleanup();
  }
}

/** The repository's lab/build.sh (next to this file in the sources, one level up from dist/lab). */
export function buildScriptPath(): string {
  const here = dirname(new URL(import.meta.url).pathname);
  const candidates = [join(here, 'build.sh'), join(here, '..', '..', 'lab', 'build.sh')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}
