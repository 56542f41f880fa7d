// Property tests keep random seeds (they found real bugs) but print them, and FC_SEED=<n> replays a
// run: import this module first in a file that uses fast-check. Failures also name the seed.
import { fc } from '@fast-check/vitest';

function seedOf(env: string | undefined): number {
  if (env !== undefined && /^-?[0-9]+$/.test(env.trim())) return Number(env.trim()) | 0;
  return (Math.random() * 2 ** 32) | 0;
}

export const FC_SEED = seedOf(process.env['FC_SEED']);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: FC_SEED });
console.info(`fast-check seed ${FC_SEED} (FC_SEED=${FC_SEED} npx vitest run <file> replays it)`);
