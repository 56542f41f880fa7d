// The guard's answer on one call, in the dialect both systems speak: allowed, or not with the return
// value the caller sees ("-EINVAL", "0" for a call that succeeds but changes nothing, "blocks" for a
// call that would sleep) and the kernel's reason. spec/vdpa/transitions.ts declares the same shape
// (test/vfio/dialect.test.ts checks that the two stay assignable to each other).
export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly ret: string; readonly reason: string };

export const OK: Verdict = { ok: true };
export const refuse = (ret: string, reason: string): Verdict => ({ ok: false, ret, reason });
