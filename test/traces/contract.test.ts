// The TraceModel contract checker, on the toy and on toys that break one point each.
import { expect, test } from 'vitest';
import { traceModelProblems } from '../../traces/contract.js';
import type { TraceModel } from '../../traces/trace-model.js';
import { type ToyAction, type ToyWorld, toyModel } from './fixtures/toy-model.js';

test('the toy keeps the contract', () => {
  expect(traceModelProblems(toyModel(), { maxStates: 60 })).toEqual([]);
});

test('each broken point is named', () => {
  const m = toyModel();
  const noReadBack: TraceModel<ToyWorld, ToyAction> = { ...m, actionFromJson: (j) => ((j as { type?: unknown }).type === 'reset' ? undefined : m.actionFromJson(j)) };
  expect(traceModelProblems(noReadBack, { maxStates: 30 })[0]).toMatch(/^action vhost_vdpa_reset \(after .*\): actionFromJson does not read back actionToJson \{"type":"reset"\}$/);
  const float: TraceModel<ToyWorld, ToyAction> = { ...m, worldToJson: (s) => ({ ...m.worldToJson(s), ratio: 0.5 }) };
  expect(traceModelProblems(float, { maxStates: 30 })[0]).toBe('world after init#0: ratio: 0.5 is not an integer (ITF has no floats)');
  const lanes: TraceModel<ToyWorld, ToyAction> = { ...m, lanes: ['userspace', 'vhost-vdpa', 'device'] };
  expect(traceModelProblems(lanes, { maxStates: 30 })[0]).toMatch(/call "ops->set_map\(asid=0\)" names lane "parent", not one of userspace, vhost-vdpa, device$/);
  let n = 0;
  const flaky: TraceModel<ToyWorld, ToyAction> = { ...m, outcome: (s, a) => ({ ...m.outcome(s, a), ret: String(n++ % 2) }) };
  expect(traceModelProblems(flaky, { maxProblems: 1, maxStates: 30 })).toEqual([expect.stringMatching(/outcome is not deterministic$/)]);
});
