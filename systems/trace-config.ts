// The configuration a trace was found under (its #meta.config), as a Config for buildTarget,
// with what the user gives on `trace replay` taking precedence. A trace found on a kernel variant
// (user code in a module) records the module in `#meta.config.variant`: its name, its path
// (relative to the trace file once written, so that a folder of traces and variants can move) and
// the sha256 of its source; replay and export-test load it from there.
import { isAbsolute, join } from 'node:path';
import { type Config, type InvariantId, type ParentName, SYSTEMS, type SystemName, UsageError, VDPA_PARENTS } from '../spec/config.js';
import type { Trace } from '../traces/trace.js';
import { isVariantPath } from './variant-module.js';

export interface ConfigOverrides {
  readonly system?: SystemName | undefined;
  readonly kernel?: string | undefined;
  readonly parent?: ParentName | undefined;
  readonly userspace?: string | undefined;
  readonly invariants?: readonly InvariantId[] | undefined;
}

/** `#meta.config.variant`: the kernel variant module a trace was found on. */
export interface TraceVariant {
  readonly name: string;
  /** Relative to the trace file (or to the test that embeds it), or absolute. */
  readonly path: string;
  /** sha256 (hex) of the variant's source when the trace was found. */
  readonly sha256: string;
}

/** The trace's variant record, if it has a well-formed one (anything else: a one-line UsageError). */
export function traceVariant(trace: Trace): TraceVariant | undefined {
  const v = trace.config['variant'];
  if (v === undefined) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || typeof o['name'] !== 'string' || typeof o['path'] !== 'string' || typeof o['sha256'] !== 'string' || o['path'] === '') {
    throw new UsageError('the trace\'s #meta.config.variant is malformed (expected { name, path, sha256 } strings)');
  }
  return { name: o['name'], path: o['path'], sha256: o['sha256'] };
}

/** Where the trace's variant module is: its path resolved against `from` (the trace file's folder). */
export function variantLocation(v: TraceVariant, from: string | undefined): string {
  if (isAbsolute(v.path)) return v.path;
  return from === undefined ? v.path : join(from, v.path);
}

export interface TraceConfigOptions {
  /** The folder of the trace file (or of the test embedding the trace): a relative variant path starts there. */
  readonly from?: string;
}

/** Throws UsageError (exit 2) when neither the trace nor the overrides name a system, kernel or userspace. */
export function traceConfig(trace: Trace, overrides: ConfigOverrides = {}, options: TraceConfigOptions = {}): Config {
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
  // A trace found on a variant names the module, not the variant's name (which no registry knows).
  const variant = traceVariant(trace);
  const named = str('kernel');
  // A module is code: a trace names one only in its variant record (written by vdpa-mc, with its
  // sha256), never as a bare kernel path, which replay and export-test would load and run (issue 11).
  if (variant === undefined && overrides.kernel === undefined && named !== undefined && isVariantPath(named)) {
    throw new UsageError(`the trace's kernel "${named}" is a path, not a ${sys} kernel (a trace names a variant module only in #meta.config.variant; to replay on a module, give --kernel PATH)`);
  }
  const recordedKernel = variant !== undefined ? variantLocation(variant, options.from) : named;
  const kernel = need('kernel', overrides.kernel ?? (sys === str('system') ? recordedKernel : undefined));
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
