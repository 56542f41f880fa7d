// Writing counterexamples for `--out`: each trace as <invariant>.itf.json, .txt and .html; a directory
// that cannot be written is a usage error (one line, exit 2), for every command that takes --out.
import { UsageError } from '../spec/config.js';
import { writeTraceFiles } from '../traces/files.js';
import type { Trace } from '../traces/trace.js';

/** Writes every trace into `dir` and returns the paths written. */
export async function writeTracesForOut(command: string, out: string, dir: string, traces: readonly Trace[]): Promise<string[]> {
  const written: string[] = [];
  for (const t of traces) {
    try {
      const p = await writeTraceFiles(dir, t);
      written.push(p.itf, p.text, p.html);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new UsageError(`vdpa-mc ${command}: --out "${out}" cannot be written (${why})`);
    }
  }
  return written;
}
