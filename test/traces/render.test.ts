// Text and Mermaid renderings of the toy traces: the lines a kernel developer reads.
import { describe, expect, test } from 'vitest';
import { viewChanges } from '../../traces/diff.js';
import { mermaidText, renderMermaid } from '../../traces/mermaid.js';
import { isErrno, renderText, wantsColor } from '../../traces/text.js';
import { fixtureTraces } from './fixtures/fixture-traces.js';

const { overlap, persist } = fixtureTraces();

describe('renderText', () => {
  const plain = renderText(overlap, { color: false });
  const lines = plain.split('\n');

  test('each step: label, what the caller saw, and the internal reason when it differs', () => {
    expect(lines).toContain('1. VHOST_IOTLB_UPDATE asid=0 iova=[0x0000,0x2000) host=h0  = 0');
    expect(lines).toContain('2. VHOST_IOTLB_UPDATE asid=0 iova=[0x1000,0x2000) host=h1  = -EFAULT (vhost: -EEXIST, overlaps [0x0000,0x2000))');
  });

  test('only what changed, layer by layer, with what it was', () => {
    const step2 = lines.slice(lines.findIndex((l) => l.startsWith('2. ')));
    expect(step2).toContain('  userspace   asid 0: [0x0000,0x2000) → h0+, [0x1000,0x2000) → h1+   (was: [0x0000,0x2000) → h0+)');
    // vhost-vdpa and the device did not change at step 2: not repeated.
    expect(step2.filter((l) => l.startsWith('  vhost-vdpa') || l.startsWith('  device'))).toEqual([]);
    const step1 = lines.slice(lines.indexOf('1. VHOST_IOTLB_UPDATE asid=0 iova=[0x0000,0x2000) host=h0  = 0'), lines.findIndex((l) => l.startsWith('2. ')));
    expect(step1.filter((l) => /^ {2}\S/.test(l))).toEqual([
      '  userspace   asid 0: [0x0000,0x2000) → h0+   (was: empty)',
      '  vhost-vdpa  asid 0: [0x0000,0x2000) → h0+   (was: empty)',
      '  device      iommu: [0x0000,0x2000) → h0+   (was: empty)',
    ]);
  });

  test('the calls each step made, indented, and left out on request', () => {
    expect(lines).toContain('     → ops->set_map(asid=0)   [vhost-vdpa → parent]');
    expect(renderText(overlap, { color: false, calls: false })).not.toContain('ops->set_map');
  });

  test('feature bits by name, a new field, and the end: observation then the violated invariant', () => {
    const p = renderText(persist, { color: false }).trimEnd().split('\n');
    expect(p).toContain('  vhost-vdpa  features: IOTLB_BATCH | IOTLB_PERSIST (0x3)   (was: none)');
    expect(p).toContain('  vhost-vdpa  resets: 1   (new)');
    expect(p.slice(-2)).toEqual([
      'Observation: device DMA to IOVA 0x0000 faults (no IOMMU entry)',
      'Violated: kernel-device-agreement: vhost-vdpa holds [0x0000,0x1000) → h0+ but the device IOMMU has empty',
    ]);
  });

  test('plain has no escape codes; colour marks the errno red and the violation bold red', () => {
    expect(plain).not.toContain('\x1b[');
    const colored = renderText(overlap, { color: true });
    expect(colored).toContain('\x1b[31m-EFAULT\x1b[0m');
    expect(colored).toContain('\x1b[32m0\x1b[0m');
    expect(colored).toContain('\x1b[1;31mViolated: user-kernel-agreement\x1b[0m');
    // Without the escapes, the coloured text is the plain text.
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });

  test('colour only on a TTY without NO_COLOR', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(isErrno('-EFAULT') && isErrno('-22') && !isErrno('0') && !isErrno('features=0x3')).toBe(true);
  });
});

describe('viewChanges', () => {
  test('changed, new and removed fields and layers', () => {
    const before = [{ layer: 'a', fields: [{ name: 'x', value: '1' }, { name: 'y', value: '2' }] }, { layer: 'gone', fields: [{ name: 'z', value: '3' }] }];
    const after = [{ layer: 'a', fields: [{ name: 'x', value: '1' }, { name: 'w', value: '4' }] }, { layer: 'b', fields: [{ name: 'y', value: '2' }] }];
    expect(viewChanges(before, after)).toEqual([
      { layer: 'a', name: 'w', after: '4' },
      { layer: 'a', name: 'y', before: '2' },
      { layer: 'b', name: 'y', after: '2' },
      { layer: 'gone', name: 'z', before: '3' },
    ]);
    expect(viewChanges(after, after)).toEqual([]);
  });
});

describe('renderMermaid', () => {
  const m = renderMermaid(persist).split('\n');

  test('participants are the lanes, in order', () => {
    expect(m.slice(0, 5)).toEqual([
      'sequenceDiagram',
      '  participant L0 as userspace',
      '  participant L1 as vhost-vdpa',
      '  participant L2 as parent',
      '  participant L3 as device',
    ]);
  });

  test('each step: its label, its calls as arrows, the ret as a reply; the violation as a note', () => {
    const i = m.indexOf('  Note over L0: 3. vhost_vdpa_reset');
    expect(m.slice(i, i + 5)).toEqual([
      '  Note over L0: 3. vhost_vdpa_reset',
      '  L0->>L1: VHOST_VDPA_SET_STATUS 0',
      '  L1->>L2: ops->reset',
      '  L2->>L3: clear IOMMU',
      '  L1-->>L0: 0',
    ]);
    expect(m).toContain('  Note over L0,L3: VIOLATED kernel-device-agreement: vhost-vdpa holds [0x0000,0x1000) → h0+ but the device IOMMU has empty');
    expect(m).toContain('  Note over L0,L3: observed: device DMA to IOVA 0x0000 faults (no IOMMU entry)');
    expect(renderMermaid(overlap)).toContain('  L1-->>L0: -EFAULT (vhost: -EEXIST, overlaps [0x0000,0x2000))');
  });

  test("Mermaid's separators are escaped", () => {
    expect(mermaidText('a;b #c <d>\ne')).toBe('a#59;b #35;c #60;d> e');
  });
});
