// mlx5_vdpa with per-ASID MR objects (v6.7 "vdpa/mlx5: Improve mr update flow" and the descriptor group;
// v6.8+ MR refcounting and resumable change_map, the model's 6.12 = Debian 6.12.117). Line numbers are
// of Debian 6.12.117's drivers/vdpa/mlx5/net/mlx5_vnet.c (vnet) and core/mr.c (mr).
//
// What a running VQ uses is the MR its vq_mr / desc_mr reference holds, not "the MR of its group's ASID":
//  - set_map of an ASID that has no MR only installs the new one (set_map_data, vnet:3363-3366): the VQs
//    are not told, and keep the MR they hold;
//  - otherwise mlx5_vdpa_change_map (vnet:3042-3089) swaps mr[asid] and marks VIRTIO_Q_MKEY and
//    DESC_GROUP_MKEY on every VQ; the marks are applied by the next modify (resume_vqs → modify_virtqueues),
//    now if the device runs, else at RESUME or DRIVER_OK, and they re-point each VQ to
//    mr[group2asid[its group]] at that time (fill_modify_virtqueue_cmd, vnet:1347-1363) — whichever ASID
//    the set_map was for. Where that MR is NULL the mark is dropped and the VQ keeps its old MR, which
//    its reference keeps alive (modify_virtqueue_end, vnet:1375-1402; mlx5_vdpa_put_mr, mr:691-711);
//  - a VQ created with no desc MR (desc group's ASID empty) reads descriptors through the data mkey
//    (create_virtqueue, vnet:946-949).
// v6.7 has no refcount and no resumable change_map: its change_map tears the VQs down and, if the device
// runs, re-creates them on the current MRs (the `teardown` path of vnet:3048-3082); its VQs are created at
// DRIVER_OK, not pre-created at reset (vnet:3305, 6.12 only). `k.mlx5ResumableChangeMap` selects 6.12.
import { GROUP_CVQ, GROUP_DATA, GROUP_DESC, IDENTITY, NAS, NP, S_DRIVER_OK, S_FEATURES_OK } from '../../spec/vdpa/constants.js';
import type { VdpaKernel } from '../../spec/vdpa/kernels.js';
import type { World } from '../../spec/vdpa/world.js';
import { call, LANE_DEVICE, LANE_PARENT } from '../call-log.js';
import { isEmpty } from '../vhost-iotlb.js';
import {
  CVQ_INDEX, MKEY_DATA, MKEY_DESC, VQ_FIELDS, VQ_INIT, VQ_NONE, VQ_RDY, VQ_SUSPEND, descRef, mrName, newDmaMr, newUserMr, normalizeMrs,
} from './mlx5-mr.js';
import { VDPA_RESET_F_CLEAN_MAP, takeFault, type VdpaConfigOps } from './ops.js';

const FAILED = 0x80;

export function mlx5Mres(k: VdpaKernel, base: VdpaConfigOps): VdpaConfigOps {
  const v612 = k.mlx5ResumableChangeMap;
  const running = (d: World): boolean => (d.status & S_DRIVER_OK) !== 0 && !d.devSuspended;

  // mlx5_vdpa_update_cvq_iotlb (mr:844-861): only if the CVQ group is on `asid`: prune, then dup the
  // MR's iotlb (NULL: the 1:1 range). dup allocates iotlb nodes: a fault leaves the CVQ iotlb pruned.
  const updateCvq = (d: World, asid: number, src: (p: number) => number): string | 0 => {
    if (d.group2asid[GROUP_CVQ] !== asid) return 0;
    d.cvqMap.fill(-1);
    if (takeFault(d)) {
      call(LANE_PARENT, LANE_PARENT, () => `mlx5_vdpa_update_cvq_iotlb(asid=${asid}): pruned, dup_iotlb -ENOMEM`);
      return '-ENOMEM';
    }
    for (let p = 0; p < NP; p++) d.cvqMap[p] = src(p);
    call(LANE_PARENT, LANE_PARENT, () => `mlx5_vdpa_update_cvq_iotlb(asid=${asid}): prune + dup`);
    return 0;
  };

  // mlx5_vdpa_create_dma_mr (mr:863-874): the 1:1 MR into mr[0], then the CVQ iotlb if on ASID 0.
  const createDmaMr = (d: World): string | 0 => {
    if (takeFault(d)) return '-ENOMEM';
    d.mrRef[0] = newDmaMr(d);
    return updateCvq(d, 0, () => IDENTITY);
  };

  // create_virtqueue (vnet:876-995). filled: mkeys of the current MRs set and referenced (a NULL desc MR
  // leaves the desc mkey unset: the data mkey is used). Not filled (pre-creation at reset, 6.12): no
  // mkeys, only the marks for the MRs that exist now (vnet:950-961).
  const createVqs = (d: World, filled: boolean): void => {
    const vq = d.mrRef[d.group2asid[GROUP_DATA]!]!;
    const desc = d.mrRef[d.group2asid[GROUP_DESC]!]!;
    if (filled) {
      // setup_vq (vnet:1527-1536): create_virtqueue with the mkeys, then resume_vq → modify → RDY, whose
      // modify_virtqueue_end clears every modified field (vnet:1402), marks included
      d.vqRef[0] = vq; d.vqRef[1] = desc;
      d.vqState = VQ_RDY;
      d.mkeyPending = 0;
    } else {
      d.vqRef[0] = -1; d.vqRef[1] = -1;
      d.mkeyPending = (vq >= 0 ? MKEY_DATA : 0) | (desc >= 0 ? MKEY_DESC : 0);
      d.vqState = VQ_INIT;
    }
  };

  // teardown_vq_resources → destroy_virtqueue (vnet:998-1023): the VQs' MR references are put.
  const teardownVqs = (d: World): void => {
    d.vqRef[0] = -1; d.vqRef[1] = -1;
    d.vqState = VQ_NONE;
  };

  // modify_virtqueues → fill_modify_virtqueue_cmd + modify_virtqueue_end (vnet:1304-1402, 1555-1629):
  // each marked mkey re-pointed to mr[group2asid[group]] now, or its mark dropped where that is NULL.
  // kvcalloc of the command memory can fail: nothing is applied, the marks stay.
  const modifyVqs = (d: World, to: number): string | 0 => {
    if (takeFault(d)) return '-ENOMEM';
    if ((d.mkeyPending & MKEY_DATA) !== 0) {
      const mr = d.mrRef[d.group2asid[GROUP_DATA]!]!;
      if (mr >= 0) d.vqRef[0] = mr;
    }
    if ((d.mkeyPending & MKEY_DESC) !== 0) {
      const mr = d.mrRef[d.group2asid[GROUP_DESC]!]!;
      if (mr >= 0) d.vqRef[1] = mr;
    }
    d.mkeyPending = 0;
    d.vqState = to;
    return 0;
  };

  // resume_vqs (vnet:1676-1715): INIT → modify (fields) → RDY; SUSPEND → RDY; RDY and none: nothing.
  const resumeVqs = (d: World): string | 0 => {
    if (d.vqState !== VQ_INIT && d.vqState !== VQ_SUSPEND) return 0;
    const r = modifyVqs(d, VQ_RDY);
    call(LANE_PARENT, LANE_DEVICE, () => r === 0
      ? `resume_vqs: VQs RDY, vq_mr ${mrName(d, d.vqRef[0]!)}, desc ${mrName(d, descRef(d))}`
      : `resume_vqs: modify_virtqueues ${r}`);
    return r;
  };

  // suspend_vqs (vnet:1631-1674): RDY → SUSPEND.
  const suspendVqs = (d: World): void => {
    if (d.vqState === VQ_RDY) d.vqState = VQ_SUSPEND;
  };

  // mlx5_vdpa_clean_mrs (mr:762-772): every mr[asid] put, the CVQ iotlb pruned; VQ references stay.
  const cleanMrs = (d: World): void => {
    d.mrRef.fill(-1);
    d.cvqMap.fill(-1);
  };

  // mlx5_vdpa_change_map (vnet:3042-3089).
  const changeMap = (d: World, mr: number, asid: number): string | 0 => {
    suspendVqs(d);
    if (!v612 && d.vqState !== VQ_NONE) {
      teardownVqs(d);
      call(LANE_PARENT, LANE_DEVICE, 'mlx5_vdpa_change_map: VQs torn down (teardown_vq_resources)');
    }
    const old = d.mrRef[asid]!;
    d.mrRef[asid] = mr;
    if (v612) d.mkeyPending |= MKEY_DATA | MKEY_DESC; // every VQ marked, other fields kept (vnet:3067-3069)
    if (!running(d)) {
      call(LANE_PARENT, LANE_DEVICE, () => `mlx5_vdpa_change_map: mr[${asid}] swapped, VQs marked (device not running)`);
      return 0;
    }
    if (!v612) {
      if (takeFault(d)) {
        d.mrRef[asid] = old; // "The saved reference becomes the restored map reference."
        call(LANE_PARENT, LANE_DEVICE, 'setup_vq_resources -ENOMEM: old MR restored, no VQs');
        return '-ENOMEM';
      }
      createVqs(d, true);
      d.mkeyPending = 0;
      call(LANE_PARENT, LANE_DEVICE, () => `setup_vq_resources: VQs re-created on ${mrName(d, d.vqRef[0]!)}`);
      return 0;
    }
    // resume_vqs' error is not checked here (vnet:3085): the VQs stay suspended, set_map returns 0.
    resumeVqs(d);
    return 0;
  };

  const ops: VdpaConfigOps = {
    ...base,
    initDevice: (d) => {
      // mlx5v_probe → mlx5_vdpa_create_dma_mr (vnet:3980); 6.12 pre-creates the VQs (vnet:4009).
      d.mrRef[0] = newDmaMr(d);
      d.cvqMap.fill(IDENTITY);
      if (v612) createVqs(d, false);
      normalizeMrs(d);
    },

    // mlx5_vdpa_set_map → set_map_data (vnet:3344-3376)
    set_map: (d, asid) => {
      let mr = -1;
      if (!isEmpty(d, asid)) {
        if (takeFault(d)) {
          call(LANE_PARENT, LANE_PARENT, () => `mlx5_vdpa_create_mr(asid=${asid}) -ENOMEM (device untouched)`);
          return '-ENOMEM';
        }
        mr = newUserMr(d, asid);
      }
      let r: string | 0 = 0;
      if (d.mrRef[asid]! < 0) {
        d.mrRef[asid] = mr; // the ASID had no MR: installed, the VQs are not re-pointed (vnet:3363-3364)
        call(LANE_PARENT, LANE_PARENT, () => `mlx5_vdpa_update_mr: mr[${asid}] := ${mrName(d, mr)} (no change_map)`);
      } else {
        r = changeMap(d, mr, asid);
      }
      if (r === 0) r = updateCvq(d, asid, (p) => (mr < 0 ? -1 : d.mrPages[mr * NP + p]!));
      normalizeMrs(d);
      return r;
    },

    // mlx5_vdpa_reset → mlx5_vdpa_compat_reset(0) (vnet:3269-3314)
    reset: (d) => compatReset(d, 0),

    // mlx5_set_group_asid (vnet:3641-3655): the ASID is written first; then, for the CVQ group with an MR
    // on the new ASID (5dc31bd245a4, v6.7), the CVQ iotlb refreshed — a failing dup returns the error
    // with the group already moved and the CVQ iotlb pruned.
    set_group_asid: (d, group, asid) => {
      if (group >= base.ngroups) return '-EINVAL';
      d.group2asid[group] = asid;
      const mr = d.mrRef[asid]!;
      let r: string | 0 = 0;
      if (k.mlx5CvqRefreshOnAsidChange && group === GROUP_CVQ && mr >= 0) {
        r = updateCvq(d, asid, (p) => d.mrPages[mr * NP + p]!);
      }
      return r;
    },

    // mlx5_vdpa_suspend (vnet:3605-3620): VQs suspended, cvq.ready = false (mlx5_vdpa_cvq_suspend).
    suspend: (d) => {
      suspendVqs(d);
      d.cvqReady = false;
      d.devSuspended = true;
    },

    // mlx5_vdpa_set_status (vnet:3187-3240). DRIVER_OK: resume the pre-created VQs, or create them filled.
    // Failure: mlx5_vdpa_clean_mrs and status |= FAILED, the new status not written; the op is void, so
    // vhost_vdpa_set_status returns 0 (drivers/vhost/vdpa.c).
    set_status: (d, status) => {
      if ((status & S_DRIVER_OK) !== 0 && (d.status & S_DRIVER_OK) === 0) {
        let r: string | 0;
        if (d.vqState !== VQ_NONE) r = resumeVqs(d);
        else if (takeFault(d)) r = '-ENOMEM';
        else {
          createVqs(d, true);
          call(LANE_PARENT, LANE_DEVICE, () => `setup_vq_resources: VQs on ${mrName(d, d.vqRef[0]!)}, desc ${mrName(d, descRef(d))}`);
          r = 0;
        }
        if (r !== 0) {
          cleanMrs(d);
          d.status |= FAILED;
          call(LANE_PARENT, LANE_PARENT, 'DRIVER_OK setup failed: mlx5_vdpa_clean_mrs, status |= FAILED (void: not reported)');
          normalizeMrs(d);
          return;
        }
        d.cvqReady = true; // the driver's set_vq_ready(cvq) before DRIVER_OK
      }
      d.status = status;
      normalizeMrs(d);
    },

    // The CVQ: mlx5_cvq_kick_handler (vnet:2372-2379) checks DRIVER_OK and cvq.ready, not mvdev->suspended:
    // a CVQ made ready again after SUSPEND (SET_VRING_ENABLE) processes commands.
    canDma: (w, group) => {
      if ((w.status & S_DRIVER_OK) === 0) return false;
      return group === GROUP_CVQ ? w.cvqReady : !w.devSuspended && w.vqState === VQ_RDY;
    },

    // mlx5_vdpa_set_vq_state (vnet:2569-2595): a data VQ in RDY refuses (-EINVAL, "can't modify available
    // index"), else AVAIL_IDX | USED_IDX marked (kept as for set_vq_address); the CVQ's index just stored.
    set_vq_state: (d, vq) => {
      if (vq >= CVQ_INDEX) return 0;
      if (d.vqState === VQ_RDY) return '-EINVAL';
      if (v612 && vq === 0 && d.vqState === VQ_INIT) d.mkeyPending |= VQ_FIELDS;
      return 0;
    },
    // mlx5_vdpa_set_vq_ready (vnet:2527-2552): nothing before features are set (FEATURES_OK stands for
    // set_driver_features); the CVQ: set_cvq_ready (vnet:2516-2525). Data VQs' own readiness is not kept
    // (they are one state in the model): `any` enables the CVQ only.
    set_vq_ready: (d, vq, ready) => {
      if ((d.status & S_FEATURES_OK) === 0 || vq !== CVQ_INDEX) return;
      d.cvqReady = ready;
    },
  };

  // mlx5_vdpa_compat_reset (vnet:3269-3310): VQs torn down if they were used; CLEAN_MAP drops every MR and
  // the CVQ iotlb, then the DMA MR (its failure only logged); 6.12 pre-creates the VQs again (not filled,
  // return value ignored).
  // vq_reset is needs_vqs_reset (vnet:3250-3265): DRIVER_OK, vqs[0] not INIT, or its ring fields modified.
  function compatReset(d: World, flags: number): void {
    const vqReset = (d.status & S_DRIVER_OK) !== 0 || d.vqState !== VQ_INIT || (d.mkeyPending & VQ_FIELDS) !== 0;
    if (vqReset) { teardownVqs(d); d.mkeyPending = 0; }
    const clean = (flags & VDPA_RESET_F_CLEAN_MAP) !== 0;
    if (clean) cleanMrs(d);
    d.status = 0;
    d.devSuspended = false;
    d.cvqReady = false;
    d.group2asid.fill(0);
    call(LANE_PARENT, LANE_DEVICE, () => `compat_reset(${clean ? 'CLEAN_MAP' : '0'}): ${vqReset ? 'VQs torn down' : 'VQs kept'}, status = 0`);
    if (clean && createDmaMr(d) !== 0) call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_create_dma_mr -ENOMEM: "create MR failed" (only logged)');
    if (vqReset && v612) {
      if (takeFault(d)) call(LANE_PARENT, LANE_DEVICE, 'setup_vq_resources(filled=false) -ENOMEM (ignored): no VQs');
      else createVqs(d, false);
    }
    normalizeMrs(d);
  }

  return {
    ...ops,
    compat_reset: compatReset,
    // mlx5_vdpa_reset_map → mlx5_vdpa_reset_mr (mr:876-891): mr[asid] put; ASID 0 gets a new DMA MR (a
    // failure only warned); another ASID's CVQ iotlb goes back to 1:1. The VQs are not told.
    reset_map: (d, asid) => {
      d.mrRef[asid] = -1;
      if (asid === 0) {
        if (createDmaMr(d) !== 0) call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_create_dma_mr -ENOMEM: "create DMA MR failed" (only warned)');
      } else {
        updateCvq(d, asid, () => IDENTITY);
      }
      call(LANE_PARENT, LANE_PARENT, () => `mlx5_vdpa_reset_map(asid=${asid}): mr[${asid}] := ${mrName(d, d.mrRef[asid]!)}`);
      normalizeMrs(d);
    },
    ...(v612 ? {
      // mlx5_vdpa_set_vq_address (vnet:2450-2473): the CVQ's addresses only stored; a data VQ's stored and
      // VIRTIO_Q_ADDRS marked (v6.8+; before, nothing the model keeps). Kept only for vqs[0] in INIT
      // (VQ_FIELDS): the next modify (DRIVER_OK, RESUME) applies and clears it, a teardown drops it, and a
      // reset re-creates the VQs anyway unless they are INIT before DRIVER_OK (needs_vqs_reset).
      set_vq_address: (d: World, vq: number): string | 0 => {
        if (vq === 0 && d.vqState === VQ_INIT) d.mkeyPending |= VQ_FIELDS;
        return 0;
      },
      // mlx5_vdpa_resume (vnet:3622-3639): suspended = false, resume_vqs; cvq.ready is not set again.
      resume: (d: World) => {
        d.devSuspended = false;
        resumeVqs(d);
        normalizeMrs(d);
      },
    } : {}),
  };
}

/** Whether any ASID or VQ holds an MR (for tests). */
export function liveMrs(w: World): number {
  const s = new Set<number>();
  for (let a = 0; a < NAS; a++) if (w.mrRef[a]! >= 0) s.add(w.mrRef[a]!);
  for (const r of w.vqRef) if (r >= 0) s.add(r);
  return s.size;
}
