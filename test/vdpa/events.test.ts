// The step record: reducers record structured call events (model/call-log.ts), and text is made
// from them only in traces/ (traces/calls.ts). cost counts from the events' fields.
import { describe, expect, test } from 'vitest';
import type { Action } from '../../spec/vdpa/actions.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import { buildVdpaModel, type VdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { countCalls } from '../../systems/vdpa/cost.js';
import { recordCalls, type CallEvent } from '../../model/call-log.js';
import { anyUserspace } from '../../model/userspace-any.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import { renderCall } from '../../traces/calls.js';
import type { ParentName } from '../../spec/config.js';
import type { World } from '../../spec/vdpa/world.js';

function model(kernel: string, parent: ParentName): VdpaModel {
  const k = VDPA_KERNEL_TABLE[kernel]!;
  return buildVdpaModel({ kernel: k, ops: makeParent(parent, k) }, anyUserspace(), VDPA_INVARIANTS);
}

/** The events of the last action, after running the others. */
function eventsOf(m: VdpaModel, actions: readonly Action[]): CallEvent[] {
  let w: World = m.init()[0]!;
  for (const a of actions.slice(0, -1)) w = m.next(w, a) ?? w;
  return recordCalls(() => m.next(w, actions[actions.length - 1]!)).calls;
}

const U = (asid: number, page: number, npages: number, host: number): Action => ({ t: 'iotlbUpdate', asid, page, npages, host });

describe('structured call events', () => {
  test('an UPDATE outside a batch on vdpa_sim: pin_user_pages with its pages, then ops->set_map returning 0', () => {
    const ev = eventsOf(model('6.12', 'vdpa_sim'), [{ t: 'open' }, { t: 'setOwner' }, U(0, 0, 2, 0)]);
    // one pin_user_pages call per page: the model scales page_list (512 pointers) to pinBatch 1
    expect(ev.filter((e) => e.fn === 'pin_user_pages').map((e) => e.pinned)).toEqual([[0], [1]]);
    const sm = ev.find((e) => e.fn === 'ops->set_map');
    expect(sm).toMatchObject({ caller: 'vhost-vdpa', callee: 'vdpa bus / parent', args: { asid: 0 }, ret: '0' });
    expect(countCalls(ev)).toMatchObject({ pagesPinned: 2, setMapCalls: 1, pagesUnpinned: 0 });
  });

  test('a failing set_map behind BATCH_END: the event keeps -ENOMEM and says the return value is ignored', () => {
    const ev = eventsOf(model('6.12', 'vdpa_sim'), [
      { t: 'open' }, { t: 'setOwner' }, { t: 'iotlbBatchBegin', asid: 0 }, U(0, 0, 1, 0), { t: 'parentFault' }, { t: 'iotlbBatchEnd', asid: 0 },
    ]);
    const sm = ev.find((e) => e.fn === 'ops->set_map');
    expect(sm).toMatchObject({ ret: '-ENOMEM', ignored: true });
    expect(renderCall(sm!)).toBe('ops->set_map(asid=0) -ENOMEM (return value ignored)');
  });

  test('an INVALIDATE unpins the whole entry: one unpin_user_page event per page, with the page', () => {
    const ev = eventsOf(model('6.12', 'vdpa_sim'), [{ t: 'open' }, { t: 'setOwner' }, U(0, 0, 2, 0), { t: 'iotlbInvalidate', asid: 0, page: 0, npages: 1 }]);
    expect(ev.filter((e) => e.fn === 'unpin_user_page').map((e) => e.unpinned)).toEqual([[0], [1]]);
    expect(countCalls(ev).pagesUnpinned).toBe(2);
  });

  test('nothing is recorded outside recordCalls (the explorer\'s hot path)', () => {
    const m = model('6.12', 'mlx5');
    const w = m.next(m.init()[0]!, { t: 'open' });
    expect(w).toBeDefined();
    expect(recordCalls(() => 0).calls).toEqual([]);
  });
});
