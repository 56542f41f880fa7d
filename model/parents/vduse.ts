// VDUSE (drivers/vdpa/vdpa_user/vduse_dev.c): VA mode, 1 group, 1 AS, set_map only. The user maps
// live in the device's software domain and survive reset and close (no reset_map, no
// get_backend_features: IOTLB_PERSIST is not offered although maps persist). semantics.md §3.3.
import { FAULT, NAS, NP, S_DRIVER_OK } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';
import { call, LANE_DEVICE, LANE_PARENT } from '../call-log.js';
import { copyIotlb } from './common.js';
import { takeFault, type VdpaConfigOps } from './ops.js';
import { isEmpty } from '../vhost-iotlb.js';

export function vduse(): VdpaConfigOps {
  return {
    name: 'vduse',
    ngroups: 1,
    nas: 1,
    useVa: true,
    initialDevMap: () => new Array<number>(NAS * NP).fill(FAULT),
    initialCvq: () => new Array<number>(NP).fill(FAULT),
    // vduse_vdpa_set_map → vduse_domain_set_map (v6.1+): replace every user map, then ask userspace to invalidate
    set_map: (d: World, asid: number) => {
      if (!isEmpty(d, asid) && takeFault(d)) {
        // vduse_domain_set_map: the old maps are deleted first; on failure what was added is removed too
        for (let p = 0; p < NP; p++) d.devMap[asid * NP + p] = FAULT;
        call(LANE_PARENT, LANE_PARENT, 'vduse_domain_set_map', { ret: '-ENOMEM', note: 'domain left empty' });
        return '-ENOMEM';
      }
      copyIotlb(d, asid, d.devMap, asid * NP);
      call(LANE_PARENT, LANE_PARENT, 'vduse_domain_set_map', { note: 'user maps replaced; VDUSE_UPDATE_IOTLB to userspace' });
      return 0;
    },
    // vduse_vdpa_reset (v6.1+): resets the bounce map only; user maps survive
    reset: (d) => {
      d.status = 0;
      call(LANE_PARENT, LANE_DEVICE, 'vduse_dev_reset', { note: 'status = 0 (user maps kept)' });
    },
    set_status: (d, status) => { d.status = status; },
    canDma: (w) => (w.status & S_DRIVER_OK) !== 0,
    translate: (w, _group, page) => w.devMap[page]!,
    asidMap: (w, asid, page) => (asid !== 0 ? FAULT : w.devMap[page]!),
    groupMap: (w, _group, page) => w.devMap[page]!,
    // virtio-vdpa's DMA goes through VDUSE's bounce map; no user map may be left behind
    detachedTarget: FAULT,
  };
}
