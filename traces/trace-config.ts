// The configuration a trace was found under (its #meta.config), as a Config for buildTarget,
// with what the user gives on `trace replay` taking precedence.
import { type Config, type InvariantId, type ParentName, SYSTEMS, type SystemName, UsageError, VDPA_PARENTS } from '../spec/config.js';
import type { Trace } from './trace.js';

export interface ConfigOverrides {
  readonly system?: SystemName | undefined;
  readonly kernel?: string | undefined;
  readonly parent?: ParentName | undefined;
  readonly userspace?: string | undefined;
  readonly invariants?: readonly InvariantId[] | undefined;
}

/** Throws UsageError (exit 2) when neither the trace nor the overrides name a system, kernel or userspace. */
export function traceConfig(trace: Trace, overrides: ConfigOverrides = {}): Config {
  const c = trace.config;
  const str = (k: string): string | undefined => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
  const need = (k: string, v: string | undefined): string => {
    if (v === undefined) throw new UsageError(`the trace does not record its ${k} and none was given (use --${k})`);
    return v;
  };
  const system = overrides.system ?? str('system');
  if (system === undefined || !(SYSTEMS as readonly string[]).includes(system)) {
    throw new UsageError(
      system === undefined
        ? 'the trace does not record its system and none was given (use --system vdpa|vfio)'
        : `the trace's system "${system}" is not known (accepted: ${SYSTEMS.join(', ')})`,
    );
  }
  const sys = system as SystemName;
  // A trace replayed on the other system keeps no parent of its own.
  const recordedParent = sys === str('system') ? str('parent') : undefined;
  const parentName = overrides.parent ?? recordedParent;
  if (parentName !== undefined && !(VDPA_PARENTS as readonly string[]).includes(parentName)) {
    throw new UsageError(`the trace's parent "${parentName}" is not known (accepted: ${VDPA_PARENTS.join(', ')})`);
  }
  const kernel = need('kernel', overrides.kernel ?? (sys === str('system') ? str('kernel') : undefined));
  const userspace = need('userspace', overrides.userspace ?? (sys === str('system') ? str('userspace') : undefined));
  return {
    system: sys,
    kernel,
    parent: sys === 'vdpa' ? (need('parent', parentName) as ParentName) : undefined,
    userspace,
    invariants: overrides.invariants,
    bounds: {},
  };
}
