// `vdpa-mc trace replay FILE --on-kernel`: the trace's steps on the model and on the real kernel it
// names (lab/), step by step. Confirmed (exit 12) when every step's return value, pin count and the
// device's probed translation (lab/device-probe.ts) agree and the model, with the lab's limits, violates
// the trace's invariant; else the first step where kernel and model part (exit 0, said so).
import { dirname, resolve } from 'node:path';
import { UsageError } from '../spec/config.js';
import { actionFromJson, type Action } from '../spec/vdpa/actions.js';
import { makeUserspace } from '../systems/vdpa/target.js';
import { buildVdpaModel } from '../systems/vdpa/model.js';
import { VDPA_INVARIANTS } from '../invariants/vdpa/index.js';
import { readTraceFile } from '../traces/files.js';
import { replay, toPlainJson } from '../traces/replay.js';
import { traceConfig } from '../systems/trace-config.js';
import type { TraceModel } from '../traces/trace-model.js';
import { Guest, LabError, readLabManifest } from '../lab/guest.js';
import { LabSession, labTarget, renderComparison, unsupportedIn } from '../lab/conformance.js';
import { isLabKernel, isLabParent, LAB_PARENTS } from '../lab/mapping.js';
import { probeCounts, probeName } from '../lab/device-probe.js';
import { parseTraceReplay } from './options.js';
import type { TraceIO } from './trace.js';

export async function replayOnKernel(argv: readonly string[], io: TraceIO): Promise<number> {
  const o = parseTraceReplay(argv);
  if (o.help) {
    io.out('usage: vdpa-mc trace replay FILE --on-kernel [--kernel 6.12|6.1] [--parent vdpa_sim|vdpa_sim_dma|vdpa_sim_va] [--json]\n');
    return 0;
  }
  const r = await readTraceFile(o.file);
  if (!r.ok) throw new UsageError(r.error);
  const trace = r.trace;
  const config = traceConfig(trace, o, { from: dirname(resolve(o.file)) });
  if (config.system !== 'vdpa') throw new UsageError(`--on-kernel: only vdpa traces run in the lab (this one is ${config.system})`);
  if (!isLabKernel(config.kernel)) throw new UsageError(`--on-kernel: kernel ${config.kernel} is not in the lab (accepted: 6.12, 6.1; --kernel overrides)`);
  const parent = config.parent ?? 'mlx5';
  if (!isLabParent(parent)) throw new UsageError(`--on-kernel: parent ${parent} is not in the lab (accepted: ${LAB_PARENTS.join(', ')}; --parent overrides)`);
  if (parent === 'vdpa_sim_va' && config.kernel !== '6.12') throw new UsageError('--on-kernel: vdpa_sim_va needs 6.12 (6.1\'s vdpa_sim has no use_va)');
  const actions: Action[] = [];
  for (const s of trace.steps) {
    const a = actionFromJson(toPlainJson(s.action));
    if (a === undefined) throw new UsageError(`${o.file}: step ${s.index} is not an action of the vdpa model`);
    actions.push(a);
  }
  const us = makeUserspace(config.userspace, config.excludeActions ?? [], config.contract ?? 'none');
  const t = labTarget(config.kernel, parent, us);
  const why = unsupportedIn(actions, t.kernel);
  if (why !== undefined) throw new UsageError(`--on-kernel: ${o.file}: ${why}`);
  const manifest = readLabManifest(io.env);
  if (typeof manifest === 'string') throw new UsageError(manifest);

  // The model along the trace with the lab's limits: which invariants it violates, where.
  const invs = VDPA_INVARIANTS.filter((i) => i.applies(t.ctx));
  const model = buildVdpaModel(t.ctx, us, invs) as unknown as TraceModel<unknown, unknown>;
  const modelReplay = replay(trace, model);
  const recorded = trace.violation.invariant;
  const modelViolation = modelReplay.violations.find((v) => v.propertyId === recorded);

  const guest = await Guest.boot(config.kernel, {}, io.env);
  let c;
  try {
    c = await new LabSession(guest).compare(t, actions);
  } finally {
    await guest.shutdown();
  }
  const confirmed = c.firstDifference === undefined && modelViolation !== undefined;
  const verdict = confirmed ? 'confirmed' : c.firstDifference !== undefined ? 'differs' : 'not-violated';
  if (o.json) {
    io.out(`${JSON.stringify({
      file: o.file, kernel: config.kernel, release: manifest.kernels[config.kernel].release, parent,
      accel: guest.accel, bootSeconds: Number(guest.bootSeconds.toFixed(2)), pfns: c.pfns,
      recorded: recorded, verdict, firstDifference: c.firstDifference ?? null,
      modelViolation: modelViolation !== undefined ? { step: modelViolation.step, message: modelViolation.message } : null,
      steps: c.steps.map((s) => ({
        index: s.index, label: s.label, model: s.model, kernel: s.kernel,
        ...(s.device !== undefined ? { device: 'probes' in s.device ? { probes: s.device.probes.map((p) => ({ ...p, observedName: probeName(p.observed), expectedName: probeName(p.expected) })) } : s.device } : {}),
        ...(s.difference !== undefined ? { difference: s.difference } : {}),
      })),
    }, null, 2)}\n`);
    return confirmed ? 12 : 0;
  }
  io.out(`replaying ${o.file} (${actions.length} steps, recorded: ${recorded}) on Linux ${manifest.kernels[config.kernel].release}, ${parent}` +
    ` (QEMU ${guest.accel}, booted in ${guest.bootSeconds.toFixed(1)} s; host pages at pfn ${c.pfns.map((p) => '0x' + p.toString(16)).join(', ')})\n`);
  io.out(renderComparison(c).map((l) => `${l}\n`).join(''));
  if (c.firstDifference !== undefined) {
    const s = c.steps[c.firstDifference - 1]!;
    io.out(`verdict: the kernel and the model part at step ${s.index} (${s.label}): ${s.difference}\n`);
  } else if (modelViolation !== undefined) {
    const probed = c.steps.filter((s) => s.device !== undefined && 'probes' in s.device && s.device.probes.some(probeCounts)).length;
    io.out(`verdict: confirmed on the real kernel: all ${actions.length} steps returned what the model says, pins agreed` +
      `${t.ctx.ops.useVa ? ' (VA mode: nothing pinned)' : ''}, the device translated as the model says after ${probed} probed step${probed === 1 ? '' : 's'}` +
      `; the model violates ${recorded} after step ${modelViolation.step}: ${modelViolation.message}\n`);
  } else {
    io.out(`verdict: kernel and model agree on all ${actions.length} steps, but the model with the lab's limits (pin batch 512, ` +
      `max_iotlb_entries ${t.ctx.limits?.iotlbLimit}) does not violate ${recorded} along this trace\n`);
  }
  return confirmed ? 12 : 0;
}

export { LabError };
