// The only place a call event becomes text: `ops->set_map(asid=0) -ENOMEM (return value ignored)`.
// The event's shape is declared here structurally (domain-free), so traces/ imports no model.
import type { CallView } from './trace-model.js';

export interface CallRecord {
  readonly caller: string;
  readonly callee: string;
  readonly fn: string;
  readonly args?: Readonly<Record<string, string | number>>;
  readonly ret?: string;
  readonly ignored?: boolean;
  readonly pinned?: readonly number[];
  readonly unpinned?: readonly number[];
  readonly note?: string;
}

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
