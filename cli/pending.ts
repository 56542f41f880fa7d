// Commands whose engines land with other issues. Their options are parsed and validated already
// (options.ts); until an engine is wired here, the command says so honestly and exits 2.
// (matrix and cost are wired in cli.ts to cli/matrix.ts and cli/cost.ts.)
import { UsageError } from '../spec/config.js';
import type { CliIO } from './io.js';
import type { CompareOptions } from './options.js';

function notAvailable(cmd: string, issue: number): never {
  throw new UsageError(`vdpa-mc ${cmd}: not available in this build (issue ${issue})`);
}

/** Issue 7: patch semantics. */
export async function compareCommand(_o: CompareOptions, _io: CliIO): Promise<number> {
  notAvailable('compare', 7);
}
