/*
 * Seed 003's map change (Jason Wang, 21 Jan 2020: "old map [4G,16G) new map [4G,8G) ... if we do
 * 1) flush [4G,16G) 2) add [4G,8G) there could be a window between 1) and 2)"), scaled to N IOVA pages,
 * with the device running throughout.
 *   old map: pages [0,N) -> old buffers; new map: pages [0,H), H = (N+1)/2 -> new buffers.
 *   flush-then-add (default): the driver flushes [0,N) page by page from its top end (N-1 down to 0;
 *   the order is the driver's choice, and from the top the window on [0,H) opens last, so the shortest
 *   counterexample has N-H+1 steps), then adds [0,H) page by page.
 *   one-shot (-DONESHOT): the driver writes a shadow table for [0,H) page by page, then commits it in
 *   one step ("commit might switch one set of tables for another, without need to pause DMA", mst).
 *   the device: DMA to a page of [0,H) (mapped before and after) writes it (wr[k] toggles).
 * Invariant (-DCHECK), checked after every step: a DMA to any page of [0,H) would not fault.
 *
 * Same semantics and state vector as bench/peers/models/mapchange.ts and ../quint/mapchange.qnt.
 * One process, one `do` of d_steps whose first statement is the guard: each SPIN state is exactly
 * one world of the vdpa-mc model (the process's pc is the same in every stored state, and so is `i`).
 *
 *   spin -DN=20 [-DONESHOT] [-DCHECK] -a mapchange.pml && gcc -O2 -DNOREDUCE [-DBFS] -o pan pan.c
 */
#ifndef N
#define N 8
#endif
#define H ((N + 1) / 2)

byte pc = 0;      /* driver progress */
byte tr[N] = 1;   /* device translation per IOVA page: 0 none (fault), 1 old buffer, 2 new buffer */
byte sh[N] = 0;   /* one-shot: the shadow table being written */
bool wr[N] = 0;   /* device data in each page (toggled by each DMA) */
byte i = 0;       /* loop index, back to 0 at the end of every step (so constant in stored states;
                     not `hidden`, which -DBFS refuses) */

#ifdef CHECK
#define INV  do :: i < H -> assert(tr[i] != 0); i++ :: else -> break od; i = 0
#else
#define INV  skip
#endif

/* device DMA to page k of [0,H): guarded by a present translation (a faulting DMA changes nothing) */
#define DMA(k)  :: d_step { tr[k] != 0 -> wr[k] = 1 - wr[k]; INV }

active proctype mapchange()
{
  do
#ifndef ONESHOT
  :: d_step { pc < N -> tr[N - 1 - pc] = 0; pc++; INV }               /* flush page N-1-pc */
  :: d_step { pc >= N && pc < N + H -> tr[pc - N] = 2; pc++; INV }    /* add page pc-N */
#else
  :: d_step { pc < H -> sh[pc] = 2; pc++; INV }                       /* shadow entry pc */
  :: d_step { pc == H ->                                              /* commit: switch tables */
       do
       :: i < H -> tr[i] = sh[i]; i++
       :: i >= H && i < N -> tr[i] = 0; i++
       :: else -> break
       od;
       i = 0;
       pc++; INV }
#endif
#if H > 0
  DMA(0)
#endif
#if H > 1
  DMA(1)
#endif
#if H > 2
  DMA(2)
#endif
#if H > 3
  DMA(3)
#endif
#if H > 4
  DMA(4)
#endif
#if H > 5
  DMA(5)
#endif
#if H > 6
  DMA(6)
#endif
#if H > 7
  DMA(7)
#endif
#if H > 8
  DMA(8)
#endif
#if H > 9
  DMA(9)
#endif
#if H > 10
  DMA(10)
#endif
#if H > 11
  DMA(11)
#endif
#if H > 12
  DMA(12)
#endif
#if H > 13
  DMA(13)
#endif
#if H > 14
  DMA(14)
#endif
#if H > 15
  DMA(15)
#endif
#if H > 16
#error "mapchange.pml lists DMA options for at most 16 pages in both maps (N <= 32)"
#endif
  od
}
