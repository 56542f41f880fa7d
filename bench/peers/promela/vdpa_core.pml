/*
 * A core of the vDPA model (shared/domain/semantics.md §1.2-1.4, Linux 6.12 drivers/vhost/vdpa.c):
 * one ASID, P IOVA pages, two host buffers per page (v = 1, 2), PA mode (an iotlb entry pins its buffer).
 *   UPDATE(p,v)     vhost_vdpa_process_iotlb_update: creates the AS; -EEXIST on overlap (no change);
 *                   dma_map parent: ops->dma_map at once; set_map parent: ops->set_map(whole iotlb)
 *                   unless in_batch.
 *   INVALIDATE(p)   vhost_vdpa_unmap: needs the AS; unpins and removes the entry; dma_map parent:
 *                   ops->dma_unmap; set_map parent: ops->set_map(whole iotlb) unless in_batch, even when
 *                   nothing was removed.
 *   BATCH_BEGIN     creates the AS, in_batch = true.   BATCH_END: needs the AS; if in_batch, set_map
 *                   parent: ops->set_map; in_batch = false.
 *   DRIVER_OK       SET_STATUS(DRIVER_OK): the device runs (may DMA).
 *   RESET           SET_STATUS(0) -> _compat_vdpa_reset: in_batch is NOT cleared; with
 *                   VDPA_RESET_F_CLEAN_MAP (-DCLEANMAP: IOTLB_PERSIST not acked, parent has compat_reset)
 *                   the parent drops its maps; the vhost iotlb is never touched by reset.
 * Parent: -DSETMAP for a set_map parent (mlx5, vdpa_sim batch_mapping=1), else dma_map (vdpa_sim
 * batch_mapping=0).
 * Invariants (-DCHECK), DMA as an observation, checked after every step, for every page p:
 *   dma-pinned: running && dev[p] != 0  =>  dev[p] == iotlb[p]   (never reaches an unpinned buffer)
 *   dma-mapped: running && !inbatch && iotlb[p] != 0  =>  dev[p] == iotlb[p]   (no fault on a mapped page)
 *
 * Same semantics and state vector as bench/peers/models/vdpa-core.ts and ../quint/vdpa_core.qnt.
 * One process, one `do` of d_steps whose first statement is the exact guard (no self-loops), so that
 * SPIN's states are the vdpa-mc worlds one to one.
 *
 *   spin -DP=4 [-DSETMAP] [-DCLEANMAP] [-DCHECK] -a vdpa_core.pml && gcc -O2 -DNOREDUCE [-DBFS] -o pan pan.c
 */
#ifndef P
#define P 3
#endif
#if P > 10
#error "vdpa_core.pml spells its guards for at most 10 pages"
#endif

bool running = 0;  /* DRIVER_OK set */
bool as = 0;       /* the AS object of ASID 0 exists */
bool inbatch = 0;
byte iotlb[P] = 0; /* vhost iotlb: 0 none, v: host buffer v of the page (pinned) */
byte dev[P] = 0;   /* the parent's effective translation (what a DMA reaches) */
byte i = 0;        /* loop index, back to 0 at the end of every loop (constant in stored states;
                      not `hidden`, which -DBFS refuses) */

/* DIFF: dev differs from iotlb somewhere; ANYDEV: the parent holds some mapping. */
#define D(k)  (dev[k] != iotlb[k])
#define A(k)  (dev[k] != 0)
#if P == 1
#define DIFF    (D(0))
#define ANYDEV  (A(0))
#elif P == 2
#define DIFF    (D(0) || D(1))
#define ANYDEV  (A(0) || A(1))
#elif P == 3
#define DIFF    (D(0) || D(1) || D(2))
#define ANYDEV  (A(0) || A(1) || A(2))
#elif P == 4
#define DIFF    (D(0) || D(1) || D(2) || D(3))
#define ANYDEV  (A(0) || A(1) || A(2) || A(3))
#elif P == 5
#define DIFF    (D(0) || D(1) || D(2) || D(3) || D(4))
#define ANYDEV  (A(0) || A(1) || A(2) || A(3) || A(4))
#elif P == 6
#define DIFF    (D(0) || D(1) || D(2) || D(3) || D(4) || D(5))
#define ANYDEV  (A(0) || A(1) || A(2) || A(3) || A(4) || A(5))
#elif P == 7
#define DIFF    (D(0) || D(1) || D(2) || D(3) || D(4) || D(5) || D(6))
#define ANYDEV  (A(0) || A(1) || A(2) || A(3) || A(4) || A(5) || A(6))
#elif P == 8
#define DIFF    (D(0) || D(1) || D(2) || D(3) || D(4) || D(5) || D(6) || D(7))
#define ANYDEV  (A(0) || A(1) || A(2) || A(3) || A(4) || A(5) || A(6) || A(7))
#elif P == 9
#define DIFF    (D(0) || D(1) || D(2) || D(3) || D(4) || D(5) || D(6) || D(7) || D(8))
#define ANYDEV  (A(0) || A(1) || A(2) || A(3) || A(4) || A(5) || A(6) || A(7) || A(8))
#else
#define DIFF    (D(0) || D(1) || D(2) || D(3) || D(4) || D(5) || D(6) || D(7) || D(8) || D(9))
#define ANYDEV  (A(0) || A(1) || A(2) || A(3) || A(4) || A(5) || A(6) || A(7) || A(8) || A(9))
#endif

#ifdef CHECK
#define INV  \
  do \
  :: i < P -> \
     assert(!(running && dev[i] != 0) || dev[i] == iotlb[i]); \
     assert(!(running && !inbatch && iotlb[i] != 0) || dev[i] == iotlb[i]); \
     i++ \
  :: else -> break \
  od; \
  i = 0
#else
#define INV  skip
#endif

/* ops->set_map(asid, iotlb): the parent takes the whole table */
#define PUSH  do :: i < P -> dev[i] = iotlb[i]; i++ :: else -> break od; i = 0

#ifdef SETMAP
#define UPD(k, v)  :: d_step { iotlb[k] == 0 -> as = 1; iotlb[k] = v; if :: !inbatch -> PUSH :: else -> skip fi; INV }
#define INVAL(k)   :: d_step { as && (iotlb[k] != 0 || (!inbatch && DIFF)) -> iotlb[k] = 0; if :: !inbatch -> PUSH :: else -> skip fi; INV }
#define BEND       :: d_step { as && inbatch -> PUSH; inbatch = 0; INV }
#else
#define UPD(k, v)  :: d_step { iotlb[k] == 0 -> as = 1; iotlb[k] = v; dev[k] = v; INV }
#define INVAL(k)   :: d_step { as && iotlb[k] != 0 -> iotlb[k] = 0; dev[k] = 0; INV }
#define BEND       :: d_step { as && inbatch -> inbatch = 0; INV }
#endif

#ifdef CLEANMAP
#define RESET  :: d_step { running || ANYDEV -> running = 0; do :: i < P -> dev[i] = 0; i++ :: else -> break od; i = 0; INV }
#else
#define RESET  :: d_step { running -> running = 0; INV }
#endif

#define PAGE(k)  UPD(k, 1) UPD(k, 2) INVAL(k)

active proctype vdpa()
{
  do
  PAGE(0)
#if P > 1
  PAGE(1)
#endif
#if P > 2
  PAGE(2)
#endif
#if P > 3
  PAGE(3)
#endif
#if P > 4
  PAGE(4)
#endif
#if P > 5
  PAGE(5)
#endif
#if P > 6
  PAGE(6)
#endif
#if P > 7
  PAGE(7)
#endif
#if P > 8
  PAGE(8)
#endif
#if P > 9
  PAGE(9)
#endif
  :: d_step { !inbatch -> as = 1; inbatch = 1; INV }                   /* BATCH_BEGIN */
  BEND                                                                /* BATCH_END */
  :: d_step { !running -> running = 1; INV }                          /* SET_STATUS(DRIVER_OK) */
  RESET                                                               /* SET_STATUS(0) */
  od
}
