// mlx5_vdpa (drivers/vdpa/mlx5): hardware data VQs translate through memory keys (MRs), the CVQ is
// emulated in software over a copy of its ASID's iotlb (cvq.iotlb). The 1:1 state is the DMA MR
// (umem_uid_0 assumed present) plus an identity CVQ iotlb. semantics.md §3.1.
// Simplification, said once: 6.1's single data MR is modelled per ASID; it is the same as long as
// the data group stays on ASID 0 (QEMU never moves it).
import { FAULT, GROUP_CVQ, GROUP_DATA, GROUP_DESC, IDENTITY, NAS, NP, S_DRIVER_OK, bit } from '../../spec/vdpa/constants.js';
import type { VdpaKernel } from '../../spec/vdpa/kernels.js';
import type { World } from '../../spec/vdpa/world.js';
import { call, LANE_DEVICE, LANE_PARENT } from '../call-log.js';
import { allFault, copyIotlb, fill } from './common.js';
import { VDPA_RESET_F_CLEAN_MAP, takeFault, type VdpaConfigOps } from './ops.js';
import { isEmpty } from '../vhost-iotlb.js';

export function mlx5(k: VdpaKernel): VdpaConfigOps {
  const series = k.parents === 'series';
  const ngroups = k.mlx5PerAsidMr ? 3 : 2;

  // mlx5_vdpa_create_dma_mr + identity CVQ iotlb (mr.c, v6.1..v6.12): the initial 1:1 state of ASID 0.
  const createDmaMr = (d: World): void => {
    fill(d.devMap, 0, IDENTITY);
    if (d.group2asid[GROUP_CVQ] === 0) fill(d.cvqMap, 0, IDENTITY);
    call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_create_dma_mr', { note: '1:1' });
  };

  // The hardware VQs pick up the MR of their group's ASID when created or modified (setup_vq_resources / modify_virtqueues).
  const programVqs = (d: World): void => {
    d.vqAsid[0] = d.group2asid[GROUP_DATA]!;
    d.vqAsid[1] = k.mlx5PerAsidMr ? d.group2asid[GROUP_DESC]! : d.group2asid[GROUP_DATA]!;
  };

  // mlx5_vdpa_change_map (v6.1: teardown/rebuild; v6.12: suspend, swap MR, resume when resumable).
  const changeMap = (d: World): void => {
    const running = (d.status & S_DRIVER_OK) !== 0 && !d.devSuspended;
    if (k.mlx5ResumableChangeMap) {
      call(LANE_PARENT, LANE_DEVICE, 'mlx5_vdpa_change_map', { note: 'suspend VQs, swap MR, resume' });
      if (running) programVqs(d);
    } else {
      call(LANE_PARENT, LANE_DEVICE, 'teardown_vq_resources', { note: 'from mlx5_vdpa_change_map: VQs destroyed' });
      d.vqAsid[0] = -1; d.vqAsid[1] = -1;
      if (running) { programVqs(d); call(LANE_PARENT, LANE_DEVICE, 'setup_vq_resources', { note: 'VQs re-created' }); }
    }
  };

  const ops: VdpaConfigOps = {
    name: 'mlx5',
    ngroups,
    nas: 2,
    useVa: false,
    initialDevMap: () => {
      const m = new Array<number>(NAS * NP).fill(FAULT);
      fill(m, 0, IDENTITY);
      return m;
    },
    initialCvq: () => new Array<number>(NP).fill(IDENTITY),

    // mlx5_vdpa_set_map → set_map_data / handle_set_map (net/mlx5_vnet.c, core/mr.c; v6.1 and v6.12)
    set_map: (d, asid) => {
      const dataUses = d.group2asid[GROUP_DATA] === asid || (k.mlx5PerAsidMr && d.group2asid[GROUP_DESC] === asid);
      if (!isEmpty(d, asid) && takeFault(d)) {
        // v6.7+ set_map_data builds the new MR before touching the device: a failure leaves it as it was.
        // v6.1 mlx5_vdpa_change_map destroys the ASID's MR and tears the VQs down before
        // mlx5_vdpa_create_mr fails: no MR, no VQs (and the CVQ iotlb pruned with it).
        if (!k.mlx5PerAsidMr && !allFault(d, asid) && (dataUses || d.group2asid[GROUP_CVQ] === asid)) {
          if (dataUses) { fill(d.devMap, asid * NP, FAULT); d.vqAsid[0] = -1; d.vqAsid[1] = -1; }
          if (d.group2asid[GROUP_CVQ] === asid) fill(d.cvqMap, 0, FAULT);
          call(LANE_PARENT, LANE_DEVICE, 'mlx5_vdpa_create_mr', { ret: '-ENOMEM', note: 'from mlx5_vdpa_change_map: MR destroyed, VQs torn down' });
        } else {
          call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_create_mr', () => ({ args: { asid }, ret: '-ENOMEM', note: 'device untouched' }));
        }
        return '-ENOMEM';
      }
      if (k.mlx5PerAsidMr || dataUses) {
        const hadMr = !allFault(d, asid);
        copyIotlb(d, asid, d.devMap, asid * NP);
        call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_create_mr', () => ({ args: { asid }, note: 'MR rebuilt from the iotlb' }));
        if (hadMr && d.vqAsid[0] >= 0) changeMap(d);
        else if (d.vqAsid[0] >= 0 && dataUses) programVqs(d);
      }
      if (d.group2asid[GROUP_CVQ] === asid) {
        copyIotlb(d, asid, d.cvqMap, 0);
        call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_update_cvq_iotlb', { note: 'cvq.iotlb := prune + dup_iotlb' });
      }
      return 0;
    },

    // mlx5_vdpa_reset (v6.1/v6.6: the "bogus" reset that destroys the MRs and re-creates the DMA MR;
    // v6.7+: .reset = compat_reset(0), maps survive; RFC: reset no longer touches maps)
    reset: (d) => {
      if (series) { mlx5CompatReset(d, 0); return; }
      resetCommon(d);
      if (k.parents === 'pre-series') {
        fill(d.devMap, d.group2asid[GROUP_DATA]! * NP, FAULT);
        fill(d.cvqMap, 0, FAULT);
        call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_destroy_mr', { note: 'user maps dropped' });
        d.group2asid.fill(0);
        createDmaMr(d);
      } else {
        d.group2asid.fill(0);
      }
    },

    // mlx5_vdpa_set_group_asid (v6.1: write only; v6.7+ 5dc31bd245a4: refresh the CVQ iotlb from mr[asid])
    set_group_asid: (d, group, asid) => {
      if (group >= ngroups) return '-EINVAL';
      d.group2asid[group] = asid;
      if (k.mlx5PerAsidMr && group === GROUP_CVQ && !allFault(d, asid)) {
        for (let p = 0; p < NP; p++) d.cvqMap[p] = d.devMap[asid * NP + p]!;
        call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_update_cvq_iotlb', () => ({ args: { asid }, note: `cvq.iotlb refreshed from mr[${asid}]` }));
      }
      return 0;
    },

    // mlx5_vdpa_suspend (v6.1+): suspend data VQs and the software CVQ
    suspend: (d) => { d.devSuspended = true; },

    // mlx5_vdpa_set_status (v6.1+): DRIVER_OK → setup_vq_resources with the MR of the data group's ASID
    set_status: (d, status) => {
      if ((status & S_DRIVER_OK) !== 0 && (d.status & S_DRIVER_OK) === 0) {
        programVqs(d);
        call(LANE_PARENT, LANE_DEVICE, 'setup_vq_resources', () => ({ note: `data VQs on mr[${d.vqAsid[0]}]` }));
      }
      d.status = status;
    },

    canDma: (w, group) => {
      if ((w.status & S_DRIVER_OK) === 0 || w.devSuspended) return false;
      return group === GROUP_CVQ ? true : w.vqAsid[0]! >= 0;
    },
    translate: (w, group, page) => {
      if (group === GROUP_CVQ) return w.cvqMap[page]!;
      const a = w.vqAsid[group === GROUP_DESC ? 1 : 0]!;
      return a < 0 ? FAULT : w.devMap[a * NP + page]!;
    },
    asidMap: (w, asid, page) => w.devMap[asid * NP + page]!,
    groupMap: (w, group, page) => (group === GROUP_CVQ ? w.cvqMap[page]! : w.devMap[w.group2asid[group]! * NP + page]!),
    detachedTarget: IDENTITY,
  };

  // Shared by every reset flavour: VQs torn down, status and suspended cleared, generation bumped.
  function resetCommon(d: World): void {
    d.vqAsid[0] = -1; d.vqAsid[1] = -1;
    d.status = 0;
    d.devSuspended = false;
    call(LANE_PARENT, LANE_DEVICE, 'mlx5_vdpa_reset', { note: 'teardown VQs, status = 0' });
  }

  // mlx5_vdpa_compat_reset (v6.7+, 2eacf4b5e3eb): CLEAN_MAP drops every MR and the CVQ iotlb, then the DMA MR.
  function mlx5CompatReset(d: World, flags: number): void {
    resetCommon(d);
    const clean = (flags & VDPA_RESET_F_CLEAN_MAP) !== 0;
    if (clean) {
      fill(d.devMap, 0, FAULT); fill(d.devMap, NP, FAULT); fill(d.cvqMap, 0, FAULT);
      call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_clean_mrs', { note: 'prune cvq.iotlb (CLEAN_MAP)' });
    }
    d.group2asid.fill(0);
    if (clean) createDmaMr(d);
  }

  if (series) {
    return {
      ...ops,
      compat_reset: mlx5CompatReset,
      // mlx5_vdpa_reset_map (v6.7+, 2eacf4b5e3eb): drop mr[asid]; ASID 0 gets the DMA MR; CVQ identity.
      reset_map: (d, asid) => {
        fill(d.devMap, asid * NP, FAULT);
        if (asid === 0) createDmaMr(d);
        else if (d.group2asid[GROUP_CVQ] === asid) fill(d.cvqMap, 0, IDENTITY);
        call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_reset_map', () => ({ args: { asid } }));
      },
      get_backend_features: () => bit('ENABLE_AFTER_DRIVER_OK'),
      get_vq_desc_group: true,
      ...(k.mlx5ResumableChangeMap ? { resume: (d: World) => { d.devSuspended = false; } } : {}),
    };
  }
  if (k.parents === 'rfc') {
    return {
      ...ops,
      // mlx5_vdpa_reset_map → mlx5_vdpa_reset_mr (RFC v2 patch 2/4): ASID 0 only; the data MR back to
      // the DMA MR if it was a user MR; the CVQ iotlb is left as it is.
      reset_map: (d, asid) => {
        if (asid !== 0) return;
        let user = false;
        for (let p = 0; p < NP; p++) if (d.devMap[p] !== IDENTITY) user = true;
        if (!user) return;
        fill(d.devMap, 0, IDENTITY);
        call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_reset_mr', { args: { asid: 0 }, note: 'DMA MR re-created (cvq.iotlb untouched)' });
      },
    };
  }
  // v6.6 reports ENABLE_AFTER_DRIVER_OK through get_backend_features; v6.1 has no such op.
  return k.enableAfterDriverOkUnchecked ? { ...ops, get_backend_features: () => bit('ENABLE_AFTER_DRIVER_OK') } : ops;
}
