// vdpa_sim (drivers/vdpa/vdpa_sim/vdpa_sim.c): one software iotlb per ASID (iommu[asid]) and, since
// v6.6, a passthrough flag (iommu_pt). Every op runs under iommu_lock, which vringh also takes, so
// each op is atomic with respect to the simulated DMA. batch_mapping=1 → set_map; 0 → dma_map/dma_unmap.
import { FAULT, GROUP_CVQ, IDENTITY, NAS, NP, S_DRIVER_OK, bit } from '../../spec/vdpa/constants.js';
import type { VdpaKernel } from '../../spec/vdpa/kernels.js';
import type { World } from '../../spec/vdpa/world.js';
import { call, LANE_DEVICE, LANE_PARENT } from '../call-log.js';
import { copyIotlb, fill } from './common.js';
import { VDPA_RESET_F_CLEAN_MAP, takeFault, type VdpaConfigOps } from './ops.js';
import { isEmpty } from '../vhost-iotlb.js';

export function vdpaSim(k: VdpaKernel, batchMapping: boolean): VdpaConfigOps {
  // v6.1 reset empties the iotlbs (virtio-vdpa used the simulator's own DMA ops then); v6.6 installs
  // passthrough; the series keeps maps on .reset and restores passthrough on CLEAN_MAP / reset_map.
  const passthrough = k.vdpaSimPassthrough;
  const initialTarget = k.parents === 'series' ? IDENTITY : FAULT; // v6.7+ creation installs passthrough

  // vdpasim_do_reset (v6.1: vhost_iotlb_reset of every ASID; v6.6/RFC: passthrough [0, ULONG_MAX] in every ASID)
  const dropMaps = (d: World): void => {
    for (let a = 0; a < NAS; a++) fill(d.devMap, a * NP, passthrough ? IDENTITY : FAULT);
    call(LANE_PARENT, LANE_PARENT, 'vdpasim_do_reset', { note: passthrough ? 'every iommu[asid] := passthrough' : 'vhost_iotlb_reset(iommu[*])' });
  };

  // Shared part of every reset: vrings back on ASID 0, device stopped, status 0.
  const resetCommon = (d: World): void => {
    d.group2asid.fill(0);
    d.status = 0;
    d.devSuspended = false;
    call(LANE_PARENT, LANE_DEVICE, 'vdpasim_do_reset', { note: 'vrings → iommu[0], running = false' });
  };

  const ops: VdpaConfigOps = {
    name: batchMapping ? 'vdpa_sim' : 'vdpa_sim_dma',
    ngroups: 2,
    nas: 2,
    useVa: false,
    initialDevMap: () => new Array<number>(NAS * NP).fill(initialTarget),
    initialCvq: () => new Array<number>(NP).fill(FAULT),

    // vdpasim_reset (v6.1/v6.6: drops maps; v6.7+ 86f6c224c979: .reset keeps maps)
    reset: (d) => {
      resetCommon(d);
      if (k.parents !== 'series') dropMaps(d);
    },

    // vdpasim_set_group_asid (v6.1+): re-points the group's vrings to iommu[asid] at once
    set_group_asid: (d, group, asid) => {
      if (group >= 2) return '-EINVAL';
      d.group2asid[group] = asid;
      return 0;
    },

    // vdpasim_suspend (v6.1+): running = false
    suspend: (d) => { d.devSuspended = true; },

    // vdpasim_set_status (v6.1+)
    set_status: (d, status) => { d.status = status; },

    canDma: (w) => (w.status & S_DRIVER_OK) !== 0 && !w.devSuspended,
    translate: (w, group, page) => w.devMap[w.group2asid[group === GROUP_CVQ ? 1 : 0]! * NP + page]!,
    asidMap: (w, asid, page) => w.devMap[asid * NP + page]!,
    groupMap: (w, group, page) => w.devMap[w.group2asid[group === GROUP_CVQ ? 1 : 0]! * NP + page]!,
    // v6.1: virtio-vdpa used the simulator's own DMA ops on an empty iotlb; v6.6+: passthrough
    detachedTarget: passthrough ? IDENTITY : FAULT,
  };

  const withMapOps: VdpaConfigOps = batchMapping
    ? {
      ...ops,
      // vdpasim_set_map (v6.1+): clear iommu[asid] (and passthrough), copy the whole iotlb
      set_map: (d, asid) => {
        if (!isEmpty(d, asid) && takeFault(d)) {
          fill(d.devMap, asid * NP, FAULT); // vhost_iotlb_add_range failed: iommu[asid] reset, left empty
          call(LANE_PARENT, LANE_PARENT, 'vhost_iotlb_add_range', () => ({ args: { iotlb: `iommu[${asid}]` }, ret: '-ENOMEM', note: 'vdpasim_set_map: table left empty' }));
          return '-ENOMEM';
        }
        copyIotlb(d, asid, d.devMap, asid * NP);
        call(LANE_PARENT, LANE_PARENT, 'vdpasim_set_map', () => ({ args: { asid }, note: `iommu[${asid}] := copy of the iotlb` }));
        return 0;
      },
    }
    : {
      ...ops,
      // vdpasim_dma_map (v6.6+: drops passthrough first when iommu_pt)
      dma_map: (d, asid, page, hosts) => {
        if (d.devMap[asid * NP] === IDENTITY) fill(d.devMap, asid * NP, FAULT);
        if (takeFault(d)) return '-ENOMEM'; // vhost_iotlb_add_range_ctx failed (passthrough already dropped)
        for (let i = 0; i < hosts.length; i++) d.devMap[asid * NP + page + i] = hosts[i]!;
        return 0;
      },
      // vdpasim_dma_unmap (v6.6+: drops passthrough first when iommu_pt)
      dma_unmap: (d, asid, page, npages) => {
        if (d.devMap[asid * NP] === IDENTITY) fill(d.devMap, asid * NP, FAULT);
        for (let i = 0; i < npages; i++) d.devMap[asid * NP + page + i] = FAULT;
      },
    };

  let out: VdpaConfigOps = withMapOps;
  if (k.resumeIoctl) out = { ...out, resume: (d) => { d.devSuspended = false; } }; // vdpasim_resume (v6.3+)
  if (k.enableAfterDriverOkUnchecked) out = { ...out, get_backend_features: () => bit('ENABLE_AFTER_DRIVER_OK') };
  if (k.parents === 'series') {
    out = {
      ...out,
      // vdpasim_compat_reset (v6.7+, 86f6c224c979): CLEAN_MAP restores passthrough in every ASID
      compat_reset: (d, flags) => {
        resetCommon(d);
        if ((flags & VDPA_RESET_F_CLEAN_MAP) !== 0) dropMaps(d);
      },
      // vdpasim_reset_map (v6.7+): passthrough again for this ASID
      reset_map: (d, asid) => {
        fill(d.devMap, asid * NP, IDENTITY);
        call(LANE_PARENT, LANE_PARENT, 'vdpasim_reset_map', () => ({ args: { asid }, note: 'passthrough' }));
      },
    };
  }
  return out;
}
