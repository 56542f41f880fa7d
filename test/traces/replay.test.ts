// Replay of a saved trace against the same toy and against variants: each kind of divergence.
import { describe, expect, test } from 'vitest';
import { describeReplay, replay, toPlainJson } from '../../traces/replay.js';
import type { Trace } from '../../traces/trace.js';
import { Tup } from '../../traces/values.js';
import { fixtureTraces } from './fixtures/fixture-traces.js';
import { toyModel } from './fixtures/toy-model.js';

const { overlap, persist } = fixtureTraces();

describe('replay', () => {
  test('on the same model: no divergence, and the recorded violation reproduces at the last step', () => {
    const r = replay(persist, toyModel());
    expect(r.divergedAt).toBeUndefined();
    expect(r.stepsRun).toBe(3);
    expect(r.violations).toEqual([
      {
        step: 3,
        propertyId: 'kernel-device-agreement',
        message: 'vhost-vdpa holds [0x0000,0x1000) → h0+ but the device IOMMU has empty',
        observation: 'device DMA to IOVA 0x0000 faults (no IOMMU entry)',
      },
    ]);
  });

  test('errno: the same action returns another value', () => {
    const r = replay(overlap, toyModel({ overlapErrno: 'EEXIST' }));
    expect(r.divergedAt).toEqual({
      step: 2,
      why: 'errno',
      base: 'VHOST_IOTLB_UPDATE asid=0 iova=[0x1000,0x2000) host=h1 = -EFAULT',
      other: 'VHOST_IOTLB_UPDATE asid=0 iova=[0x1000,0x2000) host=h1 = -EEXIST',
    });
    expect(r.violations.map((v) => v.propertyId)).toEqual(['user-kernel-agreement']);
  });

  test('world: same returns, another world; the first differing field is named', () => {
    const r = replay(persist, toyModel({ resetKeepsDevice: true }));
    expect(r.divergedAt).toEqual({ step: 3, why: 'world', base: 'device iommu: empty', other: 'device iommu: [0x0000,0x1000) → h0+' });
    expect(r.violations).toEqual([]);
    expect(describeReplay(persist, r)).toEqual([
      'diverges at step 3 (world: another world)',
      '  trace:  device iommu: empty',
      '  replay: device iommu: [0x0000,0x1000) → h0+',
      'no invariant violated along the replay',
      'the recorded violation of kernel-device-agreement does not reproduce',
    ]);
  });

  test('world: a difference the views already had before the step is not the one named', () => {
    const r = replay(persist, toyModel({ resetKeepsDevice: true, viewNote: 'variant' }));
    expect(r.divergedAt).toEqual({ step: 3, why: 'world', base: 'device iommu: empty', other: 'device iommu: [0x0000,0x1000) → h0+' });
  });

  test('not-allowed: an action the model no longer enables stops the replay', () => {
    const r = replay(persist, toyModel({ offerPersist: false }));
    expect(r.divergedAt).toMatchObject({ step: 1, why: 'not-allowed' });
    expect(r.divergedAt?.other).toBe('VHOST_SET_BACKEND_FEATURES IOTLB_BATCH | IOTLB_PERSIST (0x3) is not allowed here (would return 0)');
    expect(r.stepsRun).toBe(0);
    expect(r.violations).toEqual([]);
  });

  test('unknown-action: the model does not read the action back', () => {
    const bad: Trace = { ...overlap, steps: overlap.steps.map((s) => (s.index === 2 ? { ...s, action: { type: 'frobnicate' } } : s)) };
    const r = replay(bad, toyModel());
    expect(r.divergedAt).toMatchObject({ step: 2, why: 'unknown-action', other: 'not an action of this model' });
    expect(r.stopped).toBe(r.divergedAt);
    expect(r.stepsRun).toBe(1);
    // Stopped after an earlier divergence: both are reported.
    const r3 = replay({ ...bad, steps: [{ ...bad.steps[0]!, outcome: { ...bad.steps[0]!.outcome, ret: '-EIO' } }, bad.steps[1]!] }, toyModel());
    expect([r3.divergedAt?.why, r3.divergedAt?.step, r3.stopped?.why, r3.stopped?.step]).toEqual(['errno', 1, 'unknown-action', 2]);
    expect(describeReplay(bad, r3)).toContain('stopped at step 2 (unknown-action): not an action of this model');
  });

  test('world at step 0, and a trace whose initial world the model does not have', () => {
    const altered: Trace = { ...overlap, init: { ...overlap.init, world: { ...overlap.init.world, user: { asid0: [new Tup([0, 1, 0])] } } } };
    expect(replay(altered, toyModel()).divergedAt).toMatchObject({ step: 0, why: 'world' });
    expect(replay({ ...overlap, initIndex: 3 }, toyModel()).divergedAt).toMatchObject({ step: 0, why: 'world', other: 'the model has 1 initial world' });
  });

  test('step properties are checked on each transition; propertyIds restricts what is checked', () => {
    const m = toyModel();
    const drop: Trace = {
      ...persist,
      steps: [
        persist.steps[0]!,
        { ...persist.steps[0]!, index: 2, label: 'ack BATCH only', action: { type: 'ackFeatures', bits: 1 }, world: { ...persist.steps[0]!.world }, view: persist.steps[0]!.view },
      ],
    };
    const r = replay(drop, m);
    expect(r.violations.map((v) => [v.propertyId, v.step])).toEqual([['no-feature-drop', 2]]);
    expect(replay(drop, m, { propertyIds: ['user-kernel-agreement'] }).violations).toEqual([]);
  });

  test('toPlainJson: safe bigints back to numbers, tuples to arrays', () => {
    expect(toPlainJson({ a: 5n, b: new Tup([1n, 'x']), c: 1n << 60n })).toEqual({ a: 5, b: [1, 'x'], c: 1n << 60n });
  });
});
