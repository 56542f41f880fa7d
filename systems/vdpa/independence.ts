// Which two actions of `any` commute, for sleep sets (explorer/sleep.ts, Model.independent), by
// footprints: the parts of the world each action kind may read (its guard, its reducer and the
// parent's ops, userspace's belief update and clause bookkeeping, the call part of each checked step
// property) and may write. Two actions are independent when neither writes what the other reads or
// writes. Coarse and conservative on purpose: whatever touches a parent's device state is one
// resource, and open, close and the bus binds touch everything.
//
// Two reads are left out, each for a reason that keeps s·a·b = s·b·a and the verdicts:
// - userspace's window note (noteWindow, after every step but a successful BATCH_END) reads the device
//   translation and ORs into uWindow. A world already holds its own note (the step into it ORed it),
//   so when at most one of a, b writes the device state (DEV: the write-write rule ensures it), both
//   orders OR the same notes: uWindow(s) | note(s·a) | note(s·a·b).
// - errno-expectation's target part judges the world a step leads to alone (StepProperty.callPart):
//   it is judged on each world's first arrival, which sleep sets keep. Its call part (an UPDATE's and
//   open's own result) is in the footprint of those two kinds.
// uBroke (a clause broken so far) is only ever set: both orders set it when either breaks a clause,
// and the clause reads are in each kind's footprint.
// test/vdpa/independence.test.ts checks the relation on every reachable world within a depth on
// several configurations (both orders equal, both still listed, the same step verdicts).
import type { Action } from '../../spec/vdpa/actions.js';
import type { VdpaCtx } from '../../model/context.js';

// The resources (bits of a footprint).
const FD = 1 << 0; // fdOpen
const OWN = 1 << 1; // owner
const ACK = 1 << 2; // acked backend features
const AS = 1 << 3; // asExists, uAs
const BATCH = 1 << 4; // inBatch, batchAsid
const STATUS = 1 << 5; // status
const SUSP = 1 << 6; // suspended, devSuspended
const FAULT = 1 << 7; // faultIn (an armed allocation failure)
const DEV = 1 << 8; // the parent's and vhost's device state: maps, MRs, VQs, pins, group ASIDs (kernel and belief)
const UMAP = 1 << 9; // uMap: what userspace believes mapped
const TXN = 1 << 10; // uTxn, uTxnBefore, uWindow: a map change in progress
const STALE = 1 << 11; // uStale
const UNPIN = 1 << 12; // unpinWindow: set by an unmap that unpins (vhost_vdpa_iotlb_unmap), cleared by every step
const FREE_SHIFT = 13; // userFreed bit h at FREE_SHIFT + h (NH = 4)
const FREE_ALL = 0xf << FREE_SHIFT;
const ALL = -1;

interface Footprint {
  readonly reads: number;
  readonly writes: number;
}

// Every step clears the last call's unpin observation (systems/vdpa/model.ts stepRecipe): clears commute
// with clears, not with a step that sets it, so each step reads it and only the unmapping kinds write it.
const fp = (reads: number, writes: number): Footprint => ({ reads: reads | writes | UNPIN, writes });

/**
 * The footprint of `a` in configuration `ctx`. `freedInTranslation`: the parent's translation reads
 * userFreed (vdpa_sim's, spec/vdpa/config-ops.ts translate: a munmapped page faults), so a munmap
 * changes what the device reaches.
 */
function footprint(a: Action, freedInTranslation: boolean, batchClause: boolean): Footprint {
  // effectiveAsid reads the IOTLB_ASID bit of acked for a message naming ASID 1
  const asidAck = 'asid' in a && a.t !== 'setGroupAsid' && a.asid !== 0 ? ACK : 0;
  switch (a.t) {
    // vhost_dev_set_owner: guard fd, owner
    case 'setOwner': return fp(FD | OWN, OWN);
    // vhost_set_backend_features: guard fd, the features alone; clause ack-only-offered reads the action only
    case 'setBackendFeatures': return fp(FD, ACK);
    // vhost_vdpa_set_status: a reset reads IOTLB_PERSIST, unmaps (unpins, reads userFreed), moves uStale;
    // DRIVER_OK sets the parent up (may take the armed fault); clauses read uStale and inBatch
    case 'setStatus':
      return a.status === 0
        ? fp(FD | STATUS | ACK | BATCH | UMAP | FREE_ALL, STATUS | SUSP | DEV | FAULT | STALE | BATCH | AS)
        : fp(FD | STATUS | BATCH | STALE, STATUS | SUSP | DEV | FAULT);
    // vhost_vdpa_suspend / resume: the guard reads status; the parent's ops read and write its state
    case 'suspend': case 'resume': return fp(FD | OWN | STATUS, SUSP | DEV | FAULT);
    // vhost_vdpa_set_group_asid: clause group-asid-while-stopped reads status, devSuspended
    case 'setGroupAsid': return fp(FD | OWN | STATUS | SUSP, DEV | FAULT);
    // set_vq_address / set_vq_ready (mlx5, the only parents with them): the guard reads status and
    // suspended; they mark or set VQ state and allocate nothing (no armed fault fires)
    case 'setVringAddr': case 'setVringBase': case 'setVringEnable': return fp(FD | OWN | STATUS | SUSP, DEV);
    // vhost_vdpa_process_iotlb_msg: maps pin pages (find_vma reads every munmapped page), errno's call
    // part reads wellFormed (uMap, userFreed, uAs, batch) and the iotlb's size
    // (and ACK when clause qemu-messages-in-batch lists them by IOTLB_BATCH: --contract qemu-like)
    // (a failed UPDATE unmaps what it pinned; an INVALIDATE unmaps: both may note an unpin window)
    case 'iotlbUpdate': return fp(FD | OWN | (batchClause ? ACK : asidAck) | STATUS | SUSP | FREE_ALL | TXN, AS | BATCH | DEV | FAULT | UMAP | STALE | UNPIN);
    case 'iotlbInvalidate': return fp(FD | OWN | (batchClause ? ACK : asidAck) | STATUS | SUSP | FREE_ALL | TXN, AS | BATCH | DEV | FAULT | UMAP | STALE | UNPIN);
    // BATCH_BEGIN starts a map change as of the device's translation (beginTxn)
    case 'iotlbBatchBegin': return fp(FD | OWN | asidAck | STATUS | SUSP | DEV | UMAP, AS | BATCH | TXN);
    case 'iotlbBatchEnd': return fp(FD | OWN | asidAck | STATUS | SUSP | FREE_ALL | UMAP, AS | BATCH | DEV | FAULT | TXN);
    // munmap: the guard reads the bit; vdpa_sim's translation reads it too
    case 'userFree': return fp(0, (1 << (FREE_SHIFT + a.host)) | (freedInTranslation ? DEV : 0));
    // the environment arms a fault: the guard reads faultIn
    case 'parentFault': return fp(0, FAULT);
    // open and close reset the device and every belief; the bus binds too
    case 'open': case 'close': case 'bindVirtio': case 'bindVhost': return fp(ALL, ALL);
  }
}

/**
 * The independence relation over an alphabet (ids: places in it), as a table. Footprints are static
 * (they depend on the action and the configuration, never on a world). `clauseIds`: the contract
 * clauses that decide what userspace lists (their reads are the listing's).
 */
export function vdpaIndependence(ctx: VdpaCtx, alphabet: readonly Action[], clauseIds: readonly string[]): (x: number, y: number) => boolean {
  const freed = ctx.ops.name.startsWith('vdpa_sim');
  const batchClause = clauseIds.includes('qemu-messages-in-batch');
  const fps = alphabet.map((a) => footprint(a, freed, batchClause));
  const n = alphabet.length;
  const table = new Uint8Array(n * n);
  for (let x = 0; x < n; x++) {
    for (let y = 0; y < n; y++) {
      const a = fps[x]!;
      const b = fps[y]!;
      table[x * n + y] = x !== y && (a.writes & b.reads) === 0 && (b.writes & a.reads) === 0 ? 1 : 0;
    }
  }
  return (x, y) => table[x * n + y] === 1;
}
