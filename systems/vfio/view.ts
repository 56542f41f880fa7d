// How a VFIO world reads in a trace: layers (userspace, vfio type1, iommu, device, host memory) of
// rendered fields, IOVA ranges in hex.
import type { LayerView } from '../../traces/trace-model.js';
import { NH, NP, PAGE, hex, iovaHex, iovaRange, pfnName, vaddrHex } from '../../spec/vfio/constants.js';
import { labelAction, type VfioAction } from '../../spec/vfio/actions.js';
import { deviceReach, domainList, lockedOf, vaddrInvalidCount, type Dma, type VfioWorld } from '../../spec/vfio/world.js';

function protName(prot: number): string {
  return (prot & 1 ? 'R' : '') + (prot & 2 ? 'W' : '') || '-';
}

function dmaLine(w: VfioWorld, d: Dma): string {
  const bits = [`vaddr ${vaddrHex(d.vaddr)}`, protName(d.prot)];
  if (d.vaddrInvalid) bits.push('vaddr_invalid');
  if (!d.iommuMapped) bits.push('!iommu_mapped');
  const pinned: string[] = [];
  for (let p = d.iova; p < d.iova + d.size; p++) pinned.push(pfnName(w.pinnedPfn[p]!));
  bits.push(`pinned ${pinned.join(',')}`);
  bits.push(`locked_vm ${lockedOf(w, d)} in ${d.mmCur ? 'this' : 'the old'} mm`);
  return `${iovaRange(d.iova, d.size)} ${bits.join(' ')}`;
}

/** "[0x0,0x1000) → h0, [0x1000,0x2000) → none" page by page, empty pages left out. */
function ptLine(pt: readonly number[]): string {
  const parts: string[] = [];
  for (let p = 0; p < pt.length; p++) if (pt[p]! >= 0) parts.push(`${iovaRange(p, 1)} → ${pfnName(pt[p]!)}`);
  return parts.length ? parts.join(', ') : 'empty';
}

export function viewOf(w: VfioWorld, program: readonly VfioAction[] | undefined): readonly LayerView[] {
  const user = [{ name: 'phase', value: w.phase === 'boot' ? 'before the live update' : `after ${w.phase}` }];
  for (let v = 0; v < w.vmap.length; v++) user.push({ name: `vaddr ${vaddrHex(v)}`, value: pfnName(w.vmap[v]!) });
  if (program !== undefined) {
    const next = program[w.pc];
    user.unshift({ name: 'cpr', value: next === undefined ? `done (${w.pc} steps)` : `step ${w.pc + 1}/${program.length}: ${labelAction(next)}` });
  }
  const doms = domainList(w);
  const device: { name: string; value: string }[] = [{ name: 'running', value: w.devRunning ? 'yes' : 'no' }];
  for (let p = 0; p < NP; p++) {
    const h = deviceReach(w, p);
    device.push({ name: `DMA to ${iovaHex(p)}`, value: h < 0 ? 'fault' : pfnName(h) });
  }
  if (w.inUpdate) {
    const kept: string[] = [];
    const faulted: string[] = [];
    for (let p = 0; p < NP; p++) {
      if (w.keep[p]) kept.push(iovaHex(p));
      if (w.faulted[p]) faulted.push(iovaHex(p));
    }
    device.push({ name: 'kept across update', value: kept.join(', ') || 'none' });
    device.push({ name: 'faulted during update', value: faulted.join(', ') || 'none' });
  }
  const mem: { name: string; value: string }[] = [];
  for (let h = 0; h < NH; h++) mem.push({ name: pfnName(h), value: `${w.pins[h]} pin${w.pins[h] === 1 ? '' : 's'}, ${w.owner[h]}` });
  return [
    { layer: 'userspace', fields: user },
    {
      layer: 'vfio type1',
      fields: [
        { name: 'vfio_dma', value: w.dmas.length ? w.dmas.map((d) => dmaLine(w, d)).join('; ') : 'none' },
        { name: 'vaddr_invalid_count', value: String(vaddrInvalidCount(w)) },
        { name: 'locked_vm', value: `${w.lockedVm} pages (${hex(w.lockedVm * PAGE)})` },
        { name: 'domain_list', value: doms.length ? doms.join(', ') : 'empty' },
      ],
    },
    {
      layer: 'iommu',
      fields: [
        {
          name: 'domain A',
          value: w.joined === 'A-in-B' ? 'freed (group A joined domain B)'
            : `${w.aPersisted ? '(persisted) ' : ''}${w.aIn ? '' : '(not in the container) '}${ptLine(w.ptA)}${w.joined === 'B-in-A' ? ' (groups A and B)' : ''}`,
        },
        {
          name: 'domain B',
          value: w.joined === 'B-in-A' ? 'not allocated (group B joined domain A)'
            : w.bIn ? `${ptLine(w.ptB)}${w.joined === 'A-in-B' ? ' (groups B and A)' : ''}` : 'not attached',
        },
      ],
    },
    { layer: 'device', fields: device },
    { layer: 'host memory', fields: mem },
  ];
}
