// What a command writes to, so that tests run commands in-process and capture their output.

export interface CliIO {
  /** stdout: results (and with --json, the JSON object and nothing else). */
  out(s: string): void;
  /** stderr: progress, notes and errors. */
  err(s: string): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Colour only on a terminal, and never with NO_COLOR set (no-color.org). */
export function useColor(io: CliIO): boolean {
  return io.stdoutIsTTY && (io.env['NO_COLOR'] ?? '') === '';
}

/** The real process. */
export function processIO(): CliIO {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}
