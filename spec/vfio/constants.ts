// The finite domains of the VFIO type1 model (model-guide.md §8.1, VFIO part) and the uapi flag
// values of include/uapi/linux/vfio.h (v6.12) plus K5's LIVE_UPDATE bit.

/** IOVA pages 0..NP-1 (IOVA = page * PAGE). Enough for prefix/suffix/bisect cases of a 2-page map. */
export const NP = 3;
/** Process virtual pages 0..NV-1: v0, v1 shared memory (memfd / pkernfs file), v2 private anon. */
export const NV = 3;
/** Host pages (pfns) 0..NH-1: h0, h1 the shared file's pages, h2 the first process's private page,
 *  h3 the private page a new process gets at the same address after exec or kexec. */
export const NH = 4;
/** Vaddr pages backed by shared memory: kept across exec (and, in pkernfs, across kexec). */
export const SHARED_VADDRS: readonly boolean[] = [true, true, false];
/** The private vaddr page and the host pages behind it before / after a process change. */
export const PRIVATE_VADDR = 2;
export const PRIVATE_PFN_OLD = 2;
export const PRIVATE_PFN_NEW = 3;

export const PAGE = 0x1000;
export const VADDR_BASE = 0x7f0000;

/**
 * vfio_iommu_type1 module parameter dma_entry_limit (default U16_MAX). The model loads the module
 * with dma_entry_limit=2 so that -ENOSPC is reachable with the alphabet's three IOVA pages.
 */
export const DMA_ENTRY_LIMIT = 2;

// struct vfio_iommu_type1_dma_map.flags
export const MAP_READ = 1 << 0;
export const MAP_WRITE = 1 << 1;
export const MAP_VADDR = 1 << 2;
/** Seed 004 (pkernfs RFC patch 16): "IOVAs already mapped in IOMMU before LU". */
export const MAP_LIVE_UPDATE = 1 << 3;
export const MAP_RW = MAP_READ | MAP_WRITE;

// struct vfio_iommu_type1_dma_unmap.flags
export const UNMAP_GET_DIRTY_BITMAP = 1 << 0;
export const UNMAP_ALL = 1 << 1;
export const UNMAP_VADDR = 1 << 2;

export const hex = (n: number): string => '0x' + n.toString(16);
export const iovaHex = (page: number): string => hex(page * PAGE);
export const vaddrHex = (vpage: number): string => hex(VADDR_BASE + vpage * PAGE);
/** "[0x1000,0x3000)" for IOVA pages [first, first+n). */
export const iovaRange = (first: number, n: number): string => `[${iovaHex(first)},${iovaHex(first + n)})`;
export const pfnName = (h: number): string => (h < 0 ? 'none' : `h${h}`);
