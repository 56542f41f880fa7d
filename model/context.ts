// What every reducer of the vDPA model is parameterised by: the kernel's behaviour table and the
// parent's ops table (chosen by the configuration), never global state.
import type { VdpaKernel } from '../spec/vdpa/kernels.js';
import type { VdpaConfigOps } from './parents/ops.js';

export interface VdpaCtx {
  readonly kernel: VdpaKernel;
  readonly ops: VdpaConfigOps;
}

/** The result of one call as its caller sees it, plus the kernel's internal reason. */
export interface CallResult {
  /** "0" or a negative errno name as the caller sees it ("-EFAULT"). */
  readonly ret: string;
  /** The internal errno and why, when it differs from or explains `ret`. */
  readonly reason?: string;
}

export const OK: CallResult = { ret: '0' };
export const fail = (ret: string, reason?: string): CallResult => (reason === undefined ? { ret } : { ret, reason });
