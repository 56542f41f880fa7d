// The VFIO type1 model as the explorer and the trace tools see it: a kernel (kernels.ts), a
// userspace (userspaces.ts), the guard (transitions.ts), the reducers (model/vfio-type1.ts,
// model/vfio/*.ts) and the invariants (invariants/vfio/). One step = one call, run as vDPA's steps
// are: the guard, then the reducer inside one Immer producer over a working copy.
import type { Property } from '../../explorer/model.js';
import type { StepOutcome, TraceModel } from '../../traces/trace-model.js';
import { callView } from '../../traces/calls.js';
import { LANE_DEVICE, LANE_USER, call, recordCalls } from '../../model/call-log.js';
import type { CallResult } from '../../model/context.js';
import type { VfioCtx } from '../../spec/vfio/context.js';
import { produceOnCopy } from '../../model/vfio/working-copy.js';
import {
  LANE_IOMMU, LANE_VFIO, vfio_dma_do_map, vfio_dma_do_unmap, vfio_iommu_type1_attach_group,
} from '../../model/vfio-type1.js';
import { begin_new_exec, kernel_kexec, userFree } from '../../model/vfio/process.js';
import { observeDevice } from '../../model/vfio/device-dma.js';
import { VFIO_INVARIANTS } from '../../invariants/vfio/index.js';
import type { InvariantId } from '../../spec/config.js';
import { hex, PAGE, UNMAP_ALL } from '../../spec/vfio/constants.js';
import { ACTION_KINDS, actionFromJson, actionToJson, kindIndex, labelAction, type VfioAction } from '../../spec/vfio/actions.js';
import type { VfioKernel } from '../../spec/vfio/kernels.js';
import { anyAlphabet, cprProgram } from '../../spec/vfio/userspaces.js';
import { enabledActions, guard } from '../../spec/vfio/transitions.js';
import { viewOf } from './view.js';
import { deviceReach, initialWorld, vfioWorldSchema, type VfioWorld } from '../../spec/vfio/world.js';

export type VfioUserspace = 'cpr' | 'any';

export { VFIO_INVARIANTS };
export const VFIO_INVARIANT_IDS: readonly InvariantId[] = VFIO_INVARIANTS.map((i) => i.id);

export interface VfioModel extends TraceModel<VfioWorld, VfioAction> {
  readonly ctx: VfioCtx;
  readonly kernel: VfioKernel;
  readonly userspace: VfioUserspace;
  /** cpr: the program; any: every action it may try. */
  readonly alphabetActions: readonly VfioAction[];
}

const LANES = [LANE_USER, LANE_VFIO, LANE_IOMMU, LANE_DEVICE] as const;

/** Runs the reducer of one allowed action on a working copy (the switch is the hot path's dispatch). */
function dispatch(ctx: VfioCtx, d: VfioWorld, a: VfioAction): CallResult {
  switch (a.t) {
    case 'mapDma': return vfio_dma_do_map(ctx, d, a);
    case 'unmapDma': return vfio_dma_do_unmap(ctx, d, a);
    case 'setContainer': return vfio_iommu_type1_attach_group(ctx, d, a);
    case 'exec': return begin_new_exec(ctx, d);
    case 'kexec': return kernel_kexec(ctx, d);
    case 'userFree': return userFree(ctx, d, a);
  }
}

/** One step: the call, the `cpr` program's counter, the device's observation, in one producer. */
export function step(ctx: VfioCtx, w: VfioWorld, a: VfioAction, scripted: boolean): { world: VfioWorld; result: CallResult } {
  let result: CallResult = { ret: '0' };
  const world = produceOnCopy(w, (m) => {
    result = dispatch(ctx, m, a);
    if (scripted) m.pc++;
    observeDevice(m);
  });
  return { world, result };
}

function callerLane(a: VfioAction): string {
  return a.t === 'mapDma' || a.t === 'unmapDma' || a.t === 'setContainer' ? LANE_VFIO : LANE_USER;
}

/** What the caller of `a` sees in `w`: "0" (UNMAP_DMA: "0 (size=...)"), or the guard's ret. */
export function retOf(ctx: VfioCtx, w: VfioWorld, a: VfioAction): string {
  const v = guard(ctx, w, a, false);
  if (!v.ok) return v.ret;
  return a.t === 'unmapDma' ? `0 (size=${hex(unmappedSize(w, a))})` : '0';
}

/** Bytes UNMAP_DMA reports in unmap.size. */
function unmappedSize(w: VfioWorld, a: VfioAction): number {
  if (a.t !== 'unmapDma') return 0;
  const all = (a.flags & UNMAP_ALL) !== 0;
  let n = 0;
  for (const d of w.dmas) if (all || (d.iova >= a.iova && d.iova < a.iova + a.size)) n += d.size;
  return n * PAGE;
}

export function buildVfioModel(kernel: VfioKernel, userspace: VfioUserspace, invariants?: readonly InvariantId[]): VfioModel {
  const ctx: VfioCtx = { kernel };
  const program = userspace === 'cpr' ? cprProgram(kernel) : undefined;
  const alphabet = program ?? anyAlphabet(kernel);
  const props: Property<VfioWorld, VfioAction>[] = VFIO_INVARIANTS
    .filter((i) => (invariants === undefined || invariants.includes(i.id)) && i.applies(ctx))
    .map((i) => i.property(ctx));
  const scripted = program !== undefined;

  const model: VfioModel = {
    ctx,
    kernel,
    userspace,
    alphabetActions: alphabet,
    lanes: LANES,
    actionKinds: ACTION_KINDS,
    schema: vfioWorldSchema,
    init: () => [initialWorld()],
    actions(s, out) {
      if (program !== undefined) {
        const a = program[s.pc];
        if (a !== undefined && guard(ctx, s, a, false).ok) out.push(a);
        return;
      }
      enabledActions(ctx, s, alphabet, out);
    },
    next(s, a) {
      if (!guard(ctx, s, a, false).ok) return undefined;
      return step(ctx, s, a, scripted).world;
    },
    properties: () => props,
    label: labelAction,
    kindOf: kindIndex,
    view: (s) => viewOf(s, program),
    outcome(before, a): StepOutcome {
      const v = guard(ctx, before, a);
      const { result, calls: events } = recordCalls(() => {
        call(LANE_USER, callerLane(a), labelAction(a));
        if (!v.ok) return undefined;
        const after = step(ctx, before, a, false).world;
        const faults: string[] = [];
        for (let p = 0; p < after.ptA.length; p++) if (after.devRunning && deviceReach(after, p) < 0 && deviceReach(before, p) >= 0) faults.push(hex(p * PAGE));
        if (faults.length) call(LANE_IOMMU, LANE_DEVICE, `DMA to ${faults.join(', ')} now faults`);
        return a.t === 'unmapDma' ? `0 (size=${hex(unmappedSize(before, a))})` : '0';
      });
      const calls = events.map(callView);
      if (v.ok) return { ret: result!, calls, events };
      // a refusal reads "-EEXIST: why"; a call that changes nothing, or one the model does not take, just why
      return { ret: v.ret, reason: v.ret.startsWith('-') ? `${v.ret}: ${v.reason}` : v.reason, calls, events };
    },
    actionToJson,
    actionFromJson,
    worldToJson: (s) => ({
      ...s,
      dmas: s.dmas.map((d) => ({ ...d })),
    }),
  };
  return model;
}

