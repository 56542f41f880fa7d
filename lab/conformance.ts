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
import { expectedProbe, expectedVduse, parseProbeReply, parseVduseReply, probeCounts, probeName, probePlan, sharesProbeRings, vduseObserved, type DeviceProbe } from './device-probe.js';
import { NP } from '../spec/vdpa/constants.js';

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
  /** The device's translation of the data group's IOVA pages after the step (lab/device-probe.ts), or why not probed. */
  readonly device?: { readonly probes: readonly DeviceProbe[] } | { readonly skipped: string };
  /** What differs, or undefined when the step agrees. */
  readonly difference?: string;
}

/** After which steps the device's translation is probed: every step, the last one, or none. */
export type ProbeWhen = 'each-step' | 'last-step' | 'none';

export interface SequenceComparison {
  readonly steps: readonly StepComparison[];
  /** The first step that differs (1-based), if any. */
  readonly firstDifference?: number;
  /** The host pages' page frame numbers as the agent laid them out (h0..h3). */
  readonly pfns: readonly number[];
  /** The model's worlds: [init, after step 1, ...]. */
  readonly worlds: readonly World[];
  /** Whether pins were compared (PA mode; VA mode pins nothing, the model counts file references). */
  readonly comparePins: boolean;
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
  /** Steps and sequences run on the kernel in this session, and device translations compared. */
  steps = 0;
  sequences = 0;
  deviceChecks = 0;
  /** Probes not sent because the sequence's own vring ioctl had set up the probe's queues (lab/device-probe.ts sharesProbeRings), and in how many sequences. */
  probesSkippedForVrings = 0;
  sequencesSkippedForVrings = 0;

  constructor(readonly guest: Guest) {}

  /** Loads the parent's module parameters and checks GET_BACKEND_FEATURES against the model's offer. */
  async use(t: LabTarget): Promise<void> {
    if (this.loaded === t.parent) return;
    const s = parentSetup(t.parent);
    const [reply] = await this.guest.run([`P ${s.batchMapping} ${s.useVa} ${s.kind}`]);
    const m = /^P (-?\d+) (\d+)$/.exec(reply ?? '');
    if (m === null || m[1] !== '0') throw new LabError(`loading vdpa_sim (${t.parent}) on ${t.kernelName} failed: ${reply ?? '(no reply)'}; console: ${this.guest.consoleTail()}`);
    const offered = BigInt(m[2]!);
    const expected = kernelFeatures(offeredFeatures(t.kernel, t.ctx.ops), t.kernel);
    if (offered !== expected) {
      throw new LabError(`GET_BACKEND_FEATURES on ${t.kernelName} ${t.parent}: kernel 0x${offered.toString(16)}, model 0x${expected.toString(16)}`);
    }
    this.loaded = t.parent;
  }

  /**
   * Runs the actions on the model and on the kernel (fresh fd and host pages first) and compares each
   * call's return and pins and, after the steps `probe` says, the device's translation of the data
   * group's four IOVA pages.
   */
  async compare(t: LabTarget, actions: readonly Action[], probe: ProbeWhen = 'each-step'): Promise<SequenceComparison> {
    await this.use(t);
    const { results, worlds } = runModel(t, actions);
    const lines: string[] = [`N ${t.ctx.ops.useVa ? 1 : 0}`];
    // per step: where its reply is, and the probes after it (planned from the model's world: a probe
    // that would change what the model tracks is not sent)
    const at: { reply: number; plan: ReturnType<typeof probePlan> | 'vduse' | undefined; first: number }[] = [];
    const vduse = parentSetup(t.parent).kind === 1;
    // vdpa_sim: the first step whose vring ioctl sets up a probe queue (VDUSE's probe reads the map, no rings)
    const shared = vduse ? -1 : actions.findIndex(sharesProbeRings);
    let skippedHere = 0;
    for (const [i, a] of actions.entries()) {
      const c = agentCommand(a, t.kernel);
      if (typeof c !== 'string') throw new LabError(`${a.t}: ${c.unsupported}`);
      lines.push(c);
      const reply = lines.length - 1;
      const wanted = probe === 'each-step' || (probe === 'last-step' && i === actions.length - 1);
      // VDUSE: the daemon reads the device's map (no datapath); vdpa_sim: the datapath probe
      let plan = !wanted ? undefined : vduse ? 'vduse' as const : probePlan(t.ctx, worlds[i + 1]!);
      // a probe that would run, were its rings not the sequence's own: skipped, and counted
      if (plan !== undefined && plan !== 'vduse' && 'asid' in plan && shared >= 0 && i >= shared) {
        plan = { skip: `step ${shared + 1} (${labelAction(actions[shared]!, t.kernel.featureBits)}) set up the probe's rings` };
        skippedHere++;
      }
      if (plan === 'vduse') lines.push('v');
      else if (plan !== undefined && 'asid' in plan) for (let p = 0; p < NP; p++) lines.push(`d ${p} ${plan.map ? 1 : 0} ${plan.asid}`);
      at.push({ reply, plan, first: reply + 1 });
    }
    const replies = await this.guest.run(lines);
    const n = /^N (-?\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(replies[0] ?? '');
    if (n === null || n[1] !== '0') throw new LabError(`the agent could not lay out the host pages: ${replies[0] ?? '(no reply)'}`);
    const pfns = [Number(n[2]), Number(n[3]), Number(n[4]), Number(n[5])];
    const comparePins = !t.ctx.ops.useVa; // VA mode pins nothing (the model counts file references)
    const steps: StepComparison[] = [];
    let first: number | undefined;
    for (const [i, a] of actions.entries()) {
      const k = parseStepReply(replies[at[i]!.reply] ?? '');
      if (k === undefined) throw new LabError(`step ${i + 1}: unreadable reply ${JSON.stringify(replies[at[i]!.reply])}`);
      const m = results[i]!;
      const diffs: string[] = [];
      if (m.ret !== k.ret) diffs.push(`returned ${k.ret}, model ${m.ret}`);
      if (comparePins && k.pinsAcquired - k.pinsReleased !== m.pinDelta) {
        diffs.push(`pinned ${k.pinsAcquired - k.pinsReleased >= 0 ? '+' : ''}${k.pinsAcquired - k.pinsReleased} (+${k.pinsAcquired} −${k.pinsReleased}), model ${m.pinDelta >= 0 ? '+' : ''}${m.pinDelta}`);
      }
      const plan = at[i]!.plan;
      let device: StepComparison['device'];
      if (plan === 'vduse') {
        const v = parseVduseReply(replies[at[i]!.first] ?? '');
        if (v === undefined) throw new LabError(`step ${i + 1}: unreadable VDUSE map ${JSON.stringify(replies[at[i]!.first])}`);
        const probes = v.map((o, p): DeviceProbe => ({ page: p, asid: 0, expected: expectedVduse(t.ctx, worlds[i + 1]!, p), observed: vduseObserved(o), errno: 0 }));
        for (const pr of probes) {
          if (probeCounts(pr) && pr.observed !== pr.expected) diffs.push(`VDUSE's map has IOVA 0x${(pr.page * 0x1000).toString(16)} on ${probeName(pr.observed)}, model ${probeName(pr.expected)}`);
        }
        this.deviceChecks += probes.filter(probeCounts).length;
        device = { probes };
      } else if (plan !== undefined && 'skip' in plan) device = { skipped: plan.skip };
      else if (plan !== undefined) {
        const probes: DeviceProbe[] = [];
        for (let p = 0; p < NP; p++) {
          const r = parseProbeReply(replies[at[i]!.first + p] ?? '');
          if (r === undefined) throw new LabError(`step ${i + 1}: unreadable probe reply ${JSON.stringify(replies[at[i]!.first + p])}`);
          const pr: DeviceProbe = { page: p, asid: plan.asid, expected: expectedProbe(t.ctx, worlds[i + 1]!, p), observed: r[0], errno: r[1] };
          probes.push(pr);
          if (probeCounts(pr)) this.deviceChecks++;
          if (probeCounts(pr) && pr.observed !== pr.expected) {
            diffs.push(`the device took IOVA 0x${(p * 0x1000).toString(16)} (asid ${plan.asid}) to ${probeName(pr.observed)}, model ${probeName(pr.expected)}`);
          }
        }
        device = { probes };
      }
      const s: StepComparison = {
        index: i + 1, action: a, label: labelAction(a, t.kernel.featureBits),
        model: m, kernel: k, ...(device !== undefined ? { device } : {}), ...(diffs.length > 0 ? { difference: diffs.join('; ') } : {}),
      };
      if (diffs.length > 0 && first === undefined) first = i + 1;
      steps.push(s);
    }
    this.steps += actions.length;
    this.sequences++;
    this.probesSkippedForVrings += skippedHere;
    if (skippedHere > 0) this.sequencesSkippedForVrings++;
    return { steps, pfns, worlds, comparePins, ...(first !== undefined ? { firstDifference: first } : {}) };
  }
}

/** The step-by-step table, one line per step: model vs kernel. */
export function renderComparison(c: SequenceComparison, opts: { upTo?: number } = {}): string[] {
  const out: string[] = [];
  const upTo = opts.upTo ?? c.steps.length;
  for (const s of c.steps.slice(0, upTo)) {
    const mark = s.difference === undefined ? '  ' : '≠ ';
    const pins = c.comparePins && (s.kernel.pinsAcquired !== 0 || s.kernel.pinsReleased !== 0 || s.model.pinDelta !== 0)
      ? `  pins kernel +${s.kernel.pinsAcquired}/−${s.kernel.pinsReleased} model ${s.model.pinDelta >= 0 ? '+' : ''}${s.model.pinDelta}` : '';
    out.push(`${mark}${String(s.index).padStart(2)}. ${s.label}`);
    out.push(`      kernel ${s.kernel.ret}  model ${s.model.ret}${s.model.reason !== undefined && s.model.ret !== '0' ? ` (${s.model.reason})` : ''}${pins}`);
    if (s.device !== undefined && 'probes' in s.device) {
      const shown = s.device.probes.filter(probeCounts);
      if (shown.length > 0) {
        out.push(`      device (asid ${shown[0]!.asid}): ${shown.map((p) => `0x${(p.page * 0x1000).toString(16)}→${probeName(p.observed)}${p.observed === p.expected ? '' : ` (model ${probeName(p.expected)})`}`).join(', ')}`);
      } else {
        out.push(`      device: not probed (${probeName(s.device.probes[0]!.observed)}${s.device.probes[0]!.errno !== 0 ? `, errno ${s.device.probes[0]!.errno}` : ''})`);
      }
    } else if (s.device !== undefined && !s.device.skipped.startsWith('the device does not run')) {
      out.push(`      device: not probed (${s.device.skipped})`);
    }
    if (s.difference !== undefined) out.push(`      differs: ${s.difference}`);
  }
  return out;
}
