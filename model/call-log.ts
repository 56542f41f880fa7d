// Calls made while executing one step, recorded as structured events (caller, callee, the kernel
// function, its arguments, its return value, the host pages it pinned or unpinned). They are the
// step record: recorded only when a trace is rendered, a cost counted or a cause looked for (the
// sink is null during exploration, so the hot path pays one branch and the events are never
// fingerprinted). Text is made from them only in traces/ (traces/calls.ts).

/** One call inside one step. */
export interface CallEvent {
  /** Lane of the caller and of the callee (userspace, vhost-vdpa, vdpa bus / parent, device). */
  readonly caller: string;
  readonly callee: string;
  /** The function as the source names it: `ops->set_map`, `pin_user_pages`, `mlx5_vdpa_change_map`. */
  readonly fn: string;
  readonly args?: Readonly<Record<string, string | number>>;
  /** What the callee returned: "0" or a negative errno name; set after the call returns. */
  ret?: string;
  /** The caller throws the return value away (vhost-vdpa's set_map after an unmap or at BATCH_END). */
  readonly ignored?: boolean;
  /** Host pages this call pinned / unpinned (pin_user_pages, unpin_user_page). */
  readonly pinned?: readonly number[];
  readonly unpinned?: readonly number[];
  /** What the call does to the state, in words, when the name alone does not say it. */
  readonly note?: string;
}

export type CallDetail = Omit<CallEvent, 'caller' | 'callee' | 'fn'>;

let sink: CallEvent[] | null = null;

export const LANE_USER = 'userspace';
export const LANE_VHOST = 'vhost-vdpa';
export const LANE_PARENT = 'vdpa bus / parent';
export const LANE_DEVICE = 'device';

/**
 * Records a call; returns the event (so that the caller can set `ret` once the callee returned), or
 * null when nothing is recorded. `detail` may be a function, so that building it costs nothing
 * during exploration.
 */
export function call(caller: string, callee: string, fn: string | (() => string), detail?: CallDetail | (() => CallDetail)): CallEvent | null {
  if (sink === null) return null;
  // `fn` as a lazy string: a call recorded as one line of text, not yet split into fields
  const name = typeof fn === 'function' ? fn() : fn;
  const e: CallEvent = detail === undefined ? { caller, callee, fn: name } : { caller, callee, fn: name, ...(typeof detail === 'function' ? detail() : detail) };
  sink.push(e);
  return e;
}

/** Sets the return value of a recorded call (a no-op when nothing is recorded). */
export function returned(e: CallEvent | null, ret: string | 0): void {
  if (e !== null) e.ret = ret === 0 ? '0' : ret;
}

/** Runs `f` with calls recorded, and returns them with f's result. */
export function recordCalls<R>(f: () => R): { result: R; calls: CallEvent[] } {
  const prev = sink;
  const calls: CallEvent[] = [];
  sink = calls;
  try {
    return { result: f(), calls };
  } finally {
    sink = prev;
  }
}
