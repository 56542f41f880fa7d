// Kernel variants: a reviewer writes what a proposed patch changes as a variant of a shipped kernel
// (or of another variant) and names the file with `--kernel ./file.ts`. A variant is data plus two
// optional hooks: the kernel's behaviour table with some entries changed, the parent's ops table as
// the patch leaves it (ops added, removed or rewritten), and a rewritten SET_BACKEND_FEATURES check.
//
// Variant modules are user code (systems/variant-module.ts loads them: bundled, type-checked against
// these types, evaluated under a deadline). A variant is recognised by its `kind` tag, never by
// identity, and everything here that a variant calls is pure. Every op a variant adds or rewrites
// runs wrapped (`containedOp`): a throw, a write outside the world schema, or a call that never
// returns is the variant's error (exit 2, naming variant, op and step), never vdpa-mc's.
import { UsageError, VDPA_KERNELS, type VdpaKernelName } from '../../spec/config.js';
import { enterVariantOp, leaveVariantOp, loadVariantModule, pickExport, withDeadline, DeadlineExceeded } from '../variant-module.js';
import { worldSchemaViolation } from '../../model/working-copy.js';
import { call as callInThisCopy } from '../../model/call-log.js';
import type { VdpaConfigOps } from '../../model/parents/ops.js';
import { FAULT, FEATURE_NAMES, NAS, NH, NP, bit, type FeatureName } from '../../spec/vdpa/constants.js';
import { VDPA_KERNEL_TABLE, type SbfCheck, type VdpaKernel } from '../../spec/vdpa/kernels.js';
import type { Verdict } from '../../spec/vdpa/transitions.js';

/** The tag that makes an object a variant (a string, so that two copies of this module agree). */
export const VARIANT_KIND = 'vdpa-mc/vdpa-kernel-variant@1';

/** The kernel behaviours a variant may change: every field of VdpaKernel but its name and the hooks. */
export type KernelBehaviours = Omit<VdpaKernel, 'name' | 'description' | 'parentOverride' | 'sbfOverride'>;

/** What a parent hook is told: the parent's name, the kernel it is built for, and the trace's call log. */
export interface ParentInfo {
  /** `--parent` name: mlx5, vdpa_sim, vdpa_sim_dma, platform, vduse. */
  readonly parent: string;
  /** The resolved kernel (the variant's own behaviour table). */
  readonly kernel: VdpaKernel;
  /**
   * Records a call in the trace's sequence diagram (lanes: 'userspace', 'vhost-vdpa',
   * 'vdpa bus / parent', 'device'). Use this rather than importing model/call-log.ts, which may be
   * another copy of the module than the one recording.
   */
  readonly call: (from: string, to: string, label: string) => void;
}

/** The parent's ops table as the patch leaves it, e.g. `({ reset_map, ...rest }) => rest`. */
export type ParentHook = (ops: VdpaConfigOps, info: ParentInfo) => VdpaConfigOps;

/**
 * VHOST_SET_BACKEND_FEATURES as the patch rewrites it. `features` uses the upstream bit numbers
 * (`bit('IOTLB_PERSIST')`); `shipped()` runs the base kernel's own check. Return `accept()` or
 * `refuse('-EOPNOTSUPP', 'why')`.
 */
export type SbfHook = (features: number, ops: VdpaConfigOps, shipped: () => Verdict) => Verdict;

export interface VariantSpec {
  /** A shipped vdpa kernel (`6.7`) or another variant (imported from its module). */
  readonly base: VdpaKernelName | Variant;
  /** Shown in results and traces; letters, digits and . _ + - only; not a shipped kernel's name. */
  readonly name: string;
  /** One line: what the patch does. */
  readonly description: string;
  /** Entries of the base kernel's behaviour table (spec/vdpa/kernels.ts) that the patch changes. */
  readonly kernel?: Partial<KernelBehaviours>;
  /** The parent's ops table as the patch leaves it; called for every parent (test `info.parent`). */
  readonly parent?: ParentHook;
  /** SET_BACKEND_FEATURES: one of the shipped checks by name, or a rewritten check. */
  readonly sbfCheck?: SbfCheck | SbfHook;
}

export interface Variant extends VariantSpec {
  readonly kind: typeof VARIANT_KIND;
}

/** The typed helper a variant module's default export is made with. */
export function defineVariant(spec: VariantSpec): Variant {
  return Object.freeze({ ...spec, kind: VARIANT_KIND });
}

// ---- small helpers for variant authors (pure) ----

/** The ops table without the named ops: `withoutOps(ops, 'reset_map', 'compat_reset')`. */
export function withoutOps(ops: VdpaConfigOps, ...names: readonly OptionalOp[]): VdpaConfigOps {
  const out: Record<string, unknown> = { ...ops };
  for (const n of names) delete out[n];
  return out as unknown as VdpaConfigOps;
}

/** The ops of struct vdpa_config_ops that a parent may lack (vhost-vdpa tests their presence). */
export type OptionalOp =
  | 'set_map' | 'dma_map' | 'dma_unmap' | 'compat_reset' | 'reset_map' | 'set_group_asid' | 'suspend'
  | 'resume' | 'get_backend_features' | 'get_vq_desc_group';

/** A parent hook applied only to the named parents; the others keep their shipped table. */
export function forParents(names: readonly string[], hook: ParentHook): ParentHook {
  return (ops, info) => (names.includes(info.parent) ? hook(ops, info) : ops);
}

export const accept = (): Verdict => ({ ok: true });
export const refuse = (ret: string, reason: string): Verdict => ({ ok: false, ret, reason });
/** Whether `features` (upstream numbering) has the named bit. */
export const hasFeature = (features: number, f: FeatureName): boolean => (features & bit(f)) !== 0;
export { bit };

// ---- resolution: from a variant to the VdpaKernel the model runs ----

const SBF_CHECKS: readonly SbfCheck[] = ['pre-series', 'rfc-v2-merge-error', 'separate-checks'];
const PARENT_IMPLS: readonly VdpaKernel['parents'][] = ['pre-series', 'rfc', 'series'];
const NAME_RE = /^[A-Za-z0-9._+-]{1,64}$/;
const MAX_BASE_CHAIN = 16;

export function isVariant(v: unknown): v is Variant {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === VARIANT_KIND;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();

/** Checks one `kernel` entry against the base table; returns the reason it is wrong, or undefined. */
function badEntry(key: string, value: unknown, base: VdpaKernel): string | undefined {
  const current = (base as unknown as Record<string, unknown>)[key];
  switch (key) {
    case 'sbfCheck':
      return SBF_CHECKS.includes(value as SbfCheck) ? undefined : `must be one of ${SBF_CHECKS.join(', ')}`;
    case 'parents':
      return PARENT_IMPLS.includes(value as VdpaKernel['parents']) ? undefined : `must be one of ${PARENT_IMPLS.join(', ')}`;
    case 'featureBits': {
      if (typeof value !== 'object' || value === null) return 'must be an object { FEATURE_NAME: bit number }';
      for (const [f, b] of Object.entries(value)) {
        if (!(FEATURE_NAMES as readonly string[]).includes(f)) return `has ${f}, not a backend feature (accepted: ${FEATURE_NAMES.join(', ')})`;
        if (b !== undefined && !(Number.isInteger(b) && (b as number) >= 0 && (b as number) < 64)) return `${f} must be a bit number 0..63`;
      }
      return undefined;
    }
    default:
      return typeof value === typeof current ? undefined : `must be a ${typeof current}`;
  }
}

/** The VdpaKernel a variant stands for; throws UsageError (one line) when it is malformed. */
export function resolveVariant(v: unknown, where: string, chain = 0, timeLimitSeconds = 60): VdpaKernel {
  if (!isVariant(v)) {
    throw new UsageError(`${where}: not a variant (make it with defineVariant({ base, name, description, ... }) from systems/vdpa/variant.ts)`);
  }
  if (chain > MAX_BASE_CHAIN) throw new UsageError(`${where}: more than ${MAX_BASE_CHAIN} variants deep (a cycle of bases?)`);
  const name = v.name as unknown;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new UsageError(`${where}: name ${JSON.stringify(name)} is not a variant name (accepted: 1-64 letters, digits, . _ + -)`);
  }
  const at = `${where} (variant ${name})`;
  if ((VDPA_KERNELS as readonly string[]).includes(name)) {
    throw new UsageError(`${at}: the name of a shipped kernel; give the variant its own name (e.g. ${name}-patched)`);
  }
  if (typeof v.description !== 'string') throw new UsageError(`${at}: description must be a string`);
  let base: VdpaKernel;
  if (typeof v.base === 'string') {
    // own properties only: a base named 'toString' or '__proto__' is not a kernel (issue 11)
    const k = Object.hasOwn(VDPA_KERNEL_TABLE, v.base) ? VDPA_KERNEL_TABLE[v.base] : undefined;
    if (k === undefined) throw new UsageError(`${at}: base "${v.base}" is not a vdpa kernel (accepted: ${VDPA_KERNELS.join(', ')}, or a variant)`);
    base = k;
  } else if (isVariant(v.base)) {
    base = resolveVariant(v.base, `${where}: base`, chain + 1, timeLimitSeconds);
  } else {
    throw new UsageError(`${at}: base must be a shipped kernel name (${VDPA_KERNELS.join(', ')}) or a variant`);
  }

  const entries: Record<string, unknown> = {};
  const over = v.kernel as unknown;
  if (over !== undefined) {
    if (typeof over !== 'object' || over === null) throw new UsageError(`${at}: kernel must be an object of behaviour entries`);
    const known = Object.keys(base).filter((k) => !['name', 'description', 'parentOverride', 'sbfOverride'].includes(k));
    for (const [key, value] of Object.entries(over)) {
      if (!known.includes(key)) throw new UsageError(`${at}: kernel.${key} is not a kernel behaviour (accepted: ${known.join(', ')})`);
      const bad = badEntry(key, value, base);
      if (bad !== undefined) throw new UsageError(`${at}: kernel.${key} ${bad}`);
      entries[key] = value;
    }
  }
  let sbfOverride = base.sbfOverride;
  const sbf = v.sbfCheck as unknown;
  if (typeof sbf === 'string') {
    if (!SBF_CHECKS.includes(sbf as SbfCheck)) throw new UsageError(`${at}: sbfCheck "${sbf}" is not a check (accepted: ${SBF_CHECKS.join(', ')}, or a function)`);
    entries['sbfCheck'] = sbf;
    sbfOverride = undefined; // a named check replaces whatever the base rewrote
  } else if (typeof sbf === 'function') {
    sbfOverride = guardedSbf(at, sbf as SbfHook, base.sbfOverride);
  } else if (sbf !== undefined) {
    throw new UsageError(`${at}: sbfCheck must be ${SBF_CHECKS.join(', ')} or a function`);
  }
  const hook = v.parent as unknown;
  if (hook !== undefined && typeof hook !== 'function') throw new UsageError(`${at}: parent must be a function (ops, info) => ops`);

  const kernel: VdpaKernel = {
    ...base,
    ...(entries as Partial<KernelBehaviours>),
    name,
    description: v.description,
    ...(sbfOverride !== undefined ? { sbfOverride } : {}),
  };
  if (sbfOverride === undefined) delete (kernel as { sbfOverride?: unknown }).sbfOverride;
  const baseParent = base.parentOverride;
  if (hook !== undefined || baseParent !== undefined) {
    (kernel as { parentOverride?: VdpaKernel['parentOverride'] }).parentOverride = (ops, parent) => {
      const afterBase = baseParent === undefined ? ops : baseParent(ops, parent);
      return hook === undefined ? afterBase : guardedParent(at, hook as ParentHook, afterBase, parent, kernel, timeLimitSeconds);
    };
  }
  return kernel;
}

const REQUIRED_OPS = ['reset', 'set_status', 'initialDevMap', 'initialCvq', 'canDma', 'translate', 'asidMap', 'groupMap'] as const;

/**
 * Runs a variant's parent hook (under the deadline: it runs while the model is built): its errors
 * and a malformed table become one UsageError line; every op it adds or rewrites is contained.
 */
function guardedParent(at: string, hook: ParentHook, ops: VdpaConfigOps, parent: string, kernel: VdpaKernel, timeLimitSeconds: number): VdpaConfigOps {
  let out: unknown;
  try {
    out = withDeadline(timeLimitSeconds * 1000, () => hook(ops, { parent, kernel, call: callInThisCopy }));
  } catch (e) {
    if (e instanceof DeadlineExceeded) throw new UsageError(`${at}: parent hook did not return within --time-limit ${timeLimitSeconds} s for --parent ${parent}`);
    throw new UsageError(`${at}: parent hook threw for --parent ${parent}: ${firstLine(e)}`);
  }
  if (typeof out !== 'object' || out === null) throw new UsageError(`${at}: parent hook returned no ops table for --parent ${parent}`);
  const o = out as Record<string, unknown>;
  for (const k of REQUIRED_OPS) {
    if (typeof o[k] !== 'function') throw new UsageError(`${at}: parent hook's ops table for --parent ${parent} lacks ${k} (keep the base table's with ...ops)`);
  }
  const before = ops as unknown as Record<string, unknown>;
  const contained: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(o)) {
    contained[k] = typeof f === 'function' && f !== before[k] ? containedOp(at, k, f as (...args: unknown[]) => unknown) : f;
  }
  return contained as unknown as VdpaConfigOps;
}

const isInt = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const isPage = (v: unknown): boolean => isInt(v, -2, NH - 1); // a host page, FAULT (-1) or IDENTITY (-2)
const isErrno = (v: unknown): boolean => v === 0 || (typeof v === 'string' && /^-E[A-Z0-9]+$/.test(v));
const pages = (n: number) => (v: unknown): boolean => Array.isArray(v) && v.length === n && v.every(isPage);
/**
 * What each op of struct vdpa_config_ops (model/parents/ops.ts) may return: a variant's op that
 * returns anything else would make the verdict wrong, so it is refused like a bad write.
 */
const RETURNS: Readonly<Record<string, readonly [(v: unknown) => boolean, string]>> = {
  set_map: [isErrno, '0 or a negative errno name ("-ENOMEM")'],
  dma_map: [isErrno, '0 or a negative errno name ("-ENOMEM")'],
  set_group_asid: [isErrno, '0 or a negative errno name ("-EINVAL")'],
  get_backend_features: [(v) => isInt(v, 0, 0x7fffffff), 'a backend feature mask (bit(...) | ...)'],
  canDma: [(v) => v === true || v === false, 'a boolean'],
  translate: [isPage, `a host page 0..${NH - 1}, FAULT (${FAULT}) or IDENTITY (-2)`],
  asidMap: [isPage, `a host page 0..${NH - 1}, FAULT (${FAULT}) or IDENTITY (-2)`],
  groupMap: [isPage, `a host page 0..${NH - 1}, FAULT (${FAULT}) or IDENTITY (-2)`],
  initialDevMap: [pages(NAS * NP), `an array of ${NAS * NP} translations`],
  initialCvq: [pages(NP), `an array of ${NP} translations`],
};

/** The variant's error: exit 2 (a UsageError), with what ran and how it failed. */
export class VariantError extends UsageError {}

/**
 * An op the variant wrote, as the model calls it: the running op is recorded (a deadline that
 * passes names it), a throw becomes VariantError, and a world it was given is checked whole
 * against the world schema when it returns (a field outside the schema, a wrongly typed or
 * out-of-range value, an array of the wrong length). Only the variant's own ops pay for this.
 */
function containedOp(at: string, name: string, f: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  const label = `${at}: op ${name}`;
  const returns = Object.hasOwn(RETURNS, name) ? RETURNS[name] : undefined;
  return function contained(this: unknown, ...args: unknown[]): unknown {
    const token = enterVariantOp(label);
    let r: unknown;
    try {
      r = f.apply(this, args);
    } catch (e) {
      leaveVariantOp(token);
      if (e instanceof UsageError) throw e;
      throw new VariantError(`${label} threw: ${firstLine(e)}`);
    }
    const w = args[0];
    if (typeof w === 'object' && w !== null && !Array.isArray(w)) {
      const bad = worldSchemaViolation(w);
      if (bad !== undefined) {
        leaveVariantOp(token);
        throw new VariantError(`${label} wrote ${bad}`);
      }
    }
    if (returns !== undefined && !returns[0](r)) {
      leaveVariantOp(token);
      throw new VariantError(`${label} returned ${typeof r === 'string' ? JSON.stringify(r) : Array.isArray(r) ? `[${r.join(', ')}]` : String(r)} (expected ${returns[1]})`);
    }
    leaveVariantOp(token);
    return r;
  };
}

/** Runs a variant's SET_BACKEND_FEATURES check: a throw or a malformed verdict is a usage error. */
function guardedSbf(at: string, hook: SbfHook, below: VdpaKernel['sbfOverride']): NonNullable<VdpaKernel['sbfOverride']> {
  return (features, ops, shipped) => {
    const inner = below === undefined ? shipped : (): Verdict => below(features, ops, shipped);
    let v: unknown;
    const token = enterVariantOp(`${at}: sbfCheck`);
    try {
      v = hook(features, ops, inner);
    } catch (e) {
      leaveVariantOp(token);
      if (e instanceof UsageError) throw e;
      throw new VariantError(`${at}: sbfCheck threw: ${firstLine(e)}`);
    }
    leaveVariantOp(token);
    const r = v as { ok?: unknown; ret?: unknown; reason?: unknown } | null;
    if (r === null || typeof r !== 'object' || (r.ok !== true && !(r.ok === false && typeof r.ret === 'string'))) {
      throw new VariantError(`${at}: sbfCheck must return accept() or refuse(errno, reason)`);
    }
    return v as Verdict;
  };
}

// ---- loading a variant module (systems/variant-module.ts: bundled, type-checked, evaluated under a deadline) ----

/** The vDPA kernel a variant module stands for, and where it came from (traces record both). */
export interface LoadedVariant {
  readonly kernel: VdpaKernel;
  /** The path as given to --kernel. */
  readonly path: string;
  readonly abs: string;
  /** sha256 of the variant's own source files (systems/variant-module.ts contentHash). */
  readonly hash: string;
}

/**
 * `--kernel ./file.ts`: loads the module (systems/variant-module.ts) and resolves its variant (the
 * default export, or a named `variant`). Every failure is one UsageError line: exit 2.
 */
export async function loadVariant(path: string, timeLimitSeconds = 60): Promise<LoadedVariant> {
  const where = `--kernel ${path}`;
  const api = await import('./variant.js'); // this very module: a variant's `vdpa-mc/variant`
  const mod = await loadVariantModule(path, { timeLimitSeconds, api });
  const v = pickExport(mod.exports, 'variant');
  if (v === undefined) {
    throw new UsageError(`${where}: exports no variant (accepted: export default defineVariant({...}), or export const variant = defineVariant({...}))`);
  }
  return { kernel: resolveVariant(v, where, 0, timeLimitSeconds), path, abs: mod.abs, hash: mod.hash };
}
