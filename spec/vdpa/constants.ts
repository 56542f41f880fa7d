// The finite domains of the vDPA model (model-guide.md §8.1), sized for the kernel's corner cases:
// multi-page updates over contiguous and non-contiguous host pages, partial invalidation, two ASIDs.

/** IOVA pages p0..p3; PAGE is the byte size shown in traces. */
export const NP = 4;
export const PAGE = 0x1000;
/** Address spaces modelled (mlx5 and vdpa_sim have nas = 2). */
export const NAS = 2;
/** Virtqueue groups: DATA (0), CVQ (1), DATA_DESC (2, mlx5 since v6.7). */
export const NG = 3;
export const GROUP_DATA = 0;
export const GROUP_CVQ = 1;
export const GROUP_DESC = 2;
export const GROUP_NAMES = ['data', 'cvq', 'desc'] as const;

/**
 * mlx5 MR object slots: the four references (mr[0], mr[1], vq_mr, desc_mr) hold at most four objects
 * between calls; the fifth is where a call builds a new MR before it drops an old one.
 */
export const MR_SLOTS = 5;

/** Host pages h0..h3 owned by userspace, and their page frame numbers: h0,h1 are physically contiguous. */
export const NH = 4;
export const HOST_PFN = [0x100, 0x101, 0x200, 0x300] as const;
/** Userspace virtual address of host page i: v_i = USER_VA + i*PAGE (the process maps h_i there). */
export const USER_VA = 0x7f0000000;

/** Translation targets besides a host page index (0..NH-1). */
export const FAULT = -1;
/** IOVA used as a bus/physical address (the parent's initial 1:1 map, or the platform default domain). */
export const IDENTITY = -2;

/** virtio status bits. */
export const S_ACKNOWLEDGE = 1;
export const S_DRIVER = 2;
export const S_DRIVER_OK = 4;
export const S_FEATURES_OK = 8;

/**
 * Backend features, by their upstream (v6.7+) bit number, include/uapi/linux/vhost_types.h.
 * RFC kernels number DESC_ASID and IOTLB_PERSIST differently (see kernels.ts); the model keeps
 * features symbolic and each kernel renders its own numbering.
 */
export const F = {
  IOTLB_MSG_V2: 1,
  IOTLB_BATCH: 2,
  IOTLB_ASID: 3,
  SUSPEND: 4,
  RESUME: 5,
  ENABLE_AFTER_DRIVER_OK: 6,
  DESC_ASID: 7,
  IOTLB_PERSIST: 8,
} as const;
export type FeatureName = keyof typeof F;
export const FEATURE_NAMES = Object.keys(F) as FeatureName[];
// a prototype-free object, not a Map: `bit` runs in guards, clauses and invariants at every step,
// and a property read with a constant name is what V8 inlines best
const BITS: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>,
  Object.fromEntries(Object.entries(F).map(([k, b]) => [k, 1 << b])));
/** The mask of a backend feature; an unknown name (a variant's typo) is an error, never 0x1. */
export const bit = (f: FeatureName): number => {
  const m = BITS[f];
  if (m === undefined) throw new RangeError(`bit('${String(f)}'): not a backend feature (accepted: ${FEATURE_NAMES.join(', ')})`);
  return m;
};

export const hex = (n: number): string => '0x' + n.toString(16);
export const iovaRange = (page: number, npages: number): string =>
  `[${hex(page * PAGE)},${hex((page + npages) * PAGE)})`;
export const hostName = (h: number): string => (h === FAULT ? 'fault' : h === IDENTITY ? '1:1' : `h${h}`);
