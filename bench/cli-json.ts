// The `vdpa-mc` command run inside a bench child process (bench/run.ts starts one per task), its
// --json output parsed: the benches for shards and swarm measure what a user runs, flags and all.
// The CPU seconds are this process's (user + system) during the command.
import { runCli } from '../cli/cli.js';
import type { CliIO } from '../cli/io.js';
import { cpuSecondsSince } from './bench-api.js';

export interface CliRun<J> {
  readonly code: number;
  readonly json: J;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
}

export async function runCliJson<J>(argv: readonly string[]): Promise<CliRun<J>> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (s) => void (out += s), err: (s) => void (err += s), stdoutIsTTY: false, stderrIsTTY: false, env: {} };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await runCli(argv, io, { watchSignals: false });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu0);
  if (code !== 0 && code !== 12 && code !== 3) throw new Error(`vdpa-mc ${argv.join(' ')}: exit ${code}\n${err}`);
  return { code, json: JSON.parse(out) as J, cpuSeconds, wallSeconds };
}

/** The exact command line, for the section. */
export const commandLine = (argv: readonly string[]): string => `vdpa-mc ${argv.join(' ')}`;
