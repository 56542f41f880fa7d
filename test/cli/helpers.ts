// Runs the command in-process with captured output (fast); the binary itself is spawned only in binary.test.ts.
import { main, type CliDeps } from '../../cli/cli.js';
import type { CliIO } from '../../cli/io.js';

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(argv: readonly string[], deps: CliDeps = {}, env: Record<string, string> = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env,
  };
  const code = await main(argv, io, deps);
  return { code, stdout, stderr };
}

/** One line on stderr, nothing on stdout, no stack frame. */
export function isOneLineError(r: Ran): boolean {
  const lines = r.stderr.split('\n');
  return lines.length === 2 && lines[1] === '' && lines[0]!.length > 0 && !/\n\s+at /.test(r.stderr) && r.stdout === '';
}
