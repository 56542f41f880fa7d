// mlx5_vdpa before v6.7: ONE data MR (struct mlx5_vdpa_mr mvdev->mr, with its `initialized` flag) that
// follows the data group: built from whichever ASID the data group is on when a set_map of that ASID
// finds it uninitialized; the CVQ has its own iotlb (cvq.iotlb). The VQs are created on mvdev->mr.mkey
// (mkey 0, every access faulting, when the MR is not initialized) and always torn down before it is
// destroyed, so their reference is the MR itself (w.vqRef[0] = w.mrRef[0] while they exist).
// Line numbers are of Debian 6.1.192's drivers/vdpa/mlx5/core/mr.c (mr) and net/mlx5_vnet.c (vnet),
// which carry the backports of 9ee811009ad8 and ad03a0f44cdb; 6.6 and the RFC kernels share this code.
// The two knobs give the code before them:
//  - k.mlx5SharedInitialized (before 9ee811009ad8 "vdpa/mlx5: Fix mr->initialized semantics"): one flag for
//    the data MR and the CVQ iotlb: create returns early once anything set it, destroy does both or nothing;
//  - k.mlx5CvqPrunedOnAnyChangeMap (before ad03a0f44cdb "vdpa/mlx5: Delete control vq iotlb in destroy_mr
//    only when necessary"): change_map calls mlx5_vdpa_destroy_mr (every group's resources) instead of
//    mlx5_vdpa_destroy_mr_asid(asid), so the CVQ iotlb of another ASID is pruned and not filled again.
import { FAULT, GROUP_CVQ, GROUP_DATA, IDENTITY, NP, S_DRIVER_OK, S_FEATURES_OK } from '../../spec/vdpa/constants.js';
import type { VdpaKernel } from '../../spec/vdpa/kernels.js';
import type { World } from '../../spec/vdpa/world.js';
import { call, LANE_DEVICE, LANE_PARENT } from '../call-log.js';
import { expand } from '../vhost-iotlb.js';
import { CVQ_INDEX, VQ_NONE, VQ_RDY, VQ_SUSPEND, mrName, newDmaMr, newUserMr, normalizeMrs } from './mlx5-mr.js';
import { takeFault, type VdpaConfigOps } from './ops.js';

const FAILED = 0x80;

export function mlx5SingleMr(k: VdpaKernel, base: VdpaConfigOps): VdpaConfigOps {
  const shared = k.mlx5SharedInitialized;

  // dup_iotlb (mr:457-476): adds the source's ranges to cvq.iotlb without pruning it (NULL: the 1:1 range).
  // Where an entry is already there the old one is kept (simplification: vhost_iotlb keeps both and
  // vringh's lookup takes the first overlapping node); it only arises when create runs on a CVQ iotlb
  // that a failed change_map left filled.
  const dupIotlb = (d: World, iotlb: boolean, asid: number): string | 0 => {
    if (takeFault(d)) return '-ENOMEM';
    for (let p = 0; p < NP; p++) if (d.cvqMap[p] === FAULT) d.cvqMap[p] = iotlb ? expand(d, asid, p) : IDENTITY;
    return 0;
  };

  const destroyData = (d: World): void => {
    d.mrRef[0] = -1;
    d.mrInit = false;
  };

  // _mlx5_vdpa_destroy_dvq_mr + _mlx5_vdpa_destroy_cvq_mr (mr:497-534): each only if its group is on `asid`.
  const destroyMrAsid = (d: World, asid: number): void => {
    if (d.group2asid[GROUP_DATA] === asid && d.mrInit) destroyData(d);
    if (d.group2asid[GROUP_CVQ] === asid) d.cvqMap.fill(-1);
  };

  // mlx5_vdpa_destroy_mr (mr:536-540; before 9ee811009ad8: prune + destroy if initialized, any ASID).
  const destroyMr = (d: World): void => {
    if (shared) {
      if (!d.mrInit) return;
      d.cvqMap.fill(-1);
      destroyData(d);
      return;
    }
    destroyMrAsid(d, d.group2asid[GROUP_CVQ]!);
    destroyMrAsid(d, d.group2asid[GROUP_DATA]!);
  };

  // _mlx5_vdpa_create_mr (mr:581-611): the data MR if the data group is on `asid` and it is not
  // initialized, then the CVQ iotlb if the CVQ group is on `asid`; a CVQ failure destroys the data MR.
  // Before 9ee811009ad8: nothing at all once `initialized`, and the flag set whatever was built.
  const createMr = (d: World, iotlb: boolean, asid: number): string | 0 => {
    if (shared && d.mrInit) return 0;
    const dataHere = d.group2asid[GROUP_DATA] === asid;
    if (dataHere && (shared || !d.mrInit)) {
      if (takeFault(d)) return '-ENOMEM';
      d.mrRef[0] = iotlb ? newUserMr(d, asid) : newDmaMr(d);
      if (!shared) d.mrInit = true;
    }
    if (d.group2asid[GROUP_CVQ] === asid) {
      const r = dupIotlb(d, iotlb, asid);
      if (r !== 0) {
        if (dataHere) destroyData(d);
        return r;
      }
    }
    if (shared) d.mrInit = true;
    return 0;
  };

  // setup_driver (vnet:2434-2482): VQs on mvdev->mr.mkey; an allocation failure leaves none.
  const setupDriver = (d: World): string | 0 => {
    if (takeFault(d)) return '-ENOMEM';
    d.vqRef[0] = d.mrRef[0]!;
    d.vqState = VQ_RDY;
    return 0;
  };

  const teardownDriver = (d: World): void => {
    d.vqRef[0] = -1;
    d.vqState = VQ_NONE;
  };

  // What change_map destroys: mlx5_vdpa_destroy_mr_asid(asid) since ad03a0f44cdb, mlx5_vdpa_destroy_mr before
  // (and before 9ee811009ad8 there was no per-ASID destroy at all).
  const destroyForChangeMap = (d: World, asid: number): void => {
    if (k.mlx5CvqPrunedOnAnyChangeMap || shared) destroyMr(d);
    else destroyMrAsid(d, asid);
  };

  // mlx5_vdpa_change_map (vnet:2400-2432)
  const changeMap = (d: World, asid: number): string | 0 => {
    if (d.vqState !== VQ_NONE) call(LANE_PARENT, LANE_DEVICE, 'mlx5_vdpa_change_map: VQs torn down (teardown_driver)');
    teardownDriver(d);
    destroyForChangeMap(d, asid);
    let r = createMr(d, true, asid);
    if (r !== 0) {
      call(LANE_PARENT, LANE_DEVICE, () => `mlx5_vdpa_change_map: mlx5_vdpa_create_mr ${r}, no VQs`);
      return r;
    }
    if ((d.status & S_DRIVER_OK) === 0 || d.devSuspended) {
      call(LANE_PARENT, LANE_DEVICE, () => `mlx5_vdpa_change_map: mvdev->mr := ${mrName(d, d.mrRef[0]!)}, VQs not re-created (device not running)`);
      return 0;
    }
    r = setupDriver(d);
    if (r !== 0) {
      destroyForChangeMap(d, asid);
      call(LANE_PARENT, LANE_DEVICE, 'mlx5_vdpa_change_map: setup_driver -ENOMEM, MR destroyed, no VQs');
      return r;
    }
    call(LANE_PARENT, LANE_DEVICE, () => `mlx5_vdpa_change_map: VQs re-created on ${mrName(d, d.mrRef[0]!)}`);
    return 0;
  };

  return {
    ...base,
    initDevice: (d) => {
      // mlx5v_probe → mlx5_vdpa_create_mr(mvdev, NULL, 0): the DMA MR and the 1:1 CVQ iotlb.
      d.mrRef[0] = newDmaMr(d);
      d.mrInit = true;
      d.cvqMap.fill(IDENTITY);
      normalizeMrs(d);
    },

    // mlx5_vdpa_set_map → set_map_data → mlx5_vdpa_handle_set_map (mr:613-630): initialized → change_map
    // (whatever ASID the map is for); else create.
    set_map: (d, asid) => {
      const r = d.mrInit ? changeMap(d, asid) : createMr(d, true, asid);
      if (!d.mrInit || r !== 0) call(LANE_PARENT, LANE_PARENT, () => `mlx5_vdpa_handle_set_map(asid=${asid}): ${r === 0 ? 'created' : r}`);
      normalizeMrs(d);
      return r;
    },

    // mlx5_vdpa_reset (vnet:2577-2606): VQs down, cvq not ready, destroy_mr, groups to ASID 0, then the DMA
    // MR (its failure only warned: "create MR failed").
    // The RFC series' .reset no longer touches the maps (reset_map does).
    reset: (d) => {
      teardownDriver(d);
      d.cvqReady = false;
      if (k.parents === 'rfc') {
        d.status = 0;
        d.devSuspended = false;
        d.group2asid.fill(0);
        call(LANE_PARENT, LANE_DEVICE, 'mlx5_vdpa_reset (RFC): teardown_driver, status = 0, maps kept');
        normalizeMrs(d);
        return;
      }
      destroyMr(d);
      d.status = 0;
      d.devSuspended = false;
      d.group2asid.fill(0);
      call(LANE_PARENT, LANE_DEVICE, 'mlx5_vdpa_reset: teardown_driver, mlx5_vdpa_destroy_mr, status = 0');
      if (createMr(d, false, 0) !== 0) call(LANE_PARENT, LANE_PARENT, 'mlx5_vdpa_create_mr(NULL, 0) -ENOMEM: "create MR failed" (only warned)');
      normalizeMrs(d);
    },

    // mlx5_set_group_asid (vnet:2843-2850): the ASID written, nothing else.
    set_group_asid: (d, group, asid) => {
      if (group >= base.ngroups) return '-EINVAL';
      d.group2asid[group] = asid;
      return 0;
    },

    // mlx5_vdpa_suspend (vnet:2820-2841): VQs suspended, cvq.ready = false.
    suspend: (d) => {
      if (d.vqState === VQ_RDY) d.vqState = VQ_SUSPEND;
      d.cvqReady = false;
      d.devSuspended = true;
    },

    // mlx5_vdpa_set_status (vnet:2529-2568): DRIVER_OK → setup_driver; failure: mlx5_vdpa_destroy_mr and
    // status |= FAILED, the new status not written (void op: vhost-vdpa returns 0).
    set_status: (d, status) => {
      if ((status & S_DRIVER_OK) !== 0 && (d.status & S_DRIVER_OK) === 0) {
        if (setupDriver(d) !== 0) {
          destroyMr(d);
          d.status |= FAILED;
          call(LANE_PARENT, LANE_PARENT, 'setup_driver -ENOMEM: mlx5_vdpa_destroy_mr, status |= FAILED (void: not reported)');
          normalizeMrs(d);
          return;
        }
        d.cvqReady = true; // the driver's set_vq_ready(cvq) before DRIVER_OK
        call(LANE_PARENT, LANE_DEVICE, () => `setup_driver: VQs on ${mrName(d, d.vqRef[0]!)}`);
      }
      d.status = status;
      normalizeMrs(d);
    },

    // The CVQ: mlx5_cvq_kick_handler (vnet:1871-1878) checks DRIVER_OK and cvq.ready, not mvdev->suspended.
    canDma: (w, group) => {
      if ((w.status & S_DRIVER_OK) === 0) return false;
      return group === GROUP_CVQ ? w.cvqReady : !w.devSuspended && w.vqState === VQ_RDY;
    },

    // mlx5_vdpa_set_vq_state (vnet:2071-2095): a data VQ in RDY refuses ("can't modify available index").
    set_vq_state: (d, vq) => (vq < CVQ_INDEX && d.vqState === VQ_RDY ? '-EINVAL' : 0),
    // mlx5_vdpa_set_vq_ready (vnet:2024-2054): nothing before features are set (FEATURES_OK stands for
    // set_driver_features); the CVQ: set_cvq_ready (vnet:2013-2022). Data VQs' readiness is not kept.
    set_vq_ready: (d, vq, ready) => {
      if ((d.status & S_FEATURES_OK) === 0 || vq !== CVQ_INDEX) return;
      d.cvqReady = ready;
    },
  };
}
