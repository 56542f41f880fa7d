// What a reducer returns to its caller. The context every reducer is parameterised by (the kernel's
// behaviour table, the parent's ops table, the scaled sizes) is configuration vocabulary:
// spec/vdpa/context.ts, re-exported here for the reducers.
export { MODEL_LIMITS, limitsOf, type ModelLimits, type VdpaCtx } from '../spec/vdpa/context.js';

/** The result of one call as its caller sees it, plus the kernel's internal reason. */
export interface CallResult {
  /** "0" or a negative errno name as the caller sees it ("-EFAULT"). */
  readonly ret: string;
  /** The internal errno and why, when it differs from or explains `ret`. */
  readonly reason?: string;
}

export const OK: CallResult = { ret: '0' };
export const fail = (ret: string, reason?: string): CallResult => (reason === undefined ? { ret } : { ret, reason });
