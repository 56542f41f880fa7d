// What a sequence of calls costs, counted from the calls the reducers make (model/call-log.ts) while
// it is replayed: IOTLB messages written, pages pinned and unpinned, set_map / dma_map / dma_unmap,
// and mlx5 change_map VQ teardowns. The reference cycle is QEMU's device stop then start (a guest
// reboot) from a running device: what IOTLB_PERSIST is meant to save (K6).
import { recordCalls, type CallEvent } from '../../model/call-log.js';
import type { QemuUserspace } from '../../model/qemu.js';
import type { Userspace } from '../../model/userspace.js';
import type { Action } from '../../spec/vdpa/actions.js';
import type { VdpaModel } from './model.js';
import type { World } from '../../spec/vdpa/world.js';

export interface Cost {
  readonly iotlbMessages: number;
  readonly pagesPinned: number;
  readonly pagesUnpinned: number;
  readonly setMapCalls: number;
  readonly dmaMapCalls: number;
  readonly dmaUnmapCalls: number;
  readonly vqTeardowns: number;
}

export const ZERO_COST: Cost = {
  iotlbMessages: 0, pagesPinned: 0, pagesUnpinned: 0, setMapCalls: 0, dmaMapCalls: 0, dmaUnmapCalls: 0, vqTeardowns: 0,
};

const IOTLB_MESSAGES: ReadonlySet<Action['t']> = new Set(['iotlbUpdate', 'iotlbInvalidate', 'iotlbBatchBegin', 'iotlbBatchEnd']);

/**
 * The cost of the calls one step made, from their events (model/call-log.ts): the pages each call
 * pinned or unpinned, and the functions called. VDUSE's VA mode pins nothing: its get_file/fput
 * events carry no pages.
 */
export function countCalls(events: readonly CallEvent[]): Omit<Cost, 'iotlbMessages'> {
  let pagesPinned = 0, pagesUnpinned = 0, setMapCalls = 0, dmaMapCalls = 0, dmaUnmapCalls = 0, vqTeardowns = 0;
  for (const e of events) {
    pagesPinned += e.pinned?.length ?? 0;
    pagesUnpinned += e.unpinned?.length ?? 0;
    switch (e.fn) {
      case 'ops->set_map': setMapCalls++; break;
      case 'ops->dma_map': dmaMapCalls++; break;
      case 'ops->dma_unmap': dmaUnmapCalls++; break;
      case 'teardown_vq_resources': vqTeardowns++; break;
      default: if (e.fn.includes('change_map: VQs torn down')) vqTeardowns++; // mlx5 change_map on live VQs (mlx5-*.ts)
    }
  }
  return { pagesPinned, pagesUnpinned, setMapCalls, dmaMapCalls, dmaUnmapCalls, vqTeardowns };
}

export function addCost(a: Cost, b: Cost): Cost {
  return {
    iotlbMessages: a.iotlbMessages + b.iotlbMessages,
    pagesPinned: a.pagesPinned + b.pagesPinned,
    pagesUnpinned: a.pagesUnpinned + b.pagesUnpinned,
    setMapCalls: a.setMapCalls + b.setMapCalls,
    dmaMapCalls: a.dmaMapCalls + b.dmaMapCalls,
    dmaUnmapCalls: a.dmaUnmapCalls + b.dmaUnmapCalls,
    vqTeardowns: a.vqTeardowns + b.vqTeardowns,
  };
}

/** A property the replay broke: which, and after how many calls of the replayed sequence. */
export interface CycleViolation {
  readonly property: string;
  readonly step: number;
}

/**
 * Replays `actions` from `from` (the initial world by default); a refused call costs its message only.
 * Every property the model checks is judged on each world and transition of the replay, as the search
 * judges them, so that "the cycle is clean" (K6) is read off the replay itself, not off the whole
 * search (whose other flows, e.g. a RAM resize, may break an invariant the cycle keeps).
 */
export function costOf(model: VdpaModel, actions: readonly Action[], from?: World): { cost: Cost; world: World; violations: readonly CycleViolation[] } {
  let w: World = from ?? model.init()[0]!;
  let cost = ZERO_COST;
  const properties = model.properties();
  const violations: CycleViolation[] = [];
  const broken = new Set<string>();
  const judge = (step: number, before: World, a: Action, after: World): void => {
    for (const p of properties) {
      if (broken.has(p.id)) continue;
      const v = p.kind === 'invariant' ? p.check(after) : p.check(before, a, after);
      if (v !== undefined) { broken.add(p.id); violations.push({ property: p.id, step }); }
    }
  };
  actions.forEach((a, i) => {
    const { result, calls } = recordCalls(() => model.next(w, a));
    const after = result ?? w;
    judge(i + 1, w, a, after);
    w = after;
    cost = addCost(cost, { iotlbMessages: IOTLB_MESSAGES.has(a.t) ? 1 : 0, ...countCalls(calls) });
  });
  return { cost, world: w, violations };
}

export const isQemu = (us: Userspace): us is QemuUserspace => 'script' in us && typeof us.script === 'function';

export interface ReferenceCycle {
  /** From the initial world to DRIVER_OK (QEMU's boot), not counted. */
  readonly boot: readonly Action[];
  /** Device stop then start, from and back to the running device. */
  readonly cycle: readonly Action[];
  readonly cost: Cost;
  /** Also what the boot cost, for comparison. */
  readonly bootCost: Cost;
  /** The properties the boot or the cycle broke (step counted from the start of the boot). */
  readonly violations: readonly CycleViolation[];
}

/** The reference cycle of a scripted userspace; undefined for `any`, which has none. */
export function referenceCycle(model: VdpaModel): ReferenceCycle | undefined {
  const us = model.userspace;
  if (!isQemu(us)) return undefined;
  const script = us.script(model.ctx);
  const running = script.running({ resized: false, svq: false });
  const boot = script.flows.find((f) => f.name === 'boot');
  const reboot = script.flows.find((f) => f.name === 'reboot' && f.from === running);
  if (boot === undefined || reboot === undefined) throw new Error('QEMU script without boot or reboot flow');
  const bootActions = boot.steps.map((s) => s.action);
  const cycle = reboot.steps.map((s) => s.action);
  const b = costOf(model, bootActions);
  if (b.world.pc !== running) throw new Error(`QEMU boot ended at program point ${b.world.pc}, not ${running}`);
  const c = costOf(model, cycle, b.world);
  if (c.world.pc !== running) throw new Error(`QEMU reboot ended at program point ${c.world.pc}, not ${running}`);
  const violations = [...b.violations, ...c.violations.filter((v) => !b.violations.some((x) => x.property === v.property))
    .map((v) => ({ ...v, step: v.step + bootActions.length }))];
  return { boot: bootActions, cycle, cost: c.cost, bootCost: b.cost, violations };
}
