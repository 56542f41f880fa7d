// Userspaces `qemu` (upstream QEMU: never acks IOTLB_PERSIST, unmaps everything around every reset)
// and `qemu-persist` (Si-Wei Liu's series: acks IOTLB_PERSIST when offered and keeps its maps across
// reset). The script (model/qemu/script.ts) runs one ioctl or message per step, its position in the
// world's `pc`; a refused call is logged by QEMU and the script goes on (vhost_vdpa_dma_map's errors
// are only error_report'ed, semantics.md §5.1).
import type { Action } from '../spec/vdpa/actions.js';
import type { World } from '../spec/vdpa/world.js';
import type { CallResult, VdpaCtx } from './context.js';
import { actionKey, buildScript, type Edge, type Script } from './qemu/script.js';
import type { Userspace } from './userspace.js';
import { beginTxn, believeAfter, endTxn, noteWindow } from './userspace-belief.js';

export type QemuName = 'qemu' | 'qemu-persist';

export interface QemuUserspace extends Userspace {
  readonly name: QemuName;
  /** The script for a configuration (flows, program points), e.g. for the cost of the reference cycle. */
  script(ctx: VdpaCtx): Script;
}

/** What QEMU concludes after one step of its script, and where the script goes next. */
// 'begin' opens the change as of the world after this step (BATCH_BEGIN), 'beginAt' as of the world
// before it (an un-batched first message: the step already shows the message's effect).
function believeStep(ctx: VdpaCtx, d: World, a: Action, r: CallResult, e: Edge | undefined, before: World): void {
  const txn = e?.txn ?? 'none';
  if (txn === 'begin' && !d.uTxn) beginTxn(ctx, d);
  if (txn === 'beginAt' && !d.uTxn) beginTxn(ctx, d, before);
  believeAfter(ctx, d, a, r, before);
  // The transaction ends at commit whether BATCH_END was accepted or not; believeAfter closes it only on success.
  if (txn === 'end') endTxn(d);
  else noteWindow(ctx, d);
  if (e !== undefined) d.pc = e.to;
}

export function qemuUserspace(name: QemuName): QemuUserspace {
  let cache: { ctx: VdpaCtx; script: Script } | undefined;
  const get = (ctx: VdpaCtx): Script => {
    if (cache === undefined || cache.ctx !== ctx) cache = { ctx, script: buildScript(ctx, name === 'qemu-persist') };
    return cache.script;
  };
  return {
    name,
    script: get,
    alphabet: (ctx) => get(ctx).alphabet,
    enabled: (ctx, w, out) => {
      const n = get(ctx).nodes[w.pc];
      if (n !== undefined) for (const a of n.out) out.push(a);
    },
    believe: (ctx, d, a, r, before) => {
      const n = get(ctx).nodes[d.pc];
      // By identity on the explorer's path; by content for an action read back from a trace file.
      const e = n === undefined ? undefined : (n.byAction.get(a) ?? n.byKey.get(actionKey(a)));
      believeStep(ctx, d, a, r, e, before);
    },
  };
}
