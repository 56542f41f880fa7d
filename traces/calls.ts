// The only place a call event becomes text: `ops->set_map(asid=0) -ENOMEM (return value ignored)`.
// The event's shape is declared here structurally (domain-free), so traces/ imports no model.
import type { CallRecord, CallView } from './trace-model.js';

export type { CallRecord };

const pages = (hs: readonly number[]): string => hs.map((h) => `h${h}`).join(',');

export function renderCall(e: CallRecord): string {
  let s = e.fn;
  if (e.args !== undefined) s += `(${Object.entries(e.args).map(([k, v]) => `${k}=${v}`).join(', ')})`;
  if (e.ret !== undefined && e.ret !== '0') s += ` ${e.ret}`;
  if (e.ignored === true) s += ' (return value ignored)';
  if (e.pinned !== undefined && e.pinned.length > 0) s += ` pins ${pages(e.pinned)}`;
  if (e.unpinned !== undefined && e.unpinned.length > 0) s += ` unpins ${pages(e.unpinned)}`;
  if (e.note !== undefined) s += `: ${e.note}`;
  return s;
}

export const callView = (e: CallRecord): CallView => ({ from: e.caller, to: e.callee, label: renderCall(e) });

/** A call as a step of the call path: the callee and its arguments, without what it returned or pinned. */
export function renderCallSite(e: CallRecord): string {
  return e.args === undefined ? e.fn : `${e.fn}(${Object.entries(e.args).map(([k, v]) => `${k}=${v}`).join(', ')})`;
}

/** A plain copy of an event (no undefined fields, no shared arrays): what a trace stores. */
export function copyEvent(e: CallRecord): CallRecord {
  return {
    caller: e.caller,
    callee: e.callee,
    fn: e.fn,
    ...(e.args !== undefined ? { args: { ...e.args } } : {}),
    ...(e.ret !== undefined ? { ret: e.ret } : {}),
    ...(e.ignored !== undefined ? { ignored: e.ignored } : {}),
    ...(e.pinned !== undefined ? { pinned: [...e.pinned] } : {}),
    ...(e.unpinned !== undefined ? { unpinned: [...e.unpinned] } : {}),
    ...(e.note !== undefined ? { note: e.note } : {}),
  };
}
