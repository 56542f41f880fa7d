// `vdpa-mc trace replay FILE --on-kernel`: the trace's steps on the model and on the real kernel it
// names (lab/), step by step. Confirmed (exit 12) when every step's return value, pin count and the
// device's probed translation (lab/device-probe.ts) agree and the model, with the lab's limits, violates
// the trace's invariant; else the first step where kernel and model part (exit 0, said so).
import { dirname, resolve } from 'node:path';
import { UsageError } from '../spec/config.js';
import { readTraceFile } from '../traces/files.js';
import { traceConfig } from '../systems/trace-config.js';
import { Guest, LabError, readLabManifest } from '../lab/guest.js';
import { LabSession, renderComparison } from '../lab/conformance.js';
import { labPlan, replayInLab } from '../lab/confirm.js';
import { probeCounts, probeName } from '../lab/device-probe.js';
import { parseTraceReplay } from './options.js';
import type { TraceIO } from './trace.js';

export async function replayOnKernel(argv: readonly string[], io: TraceIO): Promise<number> {
  const o = parseTraceReplay(argv);
  if (o.help) {
    io.out('usage: vdpa-mc trace replay FILE --on-kernel [--kernel 6.12|6.1] [--parent vdpa_sim|vdpa_sim_dma|vdpa_sim_va|vduse] [--json]\n');
    return 0;
  }
  const r = await readTraceFile(o.file);
  if (!r.ok) throw new UsageError(r.error);
  const trace = r.trace;
  const config = traceConfig(trace, o, { from: dirname(resolve(o.file)) });
  const plan = labPlan(trace, config, o.file);
  const manifest = readLabManifest(io.env);
  if (typeof manifest === 'string') throw new UsageError(manifest);
  const guest = await Guest.boot(plan.kernel, {}, io.env);
  let rr;
  try {
    rr = await replayInLab(new LabSession(guest), trace, plan);
  } finally {
    await guest.shutdown();
  }
  const { comparison: c, modelViolation, modelStopped, recorded, verdict, parent, actions, target: t } = rr;
  const kernel = plan.kernel;
  const confirmed = verdict === 'confirmed';
  if (o.json) {
    io.out(`${JSON.stringify({
      file: o.file, kernel: kernel, release: manifest.kernels[kernel].release, parent,
      accel: guest.accel, bootSeconds: Number(guest.bootSeconds.toFixed(2)), pfns: c.pfns,
      recorded: recorded, verdict, firstDifference: c.firstDifference ?? null,
      modelViolation: modelViolation !== undefined ? { step: modelViolation.step, message: modelViolation.message } : null,
      modelStopped: modelStopped ?? null,
      steps: c.steps.map((s) => ({
        index: s.index, label: s.label, model: s.model, kernel: s.kernel,
        ...(s.device !== undefined ? { device: 'probes' in s.device ? { probes: s.device.probes.map((p) => ({ ...p, observedName: probeName(p.observed), expectedName: probeName(p.expected) })) } : s.device } : {}),
        ...(s.difference !== undefined ? { difference: s.difference } : {}),
      })),
    }, null, 2)}\n`);
    return confirmed ? 12 : 0;
  }
  io.out(`replaying ${o.file} (${actions.length} steps, recorded: ${recorded}) on Linux ${manifest.kernels[kernel].release}, ${parent}` +
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
      `max_iotlb_entries ${t.ctx.limits?.iotlbLimit}) does not violate ${recorded} along this trace` +
      `${modelStopped !== undefined ? ` (its replay under the trace's userspace stopped at step ${modelStopped.step}: ${modelStopped.why})` : ''}\n`);
  }
  return confirmed ? 12 : 0;
}

export { LabError };
