// The QEMU script as an automaton: what it emits, where it branches, how far it goes, and that a
// refused call moves it on (QEMU logs and continues).
import { describe, expect, test } from 'vitest';
import type { Action } from '../../spec/vdpa/actions.js';
import { bit } from '../../spec/vdpa/constants.js';
import type { VdpaModel } from '../../systems/vdpa/model.js';
import { buildVdpaTarget, defaultBounds } from '../../systems/vdpa/target.js';
import type { World } from '../../spec/vdpa/world.js';
import { actionKey } from '../../model/qemu/script.js';
import { memoryTransaction } from '../../model/qemu/flows.js';
import type { QemuCaps } from '../../model/qemu/layout.js';
import { isQemu } from '../../systems/vdpa/cost.js';
import { runQemu } from './helpers.js';

async function model(kernel: string, parent: 'mlx5' | 'vdpa_sim' | 'vdpa_sim_dma' | 'platform' | 'vduse', userspace: string): Promise<VdpaModel> {
  const t = await buildVdpaTarget({ system: 'vdpa', kernel, parent, userspace, invariants: undefined, bounds: {} });
  return t.model as unknown as VdpaModel;
}

/** Follows the only enabled action while there is exactly one. */
function straightLine(m: VdpaModel, w: World): { world: World; actions: Action[] } {
  const actions: Action[] = [];
  for (;;) {
    const out: Action[] = [];
    m.actions(w, out);
    if (out.length !== 1) return { world: w, actions };
    actions.push(out[0]!);
    w = m.next(w, out[0]!) ?? w;
  }
}

describe('the qemu script', () => {
  test('boots with one call per step, acks offered ∩ {MSG_V2, BATCH, ASID, SUSPEND}, then branches at DRIVER_OK', async () => {
    const m = await model('6.12', 'mlx5', 'qemu');
    const { world, actions } = straightLine(m, m.init()[0]!);
    expect(actions.map((a) => m.label(a).split('(')[0])).toEqual([
      'open', 'ioctl', 'ioctl', 'ioctl', 'ioctl', 'ioctl', 'write', 'write', 'write', 'write', 'write', 'write', 'ioctl',
    ]);
    const sbf = actions[2]!;
    expect(sbf).toEqual({ t: 'setBackendFeatures', features: bit('IOTLB_MSG_V2') | bit('IOTLB_BATCH') | bit('IOTLB_ASID') | bit('SUSPEND') });
    expect(actions[5]).toEqual({ t: 'setGroupAsid', group: 1, asid: 1 });
    expect(world.status).toBe(0xf);
    const out: Action[] = [];
    m.actions(world, out);
    // Resize (BATCH_BEGIN) or stop (SUSPEND) for reboot, migration switch or quit.
    expect(out.map((a) => a.t).sort()).toEqual(['iotlbBatchBegin', 'suspend']);
  });

  test('qemu-persist acks IOTLB_PERSIST only where offered', async () => {
    const ack = (m: VdpaModel): number => {
      const us = m.userspace;
      if (!isQemu(us)) throw new Error('not qemu');
      return us.script(m.ctx).caps.acked;
    };
    expect(ack(await model('6.7', 'mlx5', 'qemu-persist')) & bit('IOTLB_PERSIST')).not.toBe(0);
    expect(ack(await model('6.7', 'mlx5', 'qemu')) & bit('IOTLB_PERSIST')).toBe(0);
    expect(ack(await model('6.6', 'mlx5', 'qemu-persist')) & bit('IOTLB_PERSIST')).toBe(0);
    expect(ack(await model('6.7', 'vduse', 'qemu-persist')) & bit('IOTLB_PERSIST')).toBe(0); // not offered
  });

  test('platform: no CVQ isolation (one group, one ASID), so no SET_GROUP_ASID and nothing in ASID 1', async () => {
    const m = await model('6.12', 'platform', 'qemu');
    const us = m.userspace;
    if (!isQemu(us)) throw new Error('not qemu');
    const alphabet = us.alphabet(m.ctx);
    expect(alphabet.some((a) => a.t === 'setGroupAsid')).toBe(false);
    expect(alphabet.some((a) => 'asid' in a && a.asid !== 0)).toBe(false);
  });

  test('emits only objects of its alphabet, each distinct by content; fewer than 256 program points', async () => {
    for (const [k, p, u] of [['6.12', 'mlx5', 'qemu'], ['6.7', 'vdpa_sim', 'qemu-persist'], ['6.1', 'platform', 'qemu']] as const) {
      const m = await model(k, p, u);
      const us = m.userspace;
      if (!isQemu(us)) throw new Error('not qemu');
      const s = us.script(m.ctx);
      const alphabet = new Set(s.alphabet);
      expect(new Set(s.alphabet.map(actionKey)).size).toBe(s.alphabet.length);
      expect(s.nodes.length).toBeLessThanOrEqual(256);
      for (const n of s.nodes) {
        for (const a of n.out) expect(alphabet.has(a)).toBe(true);
        expect(new Set(n.out.map(actionKey)).size).toBe(n.out.length);
      }
    }
  });

  test('every world is reached well within the default depth, and the search ends exhausted', async () => {
    for (const [k, p, u] of [['6.12', 'mlx5', 'qemu'], ['6.1', 'mlx5', 'qemu-persist'], ['6.7', 'vdpa_sim_dma', 'qemu-persist']] as const) {
      const r = await runQemu(k, p, u, ['user-kernel-agreement']);
      expect(r.result.stoppedBy).toBe('exhausted');
      expect(r.result.stats.depth).toBeLessThan(defaultBounds(u).maxDepth);
      expect(r.result.stats.distinctStates).toBeLessThan(1000);
    }
  });

  test('a refused call advances the script; a trace action read back by content is recognised', async () => {
    const m = await model('6.12', 'mlx5', 'qemu');
    const w0 = m.init()[0]!;
    const open: Action[] = [];
    m.actions(w0, open);
    const w1 = m.next(w0, open[0]!)!;
    // Pretend the fd is gone: SET_OWNER is refused with EBADF, the script still moves to its next call.
    const closed: World = { ...w1, fdOpen: false };
    const owner: Action[] = [];
    m.actions(closed, owner);
    expect(owner).toEqual([{ t: 'setOwner' }]);
    const w2 = m.next(closed, owner[0]!)!;
    expect(w2.pc).not.toBe(closed.pc);
    expect(w2.owner).toBe(false);
    // The same call as a fresh object (as from a trace file) takes the same edge.
    const w2b = m.next(w1, { t: 'setOwner' })!;
    expect(w2b.pc).toBe(m.next(w1, owner[0]!)!.pc);
  });
});

describe('memory transactions', () => {
  const caps = (batch: boolean): QemuCaps => ({ offered: 0, acked: 0, batch, suspend: false, persist: false, cvqIsolated: false });
  const msgs: Action[] = [{ t: 'iotlbInvalidate', asid: 0, page: 2, npages: 2 }, { t: 'iotlbUpdate', asid: 0, page: 2, npages: 1, host: 2 }];
  test('batched: BATCH_BEGIN opens, the messages are watched, BATCH_END closes', () => {
    expect(memoryTransaction(caps(true), msgs).map((s) => `${s.action.t}/${s.txn}`)).toEqual([
      'iotlbBatchBegin/begin', 'iotlbInvalidate/mid', 'iotlbUpdate/mid', 'iotlbBatchEnd/end',
    ]);
  });
  test('un-batched (no kernel here lacks IOTLB_BATCH): the first message opens as of the world before it', () => {
    expect(memoryTransaction(caps(false), msgs).map((s) => `${s.action.t}/${s.txn}`)).toEqual([
      'iotlbInvalidate/beginAt', 'iotlbUpdate/end',
    ]);
  });
});
