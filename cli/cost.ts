// `vdpa-mc cost`: the cost of the userspace's reference cycle (QEMU's device stop then start, as at a
// guest reboot) under one configuration, counted by systems/vdpa/cost.ts.
import { type Config, UsageError } from '../spec/config.js';
import type { CheckTarget } from '../systems/target.js';
import type { Cost, ReferenceCycle } from '../systems/vdpa/cost.js';
import { type CheckJsonConfig, jsonConfigOf } from './check.js';
import type { CliIO } from './io.js';
import type { CostOptions } from './options.js';
import { TOOL, VERSION } from './version.js';
import { runWithVariant, variantLabel } from '../systems/variant-module.js';

export interface CostJson {
  readonly config: CheckJsonConfig;
  readonly cycle: Cost;
}

/** The reference cycle of a vdpa target, or a one-line reason why it has none. */
export function cycleOf(target: CheckTarget): ReferenceCycle | string {
  if (target.referenceCycle === undefined) return `--system ${target.config.system} has no reference cycle in this build (accepted: --system vdpa)`;
  const r = target.referenceCycle();
  return r ?? `--userspace ${target.config.userspace} has no reference cycle (accepted: qemu, qemu-persist)`;
}

const ROWS: readonly [keyof Cost, string][] = [
  ['iotlbMessages', 'IOTLB messages'],
  ['pagesPinned', 'pages pinned'],
  ['pagesUnpinned', 'pages unpinned'],
  ['setMapCalls', 'ops->set_map calls'],
  ['dmaMapCalls', 'ops->dma_map calls'],
  ['dmaUnmapCalls', 'ops->dma_unmap calls'],
  ['vqTeardowns', 'VQ teardowns (mlx5 change_map)'],
];

export function renderCost(target: CheckTarget, r: ReferenceCycle): string {
  const c = target.config;
  const label = (a: unknown): string => target.model.label(a);
  const out: string[] = [];
  out.push(`${TOOL} ${VERSION} cost`);
  out.push(`configuration  system ${c.system} · kernel ${c.kernel} · parent ${c.parent ?? '-'} · userspace ${c.userspace}`);
  out.push(`cycle          guest reboot: device stop then start, ${r.cycle.length} calls from DRIVER_OK back to DRIVER_OK`);
  out.push(`               (after a boot of ${r.boot.length} calls, not counted)`);
  const w = Math.max(...ROWS.map(([, t]) => t.length));
  for (const [k, t] of ROWS) out.push(`  ${t.padEnd(w)}  ${String(r.cost[k]).padStart(4)}   (boot: ${r.bootCost[k]})`);
  out.push('calls of the cycle');
  r.cycle.forEach((a, i) => out.push(`  ${String(i + 1).padStart(2)}. ${label(a)}`));
  return out.join('\n') + '\n';
}

export async function costCommand(o: CostOptions, io: CliIO, build?: (c: Config) => Promise<CheckTarget>): Promise<number> {
  const target = await (build ?? (await import('../systems/registry.js')).buildTarget)(o.config);
  // A variant (user code) runs in the QEMU script's replay: contained (systems/variant-module.ts).
  const v = target.variant;
  const r = v === undefined ? cycleOf(target) : runWithVariant(variantLabel(v), target.config.bounds.timeLimit, () => cycleOf(target));
  if (typeof r === 'string') throw new UsageError(`vdpa-mc cost: ${r}`);
  if (o.json) {
    const json: CostJson = { config: jsonConfigOf(target), cycle: r.cost };
    io.out(JSON.stringify(json, null, 2) + '\n');
  } else {
    io.out(renderCost(target, r));
  }
  return 0;
}
