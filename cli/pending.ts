// Commands whose engines land with other issues. Their options are parsed and validated already
// (options.ts); until an engine is wired here, the command says so honestly and exits 2.
import { UsageError } from '../spec/config.js';
import type { CliIO } from './io.js';
import type { CompareOptions } from './options.js';

// Issue 4: the checking matrix (`npm start`) and the cost of the userspace's reference cycle.
export { matrixCommand } from './matrix.js';
export { costCommand } from './cost.js';

function notAvailable(cmd: string, issue: number): never {
  throw new UsageError(`vdpa-mc ${cmd}: not available in this build (issue ${issue})`);
}

/** Issue 7: patch semantics. */
export async function compareCommand(_o: CompareOptions, _io: CliIO): Promise<number> {
  notAvailable('compare', 7);
}
