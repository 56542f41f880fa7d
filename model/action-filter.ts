// `--exclude-actions` entries: an action kind (`setStatus`), or a kind with arguments that must all
// match (`setStatus(status=0)`, `iotlbUpdate(asid=1,npages=2)`; numbers in decimal or 0x hex).
import { UsageError } from '../spec/config.js';

export interface ActionFilter {
  readonly kind: string;
  readonly args: readonly (readonly [string, number])[];
}

export function parseActionFilter(text: string, kinds: readonly string[], argNames?: Readonly<Record<string, readonly string[]>>): ActionFilter {
  const m = /^([A-Za-z]+)(?:\((.*)\))?$/.exec(text.trim());
  const kind = m?.[1];
  if (m === null || kind === undefined || !kinds.includes(kind)) {
    throw new UsageError(`--exclude-actions ${text}: not an action kind, or kind(arg=value,...) (accepted kinds: ${kinds.join(', ')})`);
  }
  const args: [string, number][] = [];
  for (const part of (m[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
    const kv = /^\s*([A-Za-z]+)\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*$/.exec(part);
    if (kv === null) throw new UsageError(`--exclude-actions ${text}: "${part}" is not arg=number`);
    const known = argNames !== undefined && Object.hasOwn(argNames, kind) ? argNames[kind] : undefined;
    if (known !== undefined && !known.includes(kv[1]!)) {
      throw new UsageError(`--exclude-actions ${text}: ${kind} has no argument ${kv[1]} (accepted: ${known.length > 0 ? known.join(', ') : 'none'}; see vdpa-mc list actions)`);
    }
    args.push([kv[1]!, Number(kv[2])]);
  }
  return { kind, args };
}

/** Whether `a` is one of the actions the filter leaves out. */
export function matchesFilter(f: ActionFilter, a: { readonly t: string }): boolean {
  if (a.t !== f.kind) return false;
  const fields = a as unknown as Readonly<Record<string, unknown>>;
  // arg names are checked against the kind's arguments when parsed (ACTION_ARGS), so no prototype name gets here
  return f.args.every(([k, v]) => fields[k] === v);
}
