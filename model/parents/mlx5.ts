// mlx5_vdpa (drivers/vdpa/mlx5): hardware data VQs translate through memory keys (MRs, objects with
// identity: model/parents/mlx5-mr.ts), the CVQ is emulated in software over its own copy of an iotlb
// (cvq.iotlb). Before v6.7 one data MR follows the data group (mlx5-single-mr.ts); from v6.7 each ASID has
// its MR and each VQ holds a reference to the one it was programmed with (mlx5-mres.ts). semantics.md §3.1.
// This file: the device side both share (what a running queue reaches) and the kernel-specific extras.
import { FAULT, GROUP_CVQ, GROUP_DATA, GROUP_DESC, IDENTITY, NAS, NP, bit } from '../../spec/vdpa/constants.js';
import type { VdpaKernel } from '../../spec/vdpa/kernels.js';
import type { World } from '../../spec/vdpa/world.js';
import { call, LANE_PARENT } from '../call-log.js';
import { MKEY_DATA, MKEY_DESC, VQ_NONE, descRef, mrPage, newDmaMr, normalizeMrs } from './mlx5-mr.js';
import { mlx5Mres } from './mlx5-mres.js';
import { mlx5ViewRows } from './mlx5-view.js';
import { mlx5SingleMr } from './mlx5-single-mr.js';
import type { VdpaConfigOps } from './ops.js';

export function mlx5(k: VdpaKernel): VdpaConfigOps {
  const perAsid = k.mlx5PerAsidMr;
  const ngroups = perAsid ? 3 : 2;

  // The MR the data VQs ([0]) or their descriptors ([1]) would use if the device ran now: the VQs'
  // references, with the marks a modify would apply (6.12); with no VQs, what creating them would take.
  const prospective = (w: World, which: 0 | 1): number => {
    if (!perAsid) return w.mrRef[0]!; // 6.1: VQs are (re)created on mvdev->mr
    const data = w.mrRef[w.group2asid[GROUP_DATA]!]!;
    const desc = w.mrRef[w.group2asid[GROUP_DESC]!]!;
    if (w.vqState === VQ_NONE) return which === 0 ? data : desc >= 0 ? desc : data;
    const vq = (w.mkeyPending & MKEY_DATA) !== 0 && data >= 0 ? data : w.vqRef[0]!;
    if (which === 0) return vq;
    const d = (w.mkeyPending & MKEY_DESC) !== 0 && desc >= 0 ? desc : w.vqRef[1]!;
    return d >= 0 ? d : vq;
  };

  const device: VdpaConfigOps = {
    name: 'mlx5',
    ngroups,
    nas: 2,
    useVa: false,
    // mlx5 keeps its translation in MR objects (initDevice), not in the per-ASID device table.
    initialDevMap: () => new Array<number>(NAS * NP).fill(FAULT),
    initialCvq: () => new Array<number>(NP).fill(FAULT),
    reset: () => undefined,
    set_status: () => undefined,
    canDma: () => false,
    translate: (w, group, page) => {
      if (group === GROUP_CVQ) return w.cvqMap[page]!;
      return mrPage(w, group === GROUP_DESC ? descRef(w) : w.vqRef[0]!, page);
    },
    // The MR the parent holds for ASID a (6.1: the one data MR, if the data group is on a).
    asidMap: (w, asid, page) => {
      if (perAsid) return mrPage(w, w.mrRef[asid]!, page);
      return w.group2asid[GROUP_DATA] === asid ? mrPage(w, w.mrRef[0]!, page) : FAULT;
    },
    groupMap: (w, group, page) => (group === GROUP_CVQ ? w.cvqMap[page]! : mrPage(w, prospective(w, group === GROUP_DESC ? 1 : 0), page)),
    hwQueueAsid: (w, group) => {
      const ref = group === GROUP_DESC ? descRef(w) : w.vqRef[0]!;
      return ref < 0 ? -1 : w.mrAsid[ref]!;
    },
    detachedTarget: IDENTITY,
    viewFromAsidMap: true,
    viewRows: (w) => mlx5ViewRows(k, w),
  };

  const ops = perAsid ? mlx5Mres(k, device) : mlx5SingleMr(k, device);
  if (perAsid) return { ...ops, get_backend_features: () => bit('ENABLE_AFTER_DRIVER_OK'), get_vq_desc_group: true };
  if (k.parents === 'rfc') {
    return {
      ...ops,
      // mlx5_vdpa_reset_map → mlx5_vdpa_reset_mr (RFC v2 patch 2/4): ASID 0 only; the data MR back to the
      // DMA MR if it was a user MR; the CVQ iotlb is left as it is.
      reset_map: (d, asid) => {
        if (asid !== 0) return;
        const mr = d.mrRef[0]!;
        if (mr >= 0 && d.mrPages[mr * NP] === IDENTITY) return;
        d.mrRef[0] = newDmaMr(d);
        d.mrInit = true;
        normalizeMrs(d);
        call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_reset_mr(asid=0): DMA MR re-created (cvq.iotlb untouched)');
      },
    };
  }
  // v6.6 reports ENABLE_AFTER_DRIVER_OK through get_backend_features; v6.1 has no such op.
  return k.parentsReportEnableAfterDriverOk ? { ...ops, get_backend_features: () => bit('ENABLE_AFTER_DRIVER_OK') } : ops;
}
