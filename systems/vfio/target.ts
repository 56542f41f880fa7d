// From a validated configuration (--system vfio) to the VFIO type1 model, its bounds, its
// invariants and its alphabet.
import { type Bounds, type Config, type InvariantId, UsageError, VFIO_KERNELS, VFIO_USERSPACES } from '../../spec/config.js';
import { defaultBounds, namesOf, validateKernel } from '../catalogue.js';
import type { CheckTarget } from '../target.js';
import { VFIO_REGISTRY } from './registry.js';
import type { TraceModel } from '../../traces/trace-model.js';
import { DMA_ENTRY_LIMIT, NH, NP, NV, PAGE, SHARED_VADDRS, hex, iovaHex, vaddrHex } from '../../spec/vfio/constants.js';
import { labelAction, type VfioAction } from '../../spec/vfio/actions.js';
import { VFIO_KERNEL_TABLE, type VfioKernel } from '../../spec/vfio/kernels.js';
import { buildVfioModel, VFIO_INVARIANT_IDS, type VfioModel, type VfioUserspace } from './model.js';
import { compareVfioBehaviour } from './compare.js';

/** The VFIO model behind each target's TraceModel, so that a target compares with another without a cast. */
const MODELS = new WeakMap<object, VfioModel>();
import { loadVfioVariant } from './variant.js';

function alphabetLines(kernelName: string, userspace: VfioUserspace, actions: readonly VfioAction[]): string[] {
  const lines = [
    `IOVA pages: ${Array.from({ length: NP }, (_, p) => iovaHex(p)).join(', ')} (page ${hex(PAGE)})`,
    `vaddr pages: ${Array.from({ length: NV }, (_, v) => `${vaddrHex(v)} (${SHARED_VADDRS[v] ? 'shared memory' : 'private'})`).join(', ')}`,
    `host pages: ${Array.from({ length: NH }, (_, h) => `h${h}`).join(', ')}`,
    `dma_entry_limit=${DMA_ENTRY_LIMIT}; group A (the running device) attached at start, group B attachable`,
    `kernel ${kernelName}, userspace ${userspace}: ${actions.length} actions`,
  ];
  if (userspace === 'any') {
    // One line per kind: how many, and the distinct flag sets, so the alphabet stays readable.
    const kinds = new Map<string, { n: number; flags: Set<string> }>();
    for (const a of actions) {
      const label = labelAction(a);
      const op = label.split(' ')[0]!.replace(/[;(].*/, '');
      const e = kinds.get(op) ?? { n: 0, flags: new Set<string>() };
      e.n++;
      const f = / flags=(\S+)/.exec(label);
      if (f) e.flags.add(f[1]!);
      kinds.set(op, e);
    }
    for (const [op, e] of kinds) lines.push(`  ${op}: ${e.n}${e.flags.size ? ` (flags ${[...e.flags].join(', ')})` : ''}`);
  }
  return lines;
}

export async function buildVfioTarget(config: Config): Promise<CheckTarget> {
  if (config.excludeActions !== undefined && config.excludeActions.length > 0) {
    throw new UsageError('--exclude-actions: applies to --system vdpa --userspace any only');
  }
  const shipped = (VFIO_KERNELS as readonly string[]).includes(config.kernel);
  if (!shipped) validateKernel('vfio', config.kernel); // a readable variant module, or a one-line UsageError
  const loaded = shipped ? undefined : await loadVfioVariant(config.kernel, config.bounds.timeLimit ?? 60);
  const kernel: VfioKernel = loaded === undefined ? VFIO_KERNEL_TABLE[config.kernel]! : loaded.kernel;
  // `qemu` (the default userspace name of the vdpa system) means QEMU's live update here: cpr.
  const us = config.userspace === 'qemu' ? 'cpr' : config.userspace;
  if (!(VFIO_USERSPACES as readonly string[]).includes(us)) {
    throw new UsageError(`unknown vfio userspace '${config.userspace}': expected ${namesOf(VFIO_REGISTRY.userspaces).join(', ')}`);
  }
  const userspace = us as VfioUserspace;
  const applicable: readonly InvariantId[] = VFIO_INVARIANT_IDS;
  if (config.invariants !== undefined) {
    const bad = config.invariants.filter((i) => !applicable.includes(i));
    if (bad.length) throw new UsageError(`invariant ${bad.join(', ')} does not apply to --system vfio: expected ${applicable.join(', ')}`);
  }
  const invariants = config.invariants ?? applicable;
  const d = defaultBounds('vfio', userspace);
  const bounds: Bounds = {
    maxDepth: config.bounds.maxDepth ?? d.maxDepth,
    maxStates: config.bounds.maxStates ?? d.maxStates,
    timeLimit: config.bounds.timeLimit ?? d.timeLimit,
  };
  const model = buildVfioModel(kernel, userspace, invariants);
  MODELS.set(model, model);
  const alphabet = [
    ...alphabetLines(kernel.name, userspace, model.alphabetActions),
    ...(userspace === 'cpr' ? model.alphabetActions.map((a, i) => `${i + 1}. ${labelAction(a)}`) : []),
  ];
  return {
    config: { system: 'vfio', kernel: kernel.name, parent: undefined, userspace, bounds, invariants },
    model: model as unknown as TraceModel<unknown, unknown>,
    applicable,
    alphabet,
    kernel: { name: kernel.name, description: kernel.description },
    compareBehaviour: (patched, limits, explore) => {
      const other = MODELS.get(patched.model);
      if (other === undefined) throw new UsageError('compare: both sides must be vfio configurations');
      return compareVfioBehaviour(model, other, limits, explore);
    },
    ...(loaded !== undefined ? { variant: { name: kernel.name, path: config.kernel, abs: loaded.abs, hash: loaded.hash } } : {}),
  };
}
