// VFIO kernel variants, as vDPA's (systems/vdpa/variant.ts): a reviewer writes what a patch (or an
// older kernel's behaviour, or another IOMMU driver) changes as a variant of a VFIO kernel of the
// table, and names the file with `--system vfio --kernel ./file.ts`. A variant is data: the base
// kernel's behaviour table with some entries changed. Recognised by its `kind` tag, never by
// identity (the module may be evaluated by another copy of this file).
import { UsageError } from '../../spec/config.js';
import { loadVariantModule, pickExport } from '../variant-module.js';
import { MAP_OVER_PRESENT_PTE, VFIO_KERNEL_TABLE, type MapOverPresentPte, type VfioKernel } from '../../spec/vfio/kernels.js';

/** The tag that makes an object a VFIO variant (a string, so that two copies of this module agree). */
export const VFIO_VARIANT_KIND = 'vdpa-mc/vfio-kernel-variant@1';

/** The behaviours a variant may change: every field of VfioKernel but its name and description. */
export type VfioKernelBehaviours = Omit<VfioKernel, 'name' | 'description'>;

export interface VfioVariantSpec {
  /** A kernel of the VFIO table ('6.12', 'lu-rfc', 'lu-rfc-noflag') or another VFIO variant. */
  readonly base: string | VfioVariant;
  /** Shown in results and traces; letters, digits and . _ + - only; not a shipped kernel's name. */
  readonly name: string;
  /** One line: what the variant changes. */
  readonly description: string;
  /** Entries of the base kernel's behaviour table (spec/vfio/kernels.ts) that the variant changes. */
  readonly kernel?: Partial<VfioKernelBehaviours>;
}

export interface VfioVariant extends VfioVariantSpec {
  readonly kind: typeof VFIO_VARIANT_KIND;
}

/** The typed helper a VFIO variant module's default export is made with. */
export function defineVfioVariant(spec: VfioVariantSpec): VfioVariant {
  return Object.freeze({ ...spec, kind: VFIO_VARIANT_KIND });
}

export function isVfioVariant(v: unknown): v is VfioVariant {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === VFIO_VARIANT_KIND;
}

const NAME_RE = /^[A-Za-z0-9._+-]{1,64}$/;
const MAX_BASE_CHAIN = 16;
const BASES = Object.keys(VFIO_KERNEL_TABLE);

/** Checks one `kernel` entry against the base table; returns why it is wrong, or undefined. */
function badEntry(key: keyof VfioKernelBehaviours, value: unknown, base: VfioKernel): string | undefined {
  switch (key) {
    case 'mapOverPresentPte':
      return MAP_OVER_PRESENT_PTE.includes(value as MapOverPresentPte) ? undefined : `must be one of ${MAP_OVER_PRESENT_PTE.join(', ')}`;
    case 'mapFlagMask':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 31 ? undefined : 'must be a flag mask (a non-negative integer)';
    default:
      return typeof value === typeof base[key] ? undefined : `must be a ${typeof base[key]}`;
  }
}

/** The VfioKernel a variant stands for; throws UsageError (one line) when it is malformed. */
export function resolveVfioVariant(v: unknown, where: string, chain = 0): VfioKernel {
  if (!isVfioVariant(v)) {
    throw new UsageError(`${where}: not a vfio variant (make it with defineVfioVariant({ base, name, description, kernel }) from systems/vfio/variant.ts)`);
  }
  if (chain > MAX_BASE_CHAIN) throw new UsageError(`${where}: more than ${MAX_BASE_CHAIN} variants deep (a cycle of bases?)`);
  const name = v.name as unknown;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new UsageError(`${where}: name ${JSON.stringify(name)} is not a variant name (accepted: 1-64 letters, digits, . _ + -)`);
  }
  const at = `${where} (variant ${name})`;
  if (BASES.includes(name)) throw new UsageError(`${at}: the name of a kernel of the table; give the variant its own name (e.g. ${name}-patched)`);
  if (typeof v.description !== 'string') throw new UsageError(`${at}: description must be a string`);
  let base: VfioKernel;
  if (typeof v.base === 'string') {
    const k = VFIO_KERNEL_TABLE[v.base];
    if (k === undefined || !BASES.includes(v.base)) throw new UsageError(`${at}: base "${v.base}" is not a vfio kernel (accepted: ${BASES.join(', ')}, or a vfio variant)`);
    base = k;
  } else if (isVfioVariant(v.base)) {
    base = resolveVfioVariant(v.base, `${where}: base`, chain + 1);
  } else {
    throw new UsageError(`${at}: base must be a vfio kernel name (${BASES.join(', ')}) or a vfio variant`);
  }
  const entries: Partial<Record<keyof VfioKernelBehaviours, unknown>> = {};
  const over = v.kernel as unknown;
  if (over !== undefined) {
    if (typeof over !== 'object' || over === null) throw new UsageError(`${at}: kernel must be an object of behaviour entries`);
    const known = Object.keys(base).filter((k) => k !== 'name' && k !== 'description') as (keyof VfioKernelBehaviours)[];
    for (const [key, value] of Object.entries(over)) {
      if (!(known as string[]).includes(key)) throw new UsageError(`${at}: kernel.${key} is not a vfio kernel behaviour (accepted: ${known.join(', ')})`);
      const bad = badEntry(key as keyof VfioKernelBehaviours, value, base);
      if (bad !== undefined) throw new UsageError(`${at}: kernel.${key} ${bad}`);
      entries[key as keyof VfioKernelBehaviours] = value;
    }
  }
  return { ...base, ...(entries as Partial<VfioKernelBehaviours>), name, description: v.description };
}

/** `--system vfio --kernel ./file.ts`: the module (systems/variant-module.ts: bundled, type-checked, evaluated under a deadline), its variant resolved. */
export async function loadVfioVariant(path: string, timeLimitSeconds = 60): Promise<{ kernel: VfioKernel; hash: string; abs: string }> {
  const where = `--kernel ${path}`;
  // A variant's `vdpa-mc/variant` is the running API (both systems' helpers).
  const api = { ...(await import('../vdpa/variant.js')), ...(await import('./variant.js')) };
  const mod = await loadVariantModule(path, { timeLimitSeconds, api });
  const v = pickExport(mod.exports, 'variant');
  if (v === undefined) {
    throw new UsageError(`${where}: exports no variant (accepted: export default defineVfioVariant({...}), or export const variant = defineVfioVariant({...}))`);
  }
  return { kernel: resolveVfioVariant(v, where), hash: mod.hash, abs: mod.abs };
}
