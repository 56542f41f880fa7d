#!/usr/bin/env node
// The `vdpa-mc` binary (package.json bin → dist/cli/main.js). Everything it does is in cli.ts;
// here only the process: exit code, a closed pipe, and no stack trace for the user.
import { main } from './cli.js';
import { processIO } from './io.js';

function fatal(e: unknown): void {
  const debug = process.env['VDPA_MC_DEBUG'] === '1';
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`vdpa-mc: internal error: ${msg.replace(/\s*\n\s*/g, ' ')}\n`);
  if (debug && e instanceof Error && e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}

// `vdpa-mc ... | head`: a closed stdout is not an error worth a message.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  fatal(e);
});
// main() turns every error of a command into its exit code; these are the last guards.
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

main(process.argv.slice(2), processIO()).then((code) => {
  process.exitCode = code;
}, fatal);
