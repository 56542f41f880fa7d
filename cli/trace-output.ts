// Writing counterexamples for `--out`: each trace as <invariant>.itf.json, .txt and .html; a directory
// that cannot be written is a usage error (one line, exit 2), for every command that takes --out.
// Per folder, a manifest (vdpa-mc-run.json, written last and whole) names the run and its files; the
// trace files an earlier run listed there and this one does not write are removed, so a stale trace
// of another configuration is never presented as this run's. A lock file keeps two runs from
// writing into one folder at once.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errCode as why } from './out-dir.js';
import { UsageError } from '../spec/config.js';
import { writeTraceFiles, writeWhole } from '../traces/files.js';
import type { Trace } from '../traces/trace.js';

export const MANIFEST = 'vdpa-mc-run.json';
const LOCK = '.vdpa-mc.lock';

/** What the manifest records about the run besides its files. */
export interface RunInfo {
  readonly command: string;
  readonly verdict?: string;
  readonly config?: unknown;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `dir`'s lock (a stale one, of a process that is gone, is taken over); returns its release. */
function lock(cmd: string, out: string, dir: string): () => void {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UsageError(`vdpa-mc ${cmd}: --out "${out}": another vdpa-mc run (pid ${pid}) is writing into ${dir}; give each run its own folder`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new UsageError(`vdpa-mc ${cmd}: --out "${out}": cannot take the folder's lock ${path}`);
}

/** The files an earlier run's manifest in `dir` lists (none when there is no readable manifest). */
function previousFiles(dir: string): string[] {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { files?: unknown };
    return Array.isArray(m.files) ? m.files.filter((f): f is string => typeof f === 'string' && !f.includes('/') && !f.includes('\\') && f !== '..') : [];
  } catch {
    return [];
  }
}

/** Writes every trace into `dir`, then the manifest; returns the paths written. */
export async function writeTracesForOut(command: string, out: string, dir: string, traces: readonly Trace[], info: Omit<RunInfo, 'command'> = {}): Promise<string[]> {
  const written: string[] = [];
  let release: (() => void) | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    release = lock(command, out, dir);
    for (const t of traces) {
      const p = await writeTraceFiles(dir, t);
      written.push(p.itf, p.text, p.html);
    }
    const names = written.map((w) => w.slice(dir.length).replace(/^[/\\]+/, ''));
    for (const old of previousFiles(dir)) if (!names.includes(old)) rmSync(join(dir, old), { force: true });
    const manifest = {
      tool: 'vdpa-mc',
      command,
      run: `${new Date().toISOString()} pid ${process.pid}`,
      ...(info.verdict !== undefined ? { verdict: info.verdict } : {}),
      ...(info.config !== undefined ? { config: info.config } : {}),
      files: names,
    };
    await writeWhole(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`vdpa-mc ${command}: --out "${out}" cannot be written (${why(e)})`);
  } finally {
    release?.();
  }
  return written;
}
