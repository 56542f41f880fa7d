// errno-expectation (both ways over the model: test/vdpa/invariants.test.ts): a message valid under the strict contract, well-formed as far as userspace
// knows, is answered 0 on the shipped kernels; the pre-c82729e06644 behaviour (examples/variants/
// remove-as-when-empty.ts: drivers/vhost/vdpa.c v6.2 vhost_vdpa_unmap and VHOST_IOTLB_BATCH_END,
// `if (!iotlb->nmaps) vhost_vdpa_remove_as(v, asid)`) fails the next INVALIDATE with -EINVAL.
import { describe, expect, test } from 'vitest';
import type { Action } from '../../spec/vdpa/actions.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import { buildVdpaModel } from '../../systems/vdpa/model.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { anyUserspace } from '../../model/userspace-any.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import { wellFormed } from '../../invariants/vdpa/errno-expectation.js';

describe('errno-expectation', () => {
  test('well-formed as userspace knows it: an UPDATE of a range it mapped, or of a page it munmapped, is not', () => {
    const k = VDPA_KERNEL_TABLE['6.12']!;
    const m = buildVdpaModel({ kernel: k, ops: makeParent('vdpa_sim', k) }, anyUserspace(), VDPA_INVARIANTS);
    let w = m.init()[0]!;
    const U: Action = { t: 'iotlbUpdate', asid: 0, page: 0, npages: 2, host: 0 };
    const I: Action = { t: 'iotlbInvalidate', asid: 0, page: 0, npages: 4 };
    for (const a of [{ t: 'open' }, { t: 'setOwner' }] as const) w = m.next(w, a) ?? w;
    expect(wellFormed(m.ctx, w, U)).toBe(true);
    expect(wellFormed(m.ctx, w, I)).toBe(false); // no AS created yet: -EINVAL is the uapi's answer
    w = m.next(w, U)!;
    expect(wellFormed(m.ctx, w, U)).toBe(false); // -EEXIST is owed
    expect(wellFormed(m.ctx, w, I)).toBe(true);
    w = m.next(w, { t: 'userFree', host: 2 })!;
    expect(wellFormed(m.ctx, w, { t: 'iotlbUpdate', asid: 0, page: 2, npages: 2, host: 2 })).toBe(false);
  });

  test('the step\'s own call: a well-formed UPDATE that leaves its range unmapped is a violation; one that maps it is not', () => {
    const k = VDPA_KERNEL_TABLE['6.12']!;
    const m = buildVdpaModel({ kernel: k, ops: makeParent('vdpa_sim', k) }, anyUserspace(), VDPA_INVARIANTS);
    const p = m.properties().find((x) => x.id === 'errno-expectation')!;
    if (p.kind !== 'step') throw new Error('errno-expectation is a step property');
    let w = m.init()[0]!;
    for (const a of [{ t: 'open' }, { t: 'setOwner' }] as const) w = m.next(w, a) ?? w;
    const U: Action = { t: 'iotlbUpdate', asid: 0, page: 0, npages: 2, host: 0 };
    expect(p.check(w, U, w)?.message).toMatch(/a well-formed UPDATE of asid 0 failed/);
    expect(p.check(w, U, m.next(w, U)!)).toBeUndefined();
    // an armed fault that fired in the step explains the failure
    const armed = m.next(w, { t: 'parentFault' })!;
    expect(p.check(armed, U, { ...armed, faultIn: 0 })).toBeUndefined();
  });
});
