// When the lab probes the device's translation, and what the model predicts it finds
// (lab/device-probe.ts): no guest needed, the model's worlds along short sequences.
import { expect, test } from 'vitest';
import type { Action } from '../../spec/vdpa/actions.js';
import { labTarget, runModel } from '../../lab/conformance.js';
import { expectedProbe, expectedVduse, PROBE, probePlan, vduseObserved } from '../../lab/device-probe.js';

const OPEN: Action[] = [{ t: 'open' }, { t: 'setOwner' }, { t: 'setBackendFeatures', features: 14 }];
const upd = (asid: number, page: number, npages: number, host: number): Action => ({ t: 'iotlbUpdate', asid, page, npages, host });
const after = (kernel: '6.12' | '6.1', parent: 'vdpa_sim' | 'vdpa_sim_dma' | 'vdpa_sim_va' | 'vduse', actions: Action[]) => {
  const t = labTarget(kernel, parent, undefined, kernel === '6.1' ? '6.1.192-3' : '6.12.117-1~deb12u1');
  const { worlds } = runModel(t, actions);
  return { t, w: worlds[worlds.length - 1]! };
};

test('not probed while the data queues do not run (before DRIVER_OK)', () => {
  const { t, w } = after('6.12', 'vdpa_sim', [...OPEN, upd(0, 0, 2, 0)]);
  expect(probePlan(t.ctx, w)).toEqual({ skip: 'the device does not run the data queues (model)' });
});

test('the 1:1 map reads the rings where they are (no ring map); the model predicts none of h0..h3', () => {
  const { t, w } = after('6.12', 'vdpa_sim', [...OPEN, upd(0, 0, 2, 0), { t: 'setStatus', status: 0 }, { t: 'setStatus', status: 15 }]);
  expect(probePlan(t.ctx, w)).toEqual({ asid: 0, map: false });
  expect(expectedProbe(t.ctx, w, 0)).toBe(PROBE.elsewhere);
});

test('a mapped device: the ring map joins the address space; h0, h1, then fault', () => {
  const { t, w } = after('6.12', 'vdpa_sim_dma', [...OPEN, upd(0, 0, 2, 0), { t: 'setStatus', status: 15 }]);
  expect(probePlan(t.ctx, w)).toEqual({ asid: 0, map: true });
  expect([0, 1, 2, 3].map((p) => expectedProbe(t.ctx, w, p))).toEqual([0, 1, PROBE.fault, PROBE.fault]);
});

test('not probed where the ring map would change what the model tracks: a full address space, an open batch, a missing AS, a device map set_map would rebuild', () => {
  const full = after('6.12', 'vdpa_sim', [...OPEN, upd(0, 0, 1, 0), upd(0, 1, 1, 2), upd(0, 2, 1, 3), { t: 'setStatus', status: 15 }]);
  expect(probePlan(full.t.ctx, full.w)).toEqual({ skip: 'address space 0 is full (3 entries)' });
  const batch = after('6.12', 'vdpa_sim', [...OPEN, upd(0, 0, 1, 0), { t: 'setStatus', status: 15 }, { t: 'iotlbBatchBegin', asid: 0 }]);
  expect(probePlan(batch.t.ctx, batch.w)).toEqual({ skip: 'a batch is open (the ring map would join it)' });
  const noAs = after('6.1', 'vdpa_sim', [...OPEN, { t: 'setStatus', status: 15 }]);
  expect(probePlan(noAs.t.ctx, noAs.w)).toEqual({ skip: 'no address space 0 (the ring map would create it)' });
  // 6.1's vdpa_sim reset empties its iommu while vhost's iotlb keeps h0,h1: an UPDATE would set_map them back
  const stale = after('6.1', 'vdpa_sim', [...OPEN, upd(0, 0, 2, 0), { t: 'setStatus', status: 0 }, { t: 'setStatus', status: 15 }]);
  expect(probePlan(stale.t.ctx, stale.w)).toEqual({ skip: 'the device map is not vhost\'s iotlb (the ring map would make set_map rebuild it)' });
  // dma_map applies only the ring's range: the same world can be probed there
  const staleDma = after('6.1', 'vdpa_sim_dma', [...OPEN, upd(0, 0, 2, 0), { t: 'setStatus', status: 0 }, { t: 'setStatus', status: 15 }]);
  expect(probePlan(staleDma.t.ctx, staleDma.w)).toEqual({ asid: 0, map: true });
  expect(expectedProbe(staleDma.t.ctx, staleDma.w, 0)).toBe(PROBE.fault);
});

test('a munmapped page: out of the agent\'s reach in PA mode, a fault through the mm in VA mode', () => {
  const seq: Action[] = [...OPEN, upd(0, 0, 1, 2), { t: 'setStatus', status: 15 }, { t: 'userFree', host: 2 }];
  const pa = after('6.12', 'vdpa_sim', seq);
  expect(expectedProbe(pa.t.ctx, pa.w, 0)).toBe(PROBE.elsewhere);
  const va = after('6.12', 'vdpa_sim_va', seq);
  expect(expectedProbe(va.t.ctx, va.w, 0)).toBe(PROBE.fault);
});

test('VDUSE: the domain keeps h0,h1 after close; the daemon\'s codes read as the probe\'s', () => {
  const { t, w } = after('6.12', 'vduse', [...OPEN, upd(0, 0, 2, 0), { t: 'close' }]);
  expect([0, 1, 2, 3].map((p) => expectedVduse(t.ctx, w, p))).toEqual([0, 1, PROBE.fault, PROBE.fault]);
  expect([2, -1, -3, -4].map(vduseObserved)).toEqual([2, PROBE.fault, PROBE.otherFile, PROBE.noRings]);
});
