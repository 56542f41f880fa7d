// What conform draws from (lab/alphabet.ts) and when the device probe steps aside for a sequence's own
// vring ioctls (lab/device-probe.ts sharesProbeRings): no guest needed.
import { expect, test } from 'vitest';
import { labAlphabet, vringLetters } from '../../lab/alphabet.js';
import { labTarget, unsupportedIn } from '../../lab/conformance.js';
import { sharesProbeRings } from '../../lab/device-probe.js';
import { anyAlphabet } from '../../model/userspace-any.js';

for (const [kernel, parent, nvqs] of [['6.12', 'vdpa_sim', 3], ['6.1', 'vdpa_sim', 3], ['6.12', 'vduse', 2]] as const) {
  test(`${kernel} ${parent}: the vring ioctls are in, rebinding and fault injection are out`, () => {
    const t = labTarget(kernel, parent, undefined, kernel === '6.1' ? '6.1.192-3' : '6.12.118-1~deb12u1');
    const a = labAlphabet(t.ctx, t.kernel);
    const keys = a.map((x) => JSON.stringify(x));
    expect(new Set(keys).size).toBe(keys.length);
    for (const v of vringLetters(t.ctx)) expect(keys).toContain(JSON.stringify(v));
    expect(keys).toContain(JSON.stringify({ t: 'setVringBase', vq: nvqs })); // -ENOBUFS
    expect(a.some((x) => x.t === 'bindVirtio' || x.t === 'bindVhost' || x.t === 'parentFault')).toBe(false);
    // everything else of any's alphabet is kept
    const rest = anyAlphabet(t.ctx).filter((x) => x.t !== 'bindVirtio' && x.t !== 'bindVhost' && x.t !== 'parentFault');
    for (const x of rest) expect(keys).toContain(JSON.stringify(x));
  });
}

test('a vring ioctl on RX or TX shares the probe\'s rings; on the CVQ, or any other call, it does not', () => {
  expect(sharesProbeRings({ t: 'setVringAddr', vq: 0 })).toBe(true);
  expect(sharesProbeRings({ t: 'setVringBase', vq: 1 })).toBe(true);
  expect(sharesProbeRings({ t: 'setVringEnable', vq: 0, ready: 0 })).toBe(true);
  expect(sharesProbeRings({ t: 'setVringAddr', vq: 2 })).toBe(false);
  expect(sharesProbeRings({ t: 'setVringEnable', vq: 2, ready: 1 })).toBe(false);
  expect(sharesProbeRings({ t: 'setGroupAsid', group: 0, asid: 1 })).toBe(false);
});

test('replay --on-kernel takes the vring ioctls now, and still says why it cannot rebind', () => {
  const t = labTarget('6.12', 'vdpa_sim', undefined, '6.12.118-1~deb12u1');
  expect(unsupportedIn([{ t: 'open' }, { t: 'setVringAddr', vq: 0 }, { t: 'setVringBase', vq: 2 }, { t: 'setVringEnable', vq: 2, ready: 1 }], t.kernel)).toBeUndefined();
  expect(unsupportedIn([{ t: 'open' }, { t: 'bindVirtio' }], t.kernel)).toMatch(/^step 2 \(bindVirtio\): driver rebinding/);
});
