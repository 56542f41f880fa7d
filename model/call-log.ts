// Calls made while executing one step, recorded only when a trace is being rendered or a cost is
// being counted (the sink is null during exploration, so the hot path pays one branch).
import type { CallView } from '../traces/trace-model.js';

let sink: CallView[] | null = null;

export const LANE_USER = 'userspace';
export const LANE_VHOST = 'vhost-vdpa';
export const LANE_PARENT = 'vdpa bus / parent';
export const LANE_DEVICE = 'device';

/** `label` may be a function, so that a label built from arguments costs nothing during exploration. */
export function call(from: string, to: string, label: string | (() => string)): void {
  if (sink !== null) sink.push({ from, to, label: typeof label === 'string' ? label : label() });
}

/** Runs `f` with calls recorded, and returns them with f's result. */
export function recordCalls<R>(f: () => R): { result: R; calls: CallView[] } {
  const prev = sink;
  const calls: CallView[] = [];
  sink = calls;
  try {
    return { result: f(), calls };
  } finally {
    sink = prev;
  }
}
