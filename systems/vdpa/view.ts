// The world as layers of rendered fields, for traces: IOVA maps as intervals in hex, features by name.
import type { LayerView } from '../../traces/trace-model.js';
import type { VdpaCtx } from '../../model/context.js';
import { entriesIntersecting } from '../../model/vhost-iotlb.js';
import { renderPages } from '../../model/parents/render.js';
import { featureHex, featureNames, statusNames } from '../../spec/vdpa/actions.js';
import { GROUP_NAMES, HOST_PFN, NH, NP, PAGE, hex } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';

function renderBelief(arr: readonly number[], offset: number): string {
  const parts: string[] = [];
  for (let p = 0; p < NP; p++) { const h = arr[offset + p]!; if (h >= 0) parts.push(`${hex(p * PAGE)}→h${h}`); }
  return parts.length === 0 ? 'empty' : parts.join(' ');
}

function renderIotlb(w: World, a: number): string {
  const es = entriesIntersecting(w, a, 0, NP - 1);
  if (es.length === 0) return 'empty';
  return es.map((e) => `[${hex(e.start * PAGE)},${hex((e.start + e.npages) * PAGE)}) → ${e.hosts.map((h) => 'h' + h).join('+')}`).join(', ');
}

export function viewWorld(ctx: VdpaCtx, w: World): LayerView[] {
  const bits = ctx.kernel.featureBits;
  const nas = ctx.ops.nas;
  const user: { name: string; value: string }[] = [];
  for (let a = 0; a < nas; a++) user.push({ name: `maps asid ${a}`, value: renderBelief(w.uMap, a * NP) });
  user.push({ name: 'group → asid (believed)', value: w.uGroupAsid.slice(0, ctx.ops.ngroups).join(',') });
  user.push({ name: 'map change in progress', value: w.uTxn ? `yes (window pages 0x${w.uWindow.toString(16)})` : 'no' });
  if (w.pc !== 0) user.push({ name: 'program counter', value: String(w.pc) });

  const vhost: { name: string; value: string }[] = [
    { name: 'fd', value: w.fdOpen ? 'open' : 'closed' },
    { name: 'owner', value: w.owner ? 'set' : 'none' },
    { name: 'acked backend features', value: `${featureHex(w.acked, bits)} ${featureNames(w.acked)}` },
  ];
  for (let a = 0; a < nas; a++) {
    vhost.push({ name: `iotlb asid ${a}`, value: (w.asExists & (1 << a)) === 0 ? 'no AS' : renderIotlb(w, a) });
  }
  vhost.push({ name: 'in_batch', value: w.inBatch ? `yes (asid ${w.batchAsid})` : 'no' });
  if (ctx.kernel.suspendTracked) vhost.push({ name: 'suspended', value: w.suspended ? 'yes' : 'no' });
  if (ctx.ops.set_map === undefined && ctx.ops.dma_map === undefined) {
    vhost.push({ name: 'IOMMU domain', value: w.domainAttached ? 'attached' : 'detached (default domain)' });
  }

  const parent: { name: string; value: string }[] = [
    { name: 'bus driver', value: w.bound === 'vhost' ? 'vhost_vdpa' : 'virtio_vdpa' },
    { name: 'status', value: statusNames(w.status) },
    { name: 'suspended', value: w.devSuspended ? 'yes' : 'no' },
    { name: 'group2asid', value: w.group2asid.slice(0, ctx.ops.ngroups).map((a, g) => `${GROUP_NAMES[g]}→${a}`).join(' ') },
  ];
  for (let a = 0; a < nas; a++) {
    const t = ctx.ops.viewFromAsidMap === true
      ? Array.from({ length: NP }, (_, p) => ctx.ops.asidMap(w, a, p)) : w.devMap.slice(a * NP, a * NP + NP);
    parent.push({ name: `translation asid ${a}`, value: renderPages(t, 0) });
  }
  if (ctx.ops.viewRows !== undefined) parent.push(...ctx.ops.viewRows(w));

  const mem: { name: string; value: string }[] = [];
  for (let h = 0; h < NH; h++) {
    const freed = (w.userFreed & (1 << h)) !== 0;
    mem.push({ name: `h${h} (pfn ${hex(HOST_PFN[h]!)})`, value: `pinned ${w.pinned[h]}${freed ? ', munmapped' : ''}` });
  }
  return [
    { layer: 'userspace', fields: user },
    { layer: 'vhost-vdpa', fields: vhost },
    { layer: `parent (${ctx.ops.name}) / device`, fields: parent },
    { layer: 'host memory', fields: mem },
  ];
}
