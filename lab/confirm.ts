// A saved trace on the real kernel (`trace replay --on-kernel`, test/lab): its steps run on the model
// with the lab's limits and in a guest, compared step by step (returns, pins, the device's translation:
// lab/conformance.ts). Confirmed when every step agrees and the model violates the trace's invariant.
import { UsageError } from '../spec/config.js';
import { actionFromJson, type Action } from '../spec/vdpa/actions.js';
import { makeUserspace } from '../systems/vdpa/target.js';
import { buildVdpaModel } from '../systems/vdpa/model.js';
import { VDPA_INVARIANTS } from '../invariants/vdpa/index.js';
import { replay, toPlainJson } from '../traces/replay.js';
import type { Trace } from '../traces/trace.js';
import type { Config } from '../spec/config.js';
import { LabSession, labTarget, unsupportedIn, type LabTarget, type SequenceComparison } from './conformance.js';
import { isLabKernel, isLabParent, LAB_PARENTS, type LabParent } from './mapping.js';
import type { LabKernel } from './guest.js';
import { parentsOfKernel } from '../systems/catalogue.js';

export type Verdict = 'confirmed' | 'differs' | 'not-violated';

export interface LabReplay {
  readonly kernel: LabKernel;
  readonly parent: LabParent;
  readonly target: LabTarget;
  readonly actions: readonly Action[];
  readonly recorded: string;
  readonly comparison: SequenceComparison;
  readonly modelViolation: { readonly step: number; readonly message: string } | undefined;
  /**
   * Where the model's replay of the trace stopped, when it did: the trace's userspace does not allow a
   * step (e.g. a vring ioctl `any` leaves out on a parent that keeps nothing of it), so no violation
   * after it can be seen, whatever the kernel did.
   */
  readonly modelStopped?: { readonly step: number; readonly why: string };
  readonly verdict: Verdict;
}

/** The trace's kernel, parent and actions as the lab runs them, or a UsageError saying why it cannot. */
export function labPlan(trace: Trace, config: Config, file: string): { kernel: LabKernel; parent: LabParent; actions: Action[]; target: LabTarget } {
  if (config.system !== 'vdpa') throw new UsageError(`--on-kernel: only vdpa traces run in the lab (this one is ${config.system})`);
  if (!isLabKernel(config.kernel)) throw new UsageError(`--on-kernel: kernel ${config.kernel} is not in the lab (accepted: 6.12, 6.1; --kernel overrides)`);
  const parent = config.parent ?? 'mlx5';
  if (!isLabParent(parent)) throw new UsageError(`--on-kernel: parent ${parent} is not in the lab (accepted: ${LAB_PARENTS.join(', ')}; --parent overrides)`);
  // which parents a kernel has is the registry's to say (vdpa_sim_va is not on 6.1)
  if (!parentsOfKernel('vdpa', config.kernel).includes(parent)) throw new UsageError(`--on-kernel: ${config.kernel} has no parent ${parent} (accepted: ${parentsOfKernel('vdpa', config.kernel).filter(isLabParent).join(', ')})`);
  const actions: Action[] = [];
  for (const s of trace.steps) {
    const a = actionFromJson(toPlainJson(s.action));
    if (a === undefined) throw new UsageError(`${file}: step ${s.index} is not an action of the vdpa model`);
    actions.push(a);
  }
  const us = makeUserspace(config.userspace, config.excludeActions ?? [], config.contract ?? 'none');
  const target = labTarget(config.kernel, parent, us);
  const why = unsupportedIn(actions, target.kernel);
  if (why !== undefined) throw new UsageError(`--on-kernel: ${file}: ${why}`);
  return { kernel: config.kernel, parent, actions, target };
}

/** Runs a planned trace in the session's guest and judges it. */
export async function replayInLab(session: LabSession, trace: Trace, plan: ReturnType<typeof labPlan>): Promise<LabReplay> {
  const t = plan.target;
  // The model along the trace with the lab's limits: which invariants it violates, where.
  const invs = VDPA_INVARIANTS.filter((i) => i.applies(t.ctx));
  const model = buildVdpaModel(t.ctx, t.userspace, invs);
  const recorded = trace.violation.invariant;
  const rep = replay(trace, model);
  const v = rep.violations.find((x) => x.propertyId === recorded);
  const comparison = await session.compare(t, plan.actions, 'each-step');
  const modelViolation = v !== undefined ? { step: v.step, message: v.message } : undefined;
  const verdict: Verdict = comparison.firstDifference !== undefined ? 'differs' : modelViolation !== undefined ? 'confirmed' : 'not-violated';
  const modelStopped = rep.stopped !== undefined ? { step: rep.stopped.step, why: rep.stopped.other } : undefined;
  return { kernel: plan.kernel, parent: plan.parent, target: t, actions: plan.actions, recorded, comparison, modelViolation, ...(modelStopped !== undefined ? { modelStopped } : {}), verdict };
}
