// Kernel versions as data: which behaviours and fixes each has, with the upstream commits, all in one
// place so that a reader sees at a glance what differs between two kernels. A proposed patch is a
// variant of one of these (see examples/variants/).
import type { VdpaConfigOps } from './config-ops.js';
import type { FeatureName } from './constants.js';
import type { Verdict } from './transitions.js';

/** How VHOST_SET_BACKEND_FEATURES validates the request (vhost_vdpa_unlocked_ioctl). */
export type SbfCheck =
  /** v6.1..v6.6: unknown bits, SUSPEND, RESUME (and, with descriptor groups, DESC_ASID) checked. */
  | 'pre-series'
  /** RFC v2 patch 4/4 (K1): the PERSIST check pasted inside the DESC_ASID `if`: rejected only if both fail. */
  | 'rfc-v2-merge-error'
  /** RFC v3 and later: each check returns on its own. */
  | 'separate-checks';

export interface VdpaKernel {
  readonly name: string;
  readonly description: string;
  /** The uapi bit number of each backend feature this kernel knows (RFC series numbered differently). */
  readonly featureBits: Partial<Record<FeatureName, number>>;
  readonly sbfCheck: SbfCheck;
  /**
   * mlx5 and vdpa_sim implement .get_backend_features reporting ENABLE_AFTER_DRIVER_OK (v6.6:
   * b63e5c70c393 "vdpa: add get_backend_features vdpa operation", 2c9c63711607 "vdpa_sim: offer
   * VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK"; 6.12 mlx5_vnet.c:mlx5_vdpa_get_backend_features,
   * vdpa_sim.c:vdpasim_get_backend_features). Other parents have no such op and report nothing.
   */
  readonly parentsReportEnableAfterDriverOk: boolean;
  /**
   * VHOST_SET_BACKEND_FEATURES accepts ENABLE_AFTER_DRIVER_OK only when the parent's
   * .get_backend_features reports it. Not in any shipped kernel: 6.12 drivers/vhost/vdpa.c
   * vhost_vdpa_unlocked_ioctl:836-862 lists the bit among the always-known ones (9f09fd6171fe) and
   * checks nothing more. The proposed fix "vdpa: reject F_ENABLE_AFTER_DRIVER_OK if backend does not
   * support it" (Eugenio Pérez, 2023-07-03, Message-Id 20230703142218.362549-1-eperezma@redhat.com)
   * replaces the bit in that mask with the parent's get_backend_features(): -EOPNOTSUPP otherwise.
   */
  readonly sbfEnableAfterDriverOkNeedsParent: boolean;
  /** _compat_vdpa_reset: CLEAN_MAP unless IOTLB_PERSIST acked; compat_reset op (bc91df5c70ac, a26f2e4e68ee). */
  readonly compatReset: boolean;
  /** vhost_vdpa_remove_as calls ops->reset_map (RFC patch 3 / 1d0f874bfe78). */
  readonly resetMapInRemoveAs: boolean;
  /** Before c82729e06644 "vhost_vdpa: fix unmap process in no-batch mode": an AS left empty is removed. */
  readonly removeAsWhenEmpty: boolean;
  /** VHOST_VDPA_SUSPEND/RESUME are a no-op returning 0 without DRIVER_OK, and v->suspended is tracked. */
  readonly suspendTracked: boolean;
  /** VHOST_VDPA_RESUME ioctl exists (v6.3+). */
  readonly resumeIoctl: boolean;
  /** SET_GROUP_ASID checks group < ngroups in vhost-vdpa (cd025c1e876b, backported to 6.1.y/6.12.y). */
  readonly sgaGroupCheck: boolean;
  /** Parent implementations to use: pre-series "bogus" resets, the RFC's, or the merged series'. */
  readonly parents: 'pre-series' | 'rfc' | 'series';
  /** mlx5 has per-ASID MRs, CVQ refresh on set_group_asid (5dc31bd245a4) and a descriptor group (v6.7 rework). */
  readonly mlx5PerAsidMr: boolean;
  /** mlx5 change_map suspends/resumes VQs instead of destroying them when resumable (f756dd3e2a4c, v6.8). */
  readonly mlx5ResumableChangeMap: boolean;
  /** mlx5 set_group_asid refreshes the CVQ iotlb from mr[asid] (5dc31bd245a4 "vdpa/mlx5: Update cvq iotlb mapping on ASID change", v6.7; per-ASID MRs only). */
  readonly mlx5CvqRefreshOnAsidChange: boolean;
  /** mlx5 before 9ee811009ad8 "vdpa/mlx5: Fix mr->initialized semantics": one `initialized` flag for the data MR and the CVQ iotlb (single MR only). */
  readonly mlx5SharedInitialized: boolean;
  /** mlx5 before ad03a0f44cdb "vdpa/mlx5: Delete control vq iotlb in destroy_mr only when necessary": change_map prunes the CVQ iotlb whatever ASID it is on (single MR only). */
  readonly mlx5CvqPrunedOnAnyChangeMap: boolean;
  /** vdpa_sim's reset installs passthrough in every ASID (6c3d329e6486 "get rid of DMA ops", v6.6). */
  readonly vdpaSimPassthrough: boolean;
  /**
   * Calls whose effect is the kernel's intended behaviour, not a defect (as systems/vdpa/cause.ts keys
   * them): a violation they cause is classed by-design.
   */
  readonly byDesign: readonly { readonly call: string; readonly why: string; readonly commit: string }[];
  /**
   * vdpa_sim has the use_va module parameter, default true ("vdpa_sim: add support for user VA", v6.5;
   * 6.12.117 vdpa_sim.c l.39-41): the `vdpa_sim_va` parent. 6.1's vdpa_sim has none.
   */
  readonly vdpaSimUseVa: boolean;
  /** Variants only (systems/vdpa/variant.ts): the parent's ops table as the patch leaves it (makeParent applies it). */
  readonly parentOverride?: (ops: VdpaConfigOps, parent: string) => VdpaConfigOps;
  /** Variants only: SET_BACKEND_FEATURES as the patch rewrites it; `shipped` runs this kernel's own check. */
  readonly sbfOverride?: (features: number, ops: VdpaConfigOps, shipped: () => Verdict) => Verdict;
}

const UPSTREAM_BITS: Partial<Record<FeatureName, number>> = {
  IOTLB_MSG_V2: 1, IOTLB_BATCH: 2, IOTLB_ASID: 3, SUSPEND: 4, RESUME: 5,
  ENABLE_AFTER_DRIVER_OK: 6, DESC_ASID: 7, IOTLB_PERSIST: 8,
};

const v61: VdpaKernel = {
  name: '6.1',
  description: 'Linux 6.1.192 (Debian linux-source-6.1): pre-series; resets drop on-chip maps; SUSPEND only',
  featureBits: { IOTLB_MSG_V2: 1, IOTLB_BATCH: 2, IOTLB_ASID: 3, SUSPEND: 4 },
  sbfCheck: 'pre-series',
  parentsReportEnableAfterDriverOk: false, // no .get_backend_features op in 6.1
  sbfEnableAfterDriverOkNeedsParent: false,
  compatReset: false,
  resetMapInRemoveAs: false,
  removeAsWhenEmpty: false, // c82729e06644 is in 6.1.y (process_iotlb_msg only unmaps)
  suspendTracked: false,
  resumeIoctl: false,
  sgaGroupCheck: true, // 6.1.192's vhost_vdpa_vring_ioctl checks idx >= ngroups (backport)
  parents: 'pre-series',
  mlx5PerAsidMr: false,
  mlx5ResumableChangeMap: false,
  mlx5CvqRefreshOnAsidChange: false,
  mlx5SharedInitialized: false, // 9ee811009ad8 and ad03a0f44cdb are in 6.1.y (v6.1.47)
  mlx5CvqPrunedOnAnyChangeMap: false,
  vdpaSimPassthrough: false,
  byDesign: [],
  vdpaSimUseVa: false,
};

const v66: VdpaKernel = {
  ...v61,
  name: '6.6',
  description: 'Linux 6.6 (reconstructed from the series\' context lines): pre-series, RESUME, ENABLE_AFTER_DRIVER_OK',
  featureBits: { ...UPSTREAM_BITS, DESC_ASID: undefined, IOTLB_PERSIST: undefined },
  parentsReportEnableAfterDriverOk: true,
  resumeIoctl: true,
  sgaGroupCheck: false,
  vdpaSimPassthrough: true,
  vdpaSimUseVa: true,
};

/** Seed 001 as posted: on top of the descriptor-group RFC, numbered DESC_ASID=6, IOTLB_PERSIST=7. */
const rfcV2: VdpaKernel = {
  ...v66,
  name: 'rfc-v2',
  description: 'RFC v2 of the series (K1) exactly as posted, patch 4 with its merge error',
  featureBits: { IOTLB_MSG_V2: 1, IOTLB_BATCH: 2, IOTLB_ASID: 3, SUSPEND: 4, RESUME: 5, DESC_ASID: 6, IOTLB_PERSIST: 7 },
  parentsReportEnableAfterDriverOk: false, // the RFC numbering has no ENABLE_AFTER_DRIVER_OK bit
  sbfCheck: 'rfc-v2-merge-error',
  resetMapInRemoveAs: true,
  parents: 'rfc',
};

const rfcV3: VdpaKernel = {
  ...rfcV2,
  name: 'rfc-v3',
  description: 'RFC v3: v2 with the missing return of patch 4 restored',
  sbfCheck: 'separate-checks',
};

const v67: VdpaKernel = {
  ...v66,
  name: '6.7',
  description: 'Linux 6.7: the series merged (d2cf1b6e3b85 1d0f874bfe78 4398776f7a6d a26f2e4e68ee bc91df5c70ac 2eacf4b5e3eb 86f6c224c979)',
  featureBits: UPSTREAM_BITS,
  sbfCheck: 'separate-checks',
  compatReset: true,
  resetMapInRemoveAs: true,
  parents: 'series',
  mlx5PerAsidMr: true,
  byDesign: [{
    call: 'ops->compat_reset(flags=VDPA_RESET_F_CLEAN_MAP)',
    why: 'without IOTLB_PERSIST acked, a reset cleans the parent\'s maps (the compat behaviour old userspace relies on); userspace re-sends them before DRIVER_OK',
    commit: '4398776f7a6d bc91df5c70ac 2eacf4b5e3eb',
  }],
  mlx5CvqRefreshOnAsidChange: true,
};

const v612: VdpaKernel = {
  ...v67,
  name: '6.12',
  description: 'Linux 6.12.117: the series, suspended-state tracking, mlx5 resumable change_map, group bound check',
  suspendTracked: true,
  sgaGroupCheck: true,
  mlx5ResumableChangeMap: true,
};

export const VDPA_KERNEL_TABLE: Readonly<Record<string, VdpaKernel>> = {
  '6.1': v61, '6.6': v66, 'rfc-v2': rfcV2, 'rfc-v3': rfcV3, '6.7': v67, '6.12': v612,
};
