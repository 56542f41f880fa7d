// One sequence of actions run on the model and on a real kernel in the lab guest, step by step:
// each call's return value (and errno), and the pages pinned and unpinned (PA mode), compared.
import type { Action } from '../spec/vdpa/actions.js';
import { labelAction } from '../spec/vdpa/actions.js';
import { VDPA_KERNEL_TABLE, type VdpaKernel } from '../spec/vdpa/kernels.js';
import { buildVdpaModel, step } from '../systems/vdpa/model.js';
import { makeParent } from '../systems/vdpa/parents.js';
import { guard, offeredFeatures } from '../spec/vdpa/transitions.js';
import type { World } from '../spec/vdpa/world.js';
import type { VdpaCtx } from '../model/context.js';
import type { Userspace } from '../model/userspace.js';
import { anyUserspace } from '../model/userspace-any.js';
import { LabError, readLabManifest, type Guest, type LabKernel } from './guest.js';
import { agentCommand, kernelFeatures, labLimits, parentSetup, parseStepReply, type LabParent } from './mapping.js';

export interface LabTarget {
  readonly kernelName: LabKernel;
  readonly parent: LabParent;
  readonly kernel: VdpaKernel;
  readonly ctx: VdpaCtx;
  readonly userspace: Userspace;
  readonly init: World;
}

/**
 * Whether the lab's 6.1 lacks the SET_GROUP_ASID group bound check (cd025c1e876b) that the model's
 * 6.1 (6.1.192) has: Debian's 6.1.176 did (vhost_vdpa_vring_ioctl l.550-557, lab/DISCREPANCIES.md D3);
 * 6.1.192 has it (l.556). `source` is the Debian version of linux-source-6.1 the lab was built from.
 */
export function lacksGroupCheck(source: string | undefined): boolean {
  const m = /^6\.1\.(\d+)/.exec(source ?? '');
  return m !== null && Number(m[1]) < 192;
}

/** The Debian source version the built lab has for a kernel (lab.json), if the lab is built. */
export function labSource(k: LabKernel): string | undefined {
  const m = readLabManifest();
  return typeof m === 'string' ? undefined : m.kernels[k].source;
}

/** The model as the lab's kernel is configured (lab/mapping.ts labLimits). */
export function labTarget(kernelName: LabKernel, parent: LabParent, userspace: Userspace = anyUserspace(), source: string | undefined = labSource(kernelName)): LabTarget {
  const modelled = VDPA_KERNEL_TABLE[kernelName];
  if (modelled === undefined) throw new LabError(`no model of kernel ${kernelName}`);
  const kernel: VdpaKernel = kernelName === '6.1' && lacksGroupCheck(source) ? { ...modelled, sgaGroupCheck: false } : modelled;
  const ctx: VdpaCtx = { kernel, ops: makeParent(parent, kernel), limits: labLimits(kernelName) };
  const model = buildVdpaModel(ctx, userspace, []);
  return { kernelName, parent, kernel, ctx, userspace, init: model.init()[0]! };
}

export interface StepComparison {
  /** 1-based. */
  readonly index: number;
  readonly action: Action;
  readonly label: string;
  readonly model: { readonly ret: string; readonly reason?: string; readonly pinDelta: number };
  readonly kernel: { readonly ret: string; readonly pinsAcquired: number; readonly pinsReleased: number };
  /** What differs, or undefined when the step agrees. */
  readonly difference?: string;
}

export interface SequenceComparison {
  readonly steps: readonly StepComparison[];
  /** The first step that differs (1-based), if any. */
  readonly firstDifference?: number;
  /** The host pages' page frame numbers as the agent laid them out (h0..h3). */
  readonly pfns: readonly number[];
  /** The model's worlds: [init, after step 1, ...]. */
  readonly worlds: readonly World[];
}

const sumPins = (w: World): number => w.pinned.reduce((a, b) => a + b, 0);

/** The model's side: the return value of each call and the net pin change (refused calls change nothing). */
export function runModel(t: LabTarget, actions: readonly Action[]): { results: { ret: string; reason?: string; pinDelta: number }[]; worlds: World[] } {
  let w = t.init;
  const worlds = [w];
  const results: { ret: string; reason?: string; pinDelta: number }[] = [];
  for (const a of actions) {
    const v = guard(t.ctx, w, a);
    if (!v.ok) {
      results.push({ ret: v.ret, reason: v.reason, pinDelta: 0 });
    } else {
      const r = step(t.ctx, t.userspace, w, a);
      results.push({ ret: r.result.ret, ...(r.result.reason !== undefined ? { reason: r.result.reason } : {}), pinDelta: sumPins(r.world) - sumPins(w) });
      w = r.world;
    }
    worlds.push(w);
  }
  return { results, worlds };
}

/** Why the lab cannot run these actions, or undefined when it can. */
export function unsupportedIn(actions: readonly Action[], k: VdpaKernel): string | undefined {
  for (const [i, a] of actions.entries()) {
    const c = agentCommand(a, k);
    if (typeof c !== 'string') return `step ${i + 1} (${a.t}): ${c.unsupported}`;
  }
  return undefined;
}

/** A guest with one vdpa_sim configuration loaded at a time. */
export class LabSession {
  private loaded: LabParent | undefined;
  /** Steps and sequences run on the kernel in this session. */
  steps = 0;
  sequences = 0;

  constructor(readonly guest: Guest) {}

  /** Loads the parent's module parameters and checks GET_BACKEND_FEATURES against the model's offer. */
  async use(t: LabTarget): Promise<void> {
    if (this.loaded === t.parent) return;
    const s = parentSetup(t.parent);
    const [reply] = await this.guest.run([`P ${s.batchMapping} ${s.useVa}`]);
    const m = /^P (-?\d+) (\d+)$/.exec(reply ?? '');
    if (m === null || m[1] !== '0') throw new LabError(`loading vdpa_sim (${t.parent}) on ${t.kernelName} failed: ${reply ?? '(no reply)'}; console: ${this.guest.consoleTail()}`);
    const offered = BigInt(m[2]!);
    const expected = kernelFeatures(offeredFeatures(t.kernel, t.ctx.ops), t.kernel);
    if (offered !== expected) {
      throw new LabError(`GET_BACKEND_FEATURES on ${t.kernelName} ${t.parent}: kernel 0x${offered.toString(16)}, model 0x${expected.toString(16)}`);
    }
    this.loaded = t.parent;
  }

  /** Runs the actions on the model and on the kernel (fresh fd and host pages first) and compares. */
  async compare(t: LabTarget, actions: readonly Action[]): Promise<SequenceComparison> {
    await this.use(t);
    const lines: string[] = [`N ${t.ctx.ops.useVa ? 1 : 0}`];
    for (const a of actions) {
      const c = agentCommand(a, t.kernel);
      if (typeof c !== 'string') throw new LabError(`${a.t}: ${c.unsupported}`);
      lines.push(c);
    }
    const replies = await this.guest.run(lines);
    const n = /^N (-?\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(replies[0] ?? '');
    if (n === null || n[1] !== '0') throw new LabError(`the agent could not lay out the host pages: ${replies[0] ?? '(no reply)'}`);
    const pfns = [Number(n[2]), Number(n[3]), Number(n[4]), Number(n[5])];
    const { results, worlds } = runModel(t, actions);
    const comparePins = !t.ctx.ops.useVa; // VA mode pins nothing (the model counts file references)
    const steps: StepComparison[] = [];
    let first: number | undefined;
    for (const [i, a] of actions.entries()) {
      const k = parseStepReply(replies[i + 1] ?? '');
      if (k === undefined) throw new LabError(`step ${i + 1}: unreadable reply ${JSON.stringify(replies[i + 1])}`);
      const m = results[i]!;
      const diffs: string[] = [];
      if (m.ret !== k.ret) diffs.push(`returned ${k.ret}, model ${m.ret}`);
      if (comparePins && k.pinsAcquired - k.pinsReleased !== m.pinDelta) {
        diffs.push(`pinned ${k.pinsAcquired - k.pinsReleased >= 0 ? '+' : ''}${k.pinsAcquired - k.pinsReleased} (+${k.pinsAcquired} −${k.pinsReleased}), model ${m.pinDelta >= 0 ? '+' : ''}${m.pinDelta}`);
      }
      const s: StepComparison = {
        index: i + 1, action: a, label: labelAction(a, t.kernel.featureBits),
        model: m, kernel: k, ...(diffs.length > 0 ? { difference: diffs.join('; ') } : {}),
      };
      if (diffs.length > 0 && first === undefined) first = i + 1;
      steps.push(s);
    }
    this.steps += actions.length;
    this.sequences++;
    return { steps, pfns, worlds, ...(first !== undefined ? { firstDifference: first } : {}) };
  }
}

/** The step-by-step table, one line per step: model vs kernel. */
export function renderComparison(c: SequenceComparison, opts: { upTo?: number } = {}): string[] {
  const out: string[] = [];
  const upTo = opts.upTo ?? c.steps.length;
  for (const s of c.steps.slice(0, upTo)) {
    const mark = s.difference === undefined ? '  ' : '≠ ';
    const pins = s.kernel.pinsAcquired !== 0 || s.kernel.pinsReleased !== 0 || s.model.pinDelta !== 0
      ? `  pins kernel +${s.kernel.pinsAcquired}/−${s.kernel.pinsReleased} model ${s.model.pinDelta >= 0 ? '+' : ''}${s.model.pinDelta}` : '';
    out.push(`${mark}${String(s.index).padStart(2)}. ${s.label}`);
    out.push(`      kernel ${s.kernel.ret}  model ${s.model.ret}${s.model.reason !== undefined && s.model.ret !== '0' ? ` (${s.model.reason})` : ''}${pins}`);
    if (s.difference !== undefined) out.push(`      differs: ${s.difference}`);
  }
  return out;
}
