// PLACEHOLDER until the vfio model lands in this session: replaced by the real builder.
import { type Config, UsageError } from '../config.js';
import type { CheckTarget } from '../target.js';

export async function buildVfioTarget(config: Config): Promise<CheckTarget> {
  throw new UsageError(`the vfio model is not built yet (asked for kernel ${config.kernel})`);
}
