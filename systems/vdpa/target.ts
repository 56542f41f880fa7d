// From a configuration to the vDPA model that checks it: kernel table, parent ops, userspace,
// invariants that apply, default bounds, and the alphabet printed with each result.
import { type Bounds, type Config, type ContractName, DEFAULT_REDUCE, INVARIANT_IDS, type InvariantId, UsageError } from '../../spec/config.js';
import { defaultBounds as registryBounds, namesOf, validateKernel } from '../catalogue.js';
import { VDPA_REGISTRY } from './registry.js';
import type { CheckTarget, VariantSource } from '../target.js';
import { MODEL_LIMITS, type VdpaCtx } from '../../model/context.js';
import type { Userspace } from '../../model/userspace.js';
import { anyUserspace } from '../../model/userspace-any.js';
import { matchesFilter, parseActionFilter } from '../../model/action-filter.js';
import { contract } from '../../model/contract.js';
import { qemuUserspace } from '../../model/qemu.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import type { TraceModel } from '../../traces/trace-model.js';
import { ACTION_ARGS, ACTION_KINDS, labelAction } from '../../spec/vdpa/actions.js';
import { VDPA_KERNEL_TABLE, type VdpaKernel } from '../../spec/vdpa/kernels.js';
import { buildVdpaModel, type VdpaModel } from './model.js';
import { compareBehaviour } from './compare.js';
import { costOf, referenceCycle } from './cost.js';
import type { Action } from '../../spec/vdpa/actions.js';
import { vdpaJudge } from './cause.js';
import { deadFieldCanonical } from './reduce.js';
import { makeParent } from './parents.js';
import { loadVariant } from './variant.js';
import { offeredFeatures } from '../../spec/vdpa/transitions.js';
import { featureHex, featureNames } from '../../spec/vdpa/actions.js';

/** Default bounds of a vDPA configuration with this userspace (the registry's: systems/vdpa/registry.ts). */
export const defaultBounds = (userspace: string): Bounds => registryBounds('vdpa', userspace);

export function makeUserspace(name: string, exclude: readonly string[] = [], contract: ContractName = 'none'): Userspace {
  if (exclude.length > 0 && name !== 'any') throw new UsageError(`--exclude-actions: applies to --userspace any only (got ${name})`);
  if (contract !== 'none' && name !== 'any') throw new UsageError(`--contract ${contract}: applies to --userspace any only (got ${name})`);
  if (name === 'any') return anyUserspace(exclude.map((e) => parseActionFilter(e, ACTION_KINDS, ACTION_ARGS)), contract);
  if (name === 'qemu' || name === 'qemu-persist') return qemuUserspace(name);
  throw new UsageError(`--userspace ${name}: not a vdpa userspace (accepted: ${namesOf(VDPA_REGISTRY.userspaces).join(', ')})`);
}

/** A shipped kernel by name, or a variant module by path (systems/vdpa/variant.ts), with where it came from. */
export async function resolveKernelSource(name: string, timeLimitSeconds?: number): Promise<{ kernel: VdpaKernel; variant?: VariantSource }> {
  const k = Object.hasOwn(VDPA_KERNEL_TABLE, name) ? VDPA_KERNEL_TABLE[name] : undefined;
  if (k !== undefined) return { kernel: k };
  validateKernel('vdpa', name); // not shipped: a readable variant module, or a one-line UsageError
  const v = await loadVariant(name, timeLimitSeconds);
  return { kernel: v.kernel, variant: { name: v.kernel.name, path: v.path, abs: v.abs, hash: v.hash } };
}

/** A shipped kernel by name, or a variant module by path. */
export async function resolveKernel(name: string, timeLimitSeconds?: number): Promise<VdpaKernel> {
  return (await resolveKernelSource(name, timeLimitSeconds)).kernel;
}

/** The vDPA model behind each target's TraceModel, so that a target compares with another without a cast. */
const MODELS = new WeakMap<object, VdpaModel>();

export async function buildVdpaTarget(config: Config): Promise<CheckTarget> {
  const timeLimit = config.bounds.timeLimit ?? defaultBounds(config.userspace).timeLimit;
  const { kernel, variant } = await resolveKernelSource(config.kernel, timeLimit);
  const parentName = config.parent ?? VDPA_REGISTRY.defaults.parent!;
  const limits = { ...MODEL_LIMITS, ...(config.iotlbLimit === undefined ? {} : { iotlbLimit: config.iotlbLimit }) };
  const ctx: VdpaCtx = { kernel, ops: makeParent(parentName, kernel), limits };
  const us = makeUserspace(config.userspace, config.excludeActions, config.contract ?? 'none');
  if (config.excludeActions !== undefined && config.excludeActions.length > 0) {
    // a filter that leaves nothing out is a typo, not a harmless no-op (issue 11)
    const full = makeUserspace(config.userspace, [], config.contract ?? 'none').alphabet(ctx);
    for (const e of config.excludeActions) {
      const f = parseActionFilter(e, ACTION_KINDS, ACTION_ARGS);
      if (!full.some((a) => matchesFilter(f, a))) {
        throw new UsageError(`--exclude-actions ${e}: matches no action of this configuration's alphabet (${ctx.ops.nas} ASID${ctx.ops.nas === 1 ? '' : 's'}, ${ctx.ops.ngroups} group${ctx.ops.ngroups === 1 ? '' : 's'}; see vdpa-mc list actions)`);
      }
    }
  }
  const applicable = VDPA_INVARIANTS.filter((i) => i.applies(ctx)).map((i) => i.id);
  const chosen: readonly InvariantId[] = config.invariants ?? applicable;
  for (const id of chosen) {
    if (!applicable.includes(id)) {
      throw new UsageError(`--invariants ${id}: does not apply to --system vdpa --parent ${parentName} (applicable: ${applicable.join(', ')})`);
    }
  }
  const invs = VDPA_INVARIANTS.filter((i) => chosen.includes(i.id));
  // a variant is user code that may read any field: its worlds are never reduced (systems/vdpa/reduce.ts)
  const reduce = variant === undefined ? config.reduce ?? DEFAULT_REDUCE : 'none';
  // nor do footprints hold for it: no independence either (systems/vdpa/independence.ts)
  const model = buildVdpaModel(ctx, us, invs, reduce === 'canonical' ? deadFieldCanonical(ctx, chosen) : undefined, variant === undefined);
  MODELS.set(model, model);
  const defaults = defaultBounds(config.userspace);
  const bounds: Bounds = {
    maxDepth: config.bounds.maxDepth ?? defaults.maxDepth,
    maxStates: config.bounds.maxStates ?? defaults.maxStates,
    timeLimit: config.bounds.timeLimit ?? defaults.timeLimit,
  };
  const offered = offeredFeatures(kernel, ctx.ops);
  const alphabet = [
    `IOVA pages p0..p3 (0x0..0x4000), host pages h0..h3 (pfn 0x100,0x101 contiguous; 0x200; 0x300), ASIDs 0..${ctx.ops.nas - 1}, groups 0..${ctx.ops.ngroups - 1}`,
    `max_iotlb_entries ${limits.iotlbLimit} per address space (2048 in the kernel, scaled; --iotlb-limit), pin_user_pages batch ${limits.pinBatch} page (512)`,
    `GET_BACKEND_FEATURES offers ${featureHex(offered, kernel.featureBits)} ${featureNames(offered)}`,
    ...(config.excludeActions !== undefined && config.excludeActions.length > 0
      ? [`left out (--exclude-actions): ${config.excludeActions.join(', ')}`] : []),
    ...(config.contract !== undefined && config.contract !== 'none'
      ? [`contract ${config.contract}: ${contract(config.contract).clauses.map((c) => c.id).join(', ')}`] : []),
    ...us.alphabet(ctx).map((a) => labelAction(a, kernel.featureBits)),
  ];
  return {
    config: { system: 'vdpa', kernel: kernel.name, parent: parentName, userspace: us.name, bounds, invariants: chosen, ...(config.iotlbLimit === undefined ? {} : { iotlbLimit: config.iotlbLimit }), ...(reduce !== 'none' ? { reduce } : {}), ...(config.por === 'sleep' && model.independent !== undefined ? { por: config.por } : {}) },
    model: model as unknown as TraceModel<unknown, unknown>,
    judge: vdpaJudge(model, invs, us.name === 'any'),
    kernel: { name: kernel.name, description: kernel.description },
    compareBehaviour: (patched, limits, explore) => {
      const other = MODELS.get(patched.model);
      if (other === undefined) throw new UsageError('compare: both sides must be vdpa configurations');
      return compareBehaviour(model, other, limits, explore);
    },
    referenceCycle: () => referenceCycle(model),
    costOf: (actions) => costOf(model, actions as readonly Action[]).cost,
    applicable: INVARIANT_IDS.filter((id) => applicable.includes(id)),
    alphabet,
    ...(variant !== undefined ? { variant } : {}),
  };
}
