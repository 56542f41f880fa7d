// `--out DIR` checked before any search (exit 2 at once): kept light (no engine), for options.ts.
import { mkdirSync, realpathSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../spec/config.js';

/** Under /proc, /sys or /dev: no place for a result (a recursive mkdir there never returns; a rename there replaces a device). */
export const special = (abs: string): boolean => [abs, viaLinks(abs)].some((p) =>
  p === '/proc' || p.startsWith('/proc/') || p === '/sys' || p.startsWith('/sys/') || p === '/dev' || p.startsWith('/dev/'));

/** `abs` with its deepest existing folder's symbolic links resolved (a link to /dev is /dev). */
function viaLinks(abs: string): string {
  let dir = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(dir), ...rest);
    } catch {
      const up = dirname(dir);
      if (up === dir) return abs;
      rest.unshift(basename(dir));
      dir = up;
    }
  }
}

export const errCode = (e: unknown): string => ((e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e)));

/**
 * Before any search: `out` must be a directory that can be created and written. Missing parents are
 * created one level at a time (a recursive mkdir under /proc never returns) and a probe file is
 * written; what was created for the probe is removed again. Throws UsageError.
 */
export function checkOutWritable(cmd: string, out: string): void {
  const abs = resolve(out);
  if (special(abs)) {
    throw new UsageError(`${cmd}: --out "${out}" is under /proc, /sys or /dev, not a regular folder (accepted: a directory, created if missing)`);
  }
  const created: string[] = [];
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    try {
      if (!statSync(p).isDirectory()) throw new UsageError(`${cmd}: --out "${out}": ${p} exists and is not a directory (accepted: a directory, created if missing)`);
      break;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${cmd}: --out "${out}" cannot be used (${p}: ${errCode(e)})`);
      missing.unshift(p);
      const up = dirname(p);
      if (up === p) break;
      p = up;
    }
  }
  try {
    for (const m of missing) {
      mkdirSync(m);
      created.unshift(m);
    }
    const probe = join(abs, `.vdpa-mc-probe.${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw new UsageError(`${cmd}: --out "${out}" cannot be written (${errCode(e)})`);
  } finally {
    for (const c of created) {
      try {
        rmdirSync(c);
      } catch {
        // another run may have written into it meanwhile: leave it
      }
    }
  }
}


/**
 * Before any search: a result FILE (--checkpoint, --junit, --sarif, --summary) is written as a temp
 * file renamed over it, so it must be a regular file or missing, in an existing folder where a file
 * can be created (probed), and not under /proc, /sys or /dev (run as root, --checkpoint /dev/null
 * replaced the device with a regular file). `what` names it in the message ("--checkpoint").
 */
export function checkOutputFile(cmd: string, what: string, path: string): void {
  const abs = resolve(path);
  const refuse = (why: string): never => {
    throw new UsageError(`${cmd}: ${what} "${path}": ${why} (accepted: a regular file in a writable folder)`);
  };
  if (special(abs)) refuse('is under /proc, /sys or /dev');
  try {
    if (!statSync(abs).isFile()) refuse('exists and is not a regular file');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') refuse(`cannot be used (${errCode(e)})`);
  }
  const dir = dirname(abs);
  try {
    if (!statSync(dir).isDirectory()) refuse(`${dir} is not a folder`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    refuse(`folder ${dir} does not exist (${errCode(e)})`);
  }
  const probe = `${abs}.vdpa-mc-probe.${process.pid}`;
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    refuse(`cannot be written in ${dir} (${errCode(e)})`);
  }
}
