// From a validated configuration to the model that checks it.
import type { Config } from '../spec/config.js';
import type { CheckTarget } from './target.js';
import { buildVdpaTarget } from './vdpa/target.js';
import { buildVfioTarget } from './vfio/target.js';

/** Throws UsageError (exit 2) for a configuration that names nothing known. */
export async function buildTarget(config: Config): Promise<CheckTarget> {
  return config.system === 'vdpa' ? buildVdpaTarget(config) : buildVfioTarget(config);
}
