// What every reducer of the VFIO model is parameterised by (as model/context.ts for vDPA): the
// kernel's behaviour table, chosen by the configuration, never global state.
import type { VfioKernel } from './kernels.js';

export interface VfioCtx {
  readonly kernel: VfioKernel;
}
