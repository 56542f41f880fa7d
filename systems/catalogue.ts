// Everything a user can name, per system: the one registry each system writes (systems/vdpa/registry.ts,
// systems/vfio/registry.ts) of its kernels, parents, userspaces, invariants, actions, defaults and
// bounds. Help, `list`, the matrix headings, option validation and the README tables (scripts/docs.ts)
// all derive from here. Light on purpose: no model is built, so `--help` stays quick.
import { accessSync, constants, statSync } from 'node:fs';
import { type Bounds, INVARIANT_IDS, type InvariantId, type ParentName, SYSTEMS, type SystemName, UsageError } from '../spec/config.js';
import { isVariantPath } from './variant-module.js';
import { VDPA_REGISTRY } from './vdpa/registry.js';
import { VFIO_REGISTRY } from './vfio/registry.js';

/** A name and its one-line description. */
export interface Entry {
  readonly name: string;
  readonly description: string;
}

export interface InvariantEntry {
  readonly id: InvariantId;
  readonly title: string;
  /** The kernel behaviour it guards. */
  readonly guards: string;
}

/** A kernel and the parents it has (vfio: none): the matrix, validation and the lab derive from it. */
export interface KernelEntry extends Entry {
  readonly parents: readonly ParentName[];
}

export interface UserspaceEntry extends Entry {
  /** The bounds a configuration with this userspace gets unless the command line says otherwise. */
  readonly bounds: Bounds;
}

export interface SystemRegistry {
  readonly system: SystemName;
  readonly kernels: readonly KernelEntry[];
  /** vfio: none. */
  readonly parents: readonly Entry[];
  readonly userspaces: readonly UserspaceEntry[];
  /** In INVARIANT_IDS order: the invariants of this system, as their modules define them. */
  readonly invariants: readonly InvariantEntry[];
  /** The action kinds of the system's `any` alphabet. */
  readonly actions: readonly Entry[];
  readonly defaults: { readonly kernel: string; readonly parent: ParentName | undefined; readonly userspace: string };
}

export const REGISTRIES: Readonly<Record<SystemName, SystemRegistry>> = { vdpa: VDPA_REGISTRY, vfio: VFIO_REGISTRY };

export const registryOf = (system: SystemName): SystemRegistry => REGISTRIES[system];
export const namesOf = (entries: readonly Entry[]): string[] => entries.map((e) => e.name);

/** The default bounds of a configuration of `system` with `userspace` (a known one; else the default userspace's). */
export function defaultBounds(system: SystemName, userspace: string): Bounds {
  const r = REGISTRIES[system];
  const u = r.userspaces.find((e) => e.name === userspace) ?? r.userspaces.find((e) => e.name === r.defaults.userspace)!;
  return u.bounds;
}

/** The parents `kernel` has (a shipped kernel; none for an unknown name or a variant path: its base decides when it is built). */
export function parentsOfKernel(system: SystemName, kernel: string): readonly ParentName[] {
  return REGISTRIES[system].kernels.find((k) => k.name === kernel)?.parents ?? [];
}

/** The matrix heading of an invariant: the initials of its id (user-kernel-agreement → UKA). */
export const invariantHeading = (id: InvariantId): string => id.split('-').map((w) => w[0]!.toUpperCase()).join('');

/** Invariant id → title, the first system's where both define one (CI outputs). */
export function invariantTitles(): Readonly<Record<string, string>> {
  const t: Record<string, string> = {};
  for (const sys of SYSTEMS) for (const i of REGISTRIES[sys].invariants) if (!Object.hasOwn(t, i.id)) t[i.id] = i.title;
  return t;
}

/** Which systems define invariant `id`. */
export const systemsOfInvariant = (id: InvariantId): SystemName[] => SYSTEMS.filter((s) => REGISTRIES[s].invariants.some((i) => i.id === id));

const list = (xs: readonly string[]): string => xs.join(', ');

/**
 * The one validation of a `--kernel` value: a shipped kernel of the system, or the path of a readable
 * variant module (checked now). `cmd` prefixes the message ("vdpa-mc check"); `flag` names the option.
 */
export function validateKernel(system: SystemName, value: string, flag = 'kernel', cmd?: string): string {
  const shipped = namesOf(REGISTRIES[system].kernels);
  const at = cmd === undefined ? '' : `${cmd}: `;
  if (isVariantPath(value)) {
    let ok = false;
    try {
      accessSync(value, constants.R_OK);
      ok = statSync(value).isFile();
    } catch {
      ok = false;
    }
    if (ok) return value;
    throw new UsageError(
      `${at}--${flag} "${value}" is not a readable file (accepted: a ${system} kernel, ${list(shipped)}, or the path of a variant module)`,
    );
  }
  if (shipped.includes(value)) return value;
  throw new UsageError(`${at}--${flag} "${value}" is not a ${system} kernel (accepted: ${list(shipped)}, or the path of a variant module)`);
}

/** Every invariant id some system defines (a check that the registries cover INVARIANT_IDS). */
export const registeredInvariantIds = (): InvariantId[] => INVARIANT_IDS.filter((id) => systemsOfInvariant(id).length > 0);
