// Quint runs: `quint run --backend typescript` (random simulation) on a copy of a model with its
// `@param` lines set, and what it prints, parsed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QuintRun {
  /** Found a violation of the invariant. */
  readonly violated: boolean;
  /** Quint's own figure for the simulation (excludes parsing and type checking). */
  readonly simSeconds: number;
  /** Wall time of the whole `quint run` process. */
  readonly wallSeconds: number;
  readonly samples: number;
  /** Steps simulated (samples x (average trace length - 1)); for a violation, the violating trace's steps. */
  readonly steps: number;
  /** Steps of the violating trace. */
  readonly traceLength: number | undefined;
  readonly command: string;
}

/** Writes `<dir>/<file>` from `source` with each `pure val NAME = ... // @param` line given its value. */
export function instantiateQuint(source: string, dir: string, params: Readonly<Record<string, string>>): string {
  let text = readFileSync(source, 'utf8');
  for (const [name, value] of Object.entries(params)) {
    const re = new RegExp(`^(\\s*pure val ${name} = )[^/\\n]*(// @param.*)$`, 'm');
    if (!re.test(text)) throw new Error(`${source}: no '@param' line for ${name}`);
    text = text.replace(re, `$1${value} $2`);
  }
  mkdirSync(dir, { recursive: true });
  const file = join(dir, source.split('/').pop()!);
  writeFileSync(file, text);
  return file;
}

export function runQuint(quint: string, file: string, invariant: string, maxSamples: number, maxSteps: number, seed: string): QuintRun {
  const args = ['run', '--backend', 'typescript', '--invariant', invariant, '--max-samples', String(maxSamples),
    '--max-steps', String(maxSteps), '--seed', seed, file];
  const t0 = performance.now();
  const r = spawnSync(quint, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const command = `quint ${args.slice(0, -1).join(' ')} ${file.split('/').pop()}`;
  const ok = /\[ok\] No violation found \((\d+)ms at (\d+) traces\/second\)/.exec(out);
  if (ok !== null) {
    const ms = Number(ok[1]);
    const avg = /average=([\d.]+)/.exec(out);
    const avgStates = avg === null ? maxSteps + 1 : Number(avg[1]);
    return { violated: false, simSeconds: ms / 1000, wallSeconds, samples: maxSamples, steps: maxSamples * (avgStates - 1), traceLength: undefined, command };
  }
  const bad = /\[violation\] Found an issue \((\d+)ms/.exec(out);
  if (bad !== null) {
    // The violating trace is printed as [State 0] ... [State k]: k steps.
    const states = [...out.matchAll(/^\[State (\d+)\]/gm)].map((m) => Number(m[1]));
    const traceLength = states.length === 0 ? undefined : Math.max(...states);
    return { violated: true, simSeconds: Number(bad[1]) / 1000, wallSeconds, samples: Number.NaN, steps: traceLength ?? Number.NaN, traceLength, command };
  }
  throw new Error(`quint run on ${file}: unexpected output (exit ${r.status ?? r.signal}):\n${out.slice(-4000)}`);
}
