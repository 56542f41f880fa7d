// `--out DIR` checked before any search (exit 2 at once): kept light (no engine), for options.ts.
import { mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../spec/config.js';

export const errCode = (e: unknown): string => ((e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e)));

/**
 * Before any search: `out` must be a directory that can be created and written. Missing parents are
 * created one level at a time (a recursive mkdir under /proc never returns) and a probe file is
 * written; what was created for the probe is removed again. Throws UsageError.
 */
export function checkOutWritable(cmd: string, out: string): void {
  const abs = resolve(out);
  if (abs === '/proc' || abs.startsWith('/proc/') || abs === '/sys' || abs.startsWith('/sys/') || abs === '/dev' || abs.startsWith('/dev/')) {
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

