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
import { isFreed } from '../host-memory.js';

/** The owner's mm is bound (vhost_vdpa_bind_mm at VHOST_SET_OWNER → vdpasim_bind_mm; unbound at release). */
const mmBound = (w: World): boolean => w.fdOpen && w.owner;

/**
 * use_va (vdpa_sim.c v6.12 l.39-41, vdpasim_queue_ready l.95-110, vdpasim_work_fn l.175-192): with the
 * owner's mm bound the vrings are vringh_init_iotlb_va, so iommu[asid] holds user VAs and every access
 * is a copy_{from,to}_user in that mm: a VA the process munmapped faults, whatever file reference vhost
 * holds, and nothing is pinned (there is nothing to pin: the device reaches what the process maps now);
 * passthrough makes an IOVA a VA of the process.
 * Without a bound mm the vrings are vringh_init_iotlb and an entry's address is taken as physical: a
 * stale user entry then reaches memory nobody mapped for the device (kept as the host page here, which
 * identity-after-detach and dma-isolation refuse alike).
 */
function viaMm(ops: VdpaConfigOps): VdpaConfigOps {
  // passthrough ([0, ULONG_MAX] → 0) makes the IOVA a user VA: the model's IOVAs lie below mmap_min_addr
  const viaMmOf = (w: World, t: number): number =>
    !mmBound(w) ? t : t === IDENTITY || (t >= 0 && isFreed(w, t)) ? FAULT : t;
  return {
    ...ops,
    translate: (w, group, page) => viaMmOf(w, ops.translate(w, group, page)),
    groupMap: (w, group, page) => viaMmOf(w, ops.groupMap(w, group, page)),
    throughMm: true,
  };
}

export function vdpaSim(k: VdpaKernel, batchMapping: boolean, useVa = false): VdpaConfigOps {
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
    name: useVa ? 'vdpa_sim_va' : batchMapping ? 'vdpa_sim' : 'vdpa_sim_dma',
    ngroups: 2,
    nas: 2,
    nvqs: 3, // VDPASIM_NET_VQ_NUM (vdpa_sim_net.c)
    useVa,
    initialDevMap: () => new Array<number>(NAS * NP).fill(initialTarget),
    initialCvq: () => new Array<number>(NP).fill(FAULT),

    // vdpasim_reset (v6.1/v6.6: drops maps; v6.7+ 86f6c224c979: .reset keeps maps)
    reset: (d) => {
      resetCommon(d);
      if (k.parents !== 'series') dropMaps(d);
    },

    // vdpasim_set_group_asid (vdpa_sim.c v6.12 l.609-628, 6.1.192 the same): re-points the vrings of
    // the group to iommu[asid] at once; no bound check of its own (vhost-vdpa checks since cd025c1e876b).
    // Before that commit (6.6): `group > ngroups` and `asid >= nas` → -EINVAL here, so group == ngroups
    // passed (the off-by-one) and re-pointed nothing: no vring has that group.
    set_group_asid: (d, group, asid) => {
      if (!k.sgaGroupCheck && (group > 2 || asid >= 2)) return '-EINVAL';
      if (group >= 2) return 0; // no vring of this group: nothing re-pointed
      d.group2asid[group] = asid;
      return 0;
    },

    // vdpasim_suspend (v6.1+): running = false
    suspend: (d) => { d.devSuspended = true; },

    // vdpasim_set_status (vdpa_sim.c v6.12 l.498-506, v6.1 the same): running = DRIVER_OK, so writing DRIVER_OK again
    // after SUSPEND runs the device again (vhost-vdpa's v->suspended stays set)
    set_status: (d, status) => {
      d.status = status;
      if (d.devSuspended) {
        d.devSuspended = false;
        call(LANE_PARENT, LANE_DEVICE, 'vdpasim_set_status: running = DRIVER_OK (a SUSPEND is undone)');
      }
    },

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

  let out: VdpaConfigOps = useVa ? viaMm(withMapOps) : withMapOps;
  if (k.resumeIoctl) out = { ...out, resume: (d) => { d.devSuspended = false; } }; // vdpasim_resume (v6.3+)
  if (k.parentsReportEnableAfterDriverOk) out = { ...out, get_backend_features: () => bit('ENABLE_AFTER_DRIVER_OK') };
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
