#!/usr/bin/env node
// The `vdpa-mc` binary (package.json bin → dist/cli/main.js). Everything it does is in cli.ts;
// here only the process: exit code, a closed pipe, and no stack trace for the user.
import { main } from './cli.js';
import { processIO } from './io.js';

// `vdpa-mc ... | head`: a closed stdout is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // main() catches everything; this is the last guard.
    process.stderr.write(`vdpa-mc: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
