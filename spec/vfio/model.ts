// The VFIO type1 model as the explorer and the trace tools see it: a kernel (kernels.ts), a
// userspace (userspaces.ts), the guards (transitions.ts), the reducers (model/vfio-type1.ts,
// model/vfio/*.ts) and the invariants (invariants/vfio/*.ts).
import { produce } from '../../explorer/immer.js';
import type { Property } from '../../explorer/model.js';
import type { CallView, StepOutcome, TraceModel } from '../../traces/trace-model.js';
import type { InvariantId } from '../config.js';
import { hex, PAGE, UNMAP_ALL } from './constants.js';
import {
  ACTION_KINDS, actionFromJson, actionToJson, kindIndex, labelOf, type VfioAction,
} from './actions.js';
import type { VfioKernel } from './kernels.js';
import { anyAlphabet, cprProgram } from './userspaces.js';
import { allowedActions, verdict } from './transitions.js';
import { viewOf } from './view.js';
import { initialWorld, vfioWorldSchema, type VfioWorld } from './world.js';
import { attachGroup, mapDma, unmapDma } from '../../model/vfio-type1.js';
import { exec, free, kexec } from '../../model/vfio/process.js';
import { observeDevice } from '../../model/vfio/device-dma.js';
import { vfioLiveUpdate } from '../../invariants/vfio/vfio-live-update.js';
import { pinAccounting } from '../../invariants/vfio/pin-accounting.js';
import { noDmaWindow } from '../../invariants/vfio/no-dma-window.js';
import { dmaIsolation } from '../../invariants/vfio/dma-isolation.js';
import type { VfioInvariant } from '../../invariants/vfio/common.js';

export type VfioUserspace = 'cpr' | 'any';

export const VFIO_INVARIANTS: readonly VfioInvariant[] = [vfioLiveUpdate, pinAccounting, noDmaWindow, dmaIsolation];
export const VFIO_INVARIANT_IDS: readonly InvariantId[] = VFIO_INVARIANTS.map((i) => i.id);

export interface VfioModel extends TraceModel<VfioWorld, VfioAction> {
  readonly kernel: VfioKernel;
  readonly userspace: VfioUserspace;
  /** cpr: the program; any: every action it may try. */
  readonly alphabetActions: readonly VfioAction[];
}

const LANES = ['userspace', 'vfio type1', 'iommu', 'device'] as const;

function reduce(w: VfioWorld, a: VfioAction, calls?: CallView[]): VfioWorld {
  switch (a.kind) {
    case 'map': return mapDma(w, a, calls);
    case 'unmap': return unmapDma(w, a, calls);
    case 'attach': return attachGroup(w, a, calls);
    case 'exec': return exec(w, calls);
    case 'kexec': return kexec(w, calls);
    case 'free': return free(w, a, calls);
  }
}

function callerLane(a: VfioAction): string {
  return a.kind === 'map' || a.kind === 'unmap' || a.kind === 'attach' ? 'vfio type1' : 'userspace';
}

/** Bytes UNMAP_DMA reports in unmap.size. */
function unmappedSize(w: VfioWorld, a: VfioAction): number {
  if (a.kind !== 'unmap') return 0;
  const all = (a.flags & UNMAP_ALL) !== 0;
  let n = 0;
  for (const d of w.dmas) if (all || (d.iova >= a.iova && d.iova < a.iova + a.size)) n += d.size;
  return n * PAGE;
}

export function buildVfioModel(kernel: VfioKernel, userspace: VfioUserspace, invariants?: readonly InvariantId[]): VfioModel {
  const program = userspace === 'cpr' ? cprProgram(kernel) : undefined;
  const alphabet = program ?? anyAlphabet(kernel);
  const props: Property<VfioWorld, VfioAction>[] = VFIO_INVARIANTS.filter((i) => invariants === undefined || invariants.includes(i.id));

  const model: VfioModel = {
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
        if (a !== undefined && verdict(kernel, s, a, false).tag === 'allowed') out.push(a);
        return;
      }
      allowedActions(kernel, s, alphabet, out);
    },
    next(s, a) {
      if (verdict(kernel, s, a, false).tag !== 'allowed') return undefined;
      let w = reduce(s, a);
      if (program !== undefined) w = produce(w, (x) => { x.pc++; });
      return observeDevice(w);
    },
    properties: () => props,
    label: labelOf,
    kindOf: kindIndex,
    view: (s) => viewOf(s, program),
    outcome(before, a): StepOutcome {
      const first: CallView = { from: 'userspace', to: callerLane(a), label: labelOf(a) };
      const v = verdict(kernel, before, a);
      switch (v.tag) {
        case 'refused':
          return { ret: `-${v.errno}`, reason: `-${v.errno}: ${v.reason}`, calls: [first] };
        case 'noop':
          return { ret: '0', reason: v.reason, calls: [first] };
        case 'disabled':
          return { ret: 'not taken', reason: v.reason, calls: [first] };
        case 'allowed': {
          const calls: CallView[] = [first];
          const after = reduce(before, a, calls);
          const faults: string[] = [];
          for (let p = 0; p < after.ptA.length; p++) if (after.devRunning && after.ptA[p]! < 0 && before.ptA[p]! >= 0) faults.push(hex(p * PAGE));
          if (faults.length) calls.push({ from: 'iommu', to: 'device', label: `DMA to ${faults.join(', ')} now faults` });
          const ret = a.kind === 'unmap' ? `0 (size=${hex(unmappedSize(before, a))})` : '0';
          return { ret, calls };
        }
      }
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

