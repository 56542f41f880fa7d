// A parent with no on-chip IOMMU (ifcvf, vp_vdpa, octeon_ep, pds, eni, snet): no set_map/dma_map/
// reset_map, so vhost-vdpa allocates its own IOMMU domain at open and maps with iommu_map.
// devMap of ASID 0 holds vhost-vdpa's domain; detached, the device is back on its default DMA domain.
import { FAULT, IDENTITY, NAS, NP, S_DRIVER_OK } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';
import { call, LANE_DEVICE, LANE_PARENT } from '../call-log.js';
import type { VdpaConfigOps } from './ops.js';

export function platformIommu(): VdpaConfigOps {
  return {
    name: 'platform',
    ngroups: 1,
    nas: 1,
    useVa: false,
    initialDevMap: () => new Array<number>(NAS * NP).fill(FAULT),
    initialCvq: () => new Array<number>(NP).fill(FAULT),
    // ifcvf_vdpa_reset / vp_vdpa_reset (v6.1+): device state only; the domain belongs to vhost-vdpa
    reset: (d: World) => {
      d.status = 0;
      call(LANE_PARENT, LANE_DEVICE, 'ops->reset', { note: 'device reset, status = 0' });
    },
    set_status: (d, status) => { d.status = status; },
    canDma: (w) => (w.status & S_DRIVER_OK) !== 0,
    translate: (w, _group, page) => (w.domainAttached ? w.devMap[page]! : IDENTITY),
    asidMap: (w, asid, page) => (asid !== 0 ? FAULT : w.domainAttached ? w.devMap[page]! : IDENTITY),
    groupMap: (w, _group, page) => (w.domainAttached ? w.devMap[page]! : IDENTITY),
    detachedTarget: IDENTITY,
    // vhost-vdpa's domain while attached, the default (1:1) domain once detached
    viewFromAsidMap: true,
  };
}
