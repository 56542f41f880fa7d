// VDUSE (drivers/vdpa/vdpa_user/vduse_dev.c, iova_domain.c; v6.1 and v6.12 alike): VA mode, 1 group,
// 1 AS, set_map only. The user maps live in the device's software domain, which takes its own file
// reference per entry (vduse_iotlb_add_range: get_file) and drops it only when the entry is deleted
// (vduse_iotlb_del_range: fput): so the pages of a map vhost-vdpa has let go are still held, by the
// domain. The maps survive reset and close (no reset_map, no get_backend_features: IOTLB_PERSIST is
// not offered although maps persist). Every op that talks to the daemon (vduse_dev_msg_sync) can fail
// with -EIO: the environment's armed fault (`parentFault`) stands for the daemon's failed reply.
import { FAULT, NAS, NP, S_DRIVER_OK } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';
import { call, LANE_DEVICE, LANE_PARENT } from '../call-log.js';
import { takeFault, type VdpaConfigOps } from './ops.js';
import { expand, isEmpty } from '../vhost-iotlb.js';

/** vduse_iotlb_del_range(domain, 0, ULLONG_MAX) (iova_domain.c l.51-63): fput of every entry's file. */
function domainDelAll(d: World): void {
  for (let p = 0; p < NP; p++) {
    const h = d.devMap[p]!;
    if (h >= 0) d.pinned[h] = d.pinned[h]! - 1;
    d.devMap[p] = FAULT;
  }
}

/** vduse_iotlb_add_range for every entry of vhost's iotlb (iova_domain.c l.26-49): get_file each. */
function domainAddAll(d: World, asid: number): void {
  for (let p = 0; p < NP; p++) {
    const h = expand(d, asid, p);
    d.devMap[p] = h;
    if (h >= 0) d.pinned[h] = d.pinned[h]! + 1;
  }
}

export function vduse(): VdpaConfigOps {
  return {
    name: 'vduse',
    ngroups: 1,
    nas: 1,
    nvqs: 2, // the daemon's vduse_dev_config.vq_num: a virtio-net device of one queue pair, no CVQ
    useVa: true,
    initialDevMap: () => new Array<number>(NAS * NP).fill(FAULT),
    initialCvq: () => new Array<number>(NP).fill(FAULT),
    // vduse_vdpa_set_map (vduse_dev.c v6.12 l.781-799, v6.1 l.736-754): vduse_domain_set_map (iova_domain.c
    // l.65-93: delete every entry, add the iotlb's; a failed add deletes all again), then VDUSE_UPDATE_IOTLB
    // to the daemon; if the daemon fails it, vduse_domain_clear_map deletes the iotlb's ranges: empty again
    set_map: (d: World, asid: number) => {
      domainDelAll(d);
      if (!isEmpty(d, asid) && takeFault(d)) {
        call(LANE_PARENT, LANE_PARENT, 'vduse_domain_set_map: vduse_iotlb_add_range -ENOMEM, domain left empty');
        return '-ENOMEM';
      }
      domainAddAll(d, asid);
      if (takeFault(d)) {
        domainDelAll(d);
        call(LANE_PARENT, LANE_PARENT, 'vduse_dev_update_iotlb: the daemon fails VDUSE_UPDATE_IOTLB (-EIO); vduse_domain_clear_map');
        return '-EIO';
      }
      call(LANE_PARENT, LANE_PARENT, 'vduse_domain_set_map: user maps replaced (the domain takes its own file references); VDUSE_UPDATE_IOTLB to the daemon');
      return 0;
    },
    // vduse_vdpa_reset (vduse_dev.c v6.12 l.743-751, v6.1 l.719-727): VDUSE_SET_STATUS(0) to the daemon, then
    // vduse_dev_reset whatever the daemon said (status 0; the bounce map only: user maps survive); the
    // daemon's error is returned
    reset: (d) => {
      const r = takeFault(d) ? '-EIO' : 0;
      d.status = 0;
      call(LANE_PARENT, LANE_DEVICE, r === 0 ? 'vduse_dev_reset: status = 0 (user maps kept)'
        : 'the daemon fails VDUSE_SET_STATUS(0) (-EIO); vduse_dev_reset: status = 0 all the same (user maps kept)');
      return r;
    },
    // vduse_vdpa_set_status (vduse_dev.c v6.12 l.703-711): status changes only if the daemon accepts it;
    // the error goes nowhere (the op is void)
    set_status: (d, status) => {
      if (takeFault(d)) {
        call(LANE_PARENT, LANE_DEVICE, () => `the daemon fails VDUSE_SET_STATUS(0x${status.toString(16)}) (-EIO): dev->status unchanged`);
        return;
      }
      d.status = status;
    },
    canDma: (w) => (w.status & S_DRIVER_OK) !== 0,
    translate: (w, _group, page) => w.devMap[page]!,
    asidMap: (w, asid, page) => (asid !== 0 ? FAULT : w.devMap[page]!),
    groupMap: (w, _group, page) => w.devMap[page]!,
    // virtio-vdpa's DMA goes through VDUSE's bounce and coherent maps, at IOVAs the domain's allocators
    // hand out in [0, VDUSE_IOVA_SIZE) (1 GiB + 128 MiB, vduse_dev.c l.42-46): every model IOVA page is one
    // of them, so no user entry may be left behind at any page (the daemon's IOTLB lookup would find it)
    detachedTarget: FAULT,
    parentRefs: (w, h) => {
      let n = 0;
      for (let p = 0; p < NP; p++) if (w.devMap[p] === h) n++;
      return n;
    },
  };
}
