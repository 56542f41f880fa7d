// The real kernels as the oracle (lab/): shipped sequences run on Linux 6.12 and 6.1 in a QEMU guest
// with vdpa_sim in both mapping modes and VDUSE, every call's return value, pin count and the device's
// translation (lab/device-probe.ts) compared with the model; the matrix's counterexamples on those
// parents (test/lab/traces/matrix, written by `vdpa-mc check --userspace any|qemu --out`) confirmed.
// Needs the lab built (`bash lab/build.sh`; .ci/run does it before the tests): without it this test
// fails, saying so. One guest per kernel, booted once for all its sequences.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { actionFromJson, type Action } from '../../spec/vdpa/actions.js';
import { Guest, readLabManifest } from '../../lab/guest.js';
import { LabSession, labTarget, renderComparison } from '../../lab/conformance.js';
import type { LabParent } from '../../lab/mapping.js';
import { readTraceFile } from '../../traces/files.js';
import { replay, toPlainJson } from '../../traces/replay.js';
import type { TraceModel } from '../../traces/trace-model.js';
import { buildVdpaModel } from '../../systems/vdpa/model.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';
import { labPlan, replayInLab } from '../../lab/confirm.js';
import { traceConfig } from '../../systems/trace-config.js';
import { PROBE } from '../../lab/device-probe.js';

const MATRIX = new URL('./traces/matrix/', import.meta.url).pathname;
/** The device-probe sequence: map, DRIVER_OK, a live remap, a partial INVALIDATE, an ASID switch, a munmap. */
const PROBE_SEQ: Action[] = [
  { t: 'open' }, { t: 'setOwner' }, { t: 'setBackendFeatures', features: 14 },
  { t: 'iotlbUpdate', asid: 0, page: 0, npages: 2, host: 0 },
  { t: 'setStatus', status: 15 },
  { t: 'iotlbUpdate', asid: 0, page: 2, npages: 1, host: 3 },
  { t: 'iotlbInvalidate', asid: 0, page: 0, npages: 1 },
  { t: 'iotlbUpdate', asid: 1, page: 1, npages: 1, host: 2 },
  { t: 'setGroupAsid', group: 0, asid: 1 },
  { t: 'userFree', host: 2 },
];

interface Shipped { readonly name: string; readonly actions: readonly Action[] }
const file = JSON.parse(readFileSync(new URL('./sequences.json', import.meta.url), 'utf8')) as { sequences: { name: string; actions: unknown[] }[] };
const shipped: Shipped[] = file.sequences.map((s) => ({ name: s.name, actions: s.actions.map((a) => actionFromJson(a)!) }));

test('the lab is built (run `bash lab/build.sh` as root; .ci/run does)', () => {
  const m = readLabManifest();
  expect(typeof m === 'string' ? m : 'built').toBe('built');
});

for (const kernel of ['6.12', '6.1'] as const) {
  describe(`Linux ${kernel} in the lab`, () => {
    let session: LabSession | undefined;
    beforeAll(async () => {
      if (typeof readLabManifest() === 'string') return;
      session = new LabSession(await Guest.boot(kernel));
    }, 120_000);
    afterAll(async () => { await session?.guest.shutdown(); }, 180_000);

    for (const parent of ['vdpa_sim', 'vdpa_sim_dma', 'vduse'] as LabParent[]) {
      test(`${parent}: every shipped sequence returns and pins what the model says`, async () => {
        expect(session, 'the lab is not built: run `bash lab/build.sh`').toBeDefined();
        const t = labTarget(kernel, parent);
        for (const s of shipped) {
          const c = await session!.compare(t, s.actions);
          expect(c.firstDifference, `${s.name}\n${renderComparison(c).join('\n')}`).toBeUndefined();
          expect(c.steps.length).toBe(s.actions.length);
        }
      }, 120_000);
    }

    const matrix = readdirSync(MATRIX).filter((f) => f.startsWith(`${kernel}-`) && f.endsWith('.itf.json')).sort();
    test(`the matrix's ${matrix.length} counterexamples on ${kernel}'s lab parents are confirmed (returns, pins, device)`, async () => {
      expect(session).toBeDefined();
      expect(matrix.length).toBeGreaterThanOrEqual(kernel === '6.12' ? 15 : 10);
      const verdicts: string[] = [];
      for (const f of matrix) {
        const r = await readTraceFile(join(MATRIX, f));
        if (!r.ok) throw new Error(r.error);
        const rr = await replayInLab(session!, r.trace, labPlan(r.trace, traceConfig(r.trace, {}, { from: dirname(join(MATRIX, f)) }), f));
        verdicts.push(`${f}: ${rr.verdict}${rr.verdict === 'differs' ? `\n${renderComparison(rr.comparison).join('\n')}` : ''}`);
      }
      expect(verdicts.filter((v) => !v.endsWith(': confirmed'))).toEqual([]);
    }, 240_000);

    test('the device translates as measured: a live remap, a partial INVALIDATE, an ASID switch, a munmapped page', async () => {
      expect(session).toBeDefined();
      const seen = async (parent: LabParent): Promise<string[]> => {
        const c = await session!.compare(labTarget(kernel, parent), PROBE_SEQ);
        expect(c.firstDifference, renderComparison(c).join('\n')).toBeUndefined();
        return c.steps.map((st) => (st.device !== undefined && 'probes' in st.device ? st.device.probes.map((p) => p.observed).join(',') : '-'));
      };
      const F = PROBE.fault;
      const E = PROBE.elsewhere;
      // PA mode: after DRIVER_OK 0,1 → h0,h1; the remap adds 2 → h3; INVALIDATE of page 0 drops the whole
      // h0,h1 entry (contiguous pages: one entry); ASID 1 has 1 → h2; after munmap h2 is out of the agent's reach
      const pa = ['-', '-', '-', '-', `0,1,${F},${F}`, `0,1,3,${F}`, `${F},${F},3,${F}`, `${F},${F},3,${F}`, `${F},2,${F},${F}`, `${F},${E},${F},${F}`];
      expect(await seen('vdpa_sim')).toEqual(pa);
      expect(await seen('vdpa_sim_dma')).toEqual(pa);
      if (kernel === '6.12') {
        // VA mode: one VMA, so the UPDATE of h0,h1 is one entry too; the munmapped page faults (through the mm)
        expect(await seen('vdpa_sim_va')).toEqual([...pa.slice(0, 9), `${F},${F},${F},${F}`]);
      }
    }, 120_000);

    test('the device comparison can fail: a model whose device translates page p as p+1', async () => {
      expect(session).toBeDefined();
      const t = labTarget(kernel, 'vdpa_sim');
      const ops = t.ctx.ops;
      const wrong = { ...t, ctx: { ...t.ctx, ops: { ...ops, translate: (w: Parameters<typeof ops.translate>[0], g: number, p: number) => ops.translate(w, g, (p + 1) % 4) } } };
      const c = await session!.compare(wrong, PROBE_SEQ.slice(0, 5));
      expect(c.firstDifference).toBe(5);
      expect(c.steps[4]!.difference).toMatch(/the device took IOVA 0x0 \(asid 0\) to h0, model h1/);
    }, 180_000);

    if (kernel === '6.12') {
      test('the shipped kernel-device-agreement counterexample is confirmed: every step agrees, and the model violates it', async () => {
        expect(session).toBeDefined();
        const r = await readTraceFile(new URL('./traces/6.12-vdpa_sim-kernel-device-agreement.itf.json', import.meta.url).pathname);
        if (!r.ok) throw new Error(r.error);
        const actions = r.trace.steps.map((st) => actionFromJson(toPlainJson(st.action))!);
        const t = labTarget('6.12', 'vdpa_sim');
        const c = await session!.compare(t, actions);
        expect(c.firstDifference, renderComparison(c).join('\n')).toBeUndefined();
        const invs = VDPA_INVARIANTS.filter((i) => i.applies(t.ctx));
        const m = buildVdpaModel(t.ctx, t.userspace, invs) as unknown as TraceModel<unknown, unknown>;
        expect(replay(r.trace, m).violations.map((v) => v.propertyId)).toContain('kernel-device-agreement');
      }, 180_000);
    }

    test('the vring ioctls: owner check, -ENOBUFS past the queues, and (6.12) -EINVAL at DRIVER_OK unless suspended, as the model says', async () => {
      expect(session).toBeDefined();
      const t = labTarget(kernel, 'vdpa_sim');
      const seq: Action[] = [
        { t: 'open' }, { t: 'setVringBase', vq: 2 }, { t: 'setOwner' }, { t: 'setBackendFeatures', features: 14 },
        { t: 'iotlbUpdate', asid: 0, page: 0, npages: 2, host: 0 },
        { t: 'setVringAddr', vq: 2 }, { t: 'setVringEnable', vq: 2, ready: 1 }, { t: 'setStatus', status: 15 },
        { t: 'setVringAddr', vq: 2 }, { t: 'suspend' }, { t: 'setVringBase', vq: 2 }, { t: 'resume' },
        { t: 'setVringBase', vq: 2 }, { t: 'setVringBase', vq: 3 },
      ];
      const before = session!.probesSkippedForVrings;
      const c = await session!.compare(t, seq);
      expect(c.firstDifference, renderComparison(c).join('\n')).toBeUndefined();
      // what the kernel answered (measured): 6.1 has no DRIVER_OK check (vdpa.c 6.1 l.590-607), and no RESUME (D1)
      expect(c.steps.map((st) => st.kernel.ret)).toEqual(kernel === '6.12'
        ? ['0', '-EPERM', '0', '0', '0', '0', '0', '0', '-EINVAL', '0', '0', '0', '-EINVAL', '-ENOBUFS']
        : ['0', '-EPERM', '0', '0', '0', '0', '0', '0', '0', '0', '0', '-EFAULT', '0', '-ENOBUFS']);
      // the CVQ's rings are not the probe's: the device is still probed after its ADDR (step 9), none skipped
      expect(c.steps[8]!.device, renderComparison(c).join('\n')).toHaveProperty('probes');
      expect(session!.probesSkippedForVrings).toBe(before);
    }, 180_000);

    test('a sequence\'s own vring ioctl on RX skips the device probe (counted), returns still compared; a model without v6.8\'s check fails on 6.12', async () => {
      expect(session).toBeDefined();
      const t = labTarget(kernel, 'vdpa_sim');
      const seq: Action[] = [
        { t: 'open' }, { t: 'setOwner' }, { t: 'setBackendFeatures', features: 14 }, { t: 'iotlbUpdate', asid: 0, page: 0, npages: 2, host: 0 },
        { t: 'setStatus', status: 15 }, { t: 'setVringAddr', vq: 0 }, { t: 'setVringBase', vq: 2 },
      ];
      const before = session!.probesSkippedForVrings;
      const c = await session!.compare(t, seq);
      const table = renderComparison(c).join('\n');
      expect(c.firstDifference, table).toBeUndefined();
      expect(c.steps[4]!.device, table).toHaveProperty('probes');
      // 6.12 refuses the ADDR (DRIVER_OK, not suspended), 6.1 takes it: the probe steps aside either way
      expect(c.steps[5]!.kernel.ret).toBe(kernel === '6.12' ? '-EINVAL' : '0');
      for (const i of [5, 6]) expect(c.steps[i]!.device, table).toEqual({ skipped: expect.stringMatching(/^step 6 .*VHOST_SET_VRING_ADDR.* set up the probe's rings$/) as unknown });
      expect(session!.probesSkippedForVrings - before).toBe(2);
      if (kernel === '6.12') {
        const old = { ...t, ctx: { ...t.ctx, kernel: { ...t.kernel, suspendTracked: false } } };
        const d = await session!.compare(old, seq.slice(0, 6));
        expect(d.firstDifference, renderComparison(d).join('\n')).toBe(6);
        expect(d.steps[5]!.difference).toMatch(/returned -EINVAL, model 0/);
      }
    }, 180_000);

    test('D2, fixed: an UPDATE of size 0 is -EINVAL on the kernel and in the model, owner or not (lab/DISCREPANCIES.md)', async () => {
      expect(session).toBeDefined();
      const size0 = { t: 'iotlbUpdate', asid: 0, page: 0, npages: 0, host: 0 } as const;
      for (const seq of [[{ t: 'open' }, { t: 'setOwner' }, size0], [{ t: 'open' }, size0]] as const) {
        const c = await session!.compare(labTarget(kernel, 'vdpa_sim'), seq);
        expect(c.firstDifference, renderComparison(c).join('\n')).toBeUndefined();
        expect(c.steps.length).toBe(seq.length);
      }
    }, 180_000);

    test('the comparison can fail: a model told the wrong parent (set_map vs dma_map pins alike, so: 6.1 RESUME as 6.12 has it)', async () => {
      expect(session).toBeDefined();
      // the other way round of D1: the 6.12 model's RESUME (0 without DRIVER_OK) against 6.1's kernel, and back
      const other = labTarget(kernel === '6.1' ? '6.12' : '6.1', 'vdpa_sim');
      const mine = labTarget(kernel, 'vdpa_sim');
      const seq: Action[] = [{ t: 'open' }, { t: 'setOwner' }, { t: 'resume' }];
      await session!.compare(mine, []); // load this kernel's parent
      const c = await session!.compare({ ...other, parent: mine.parent, kernelName: mine.kernelName, kernel: { ...other.kernel, featureBits: mine.kernel.featureBits } }, seq);
      expect(c.firstDifference).toBe(3);
      expect(c.steps[2]!.difference).toMatch(kernel === '6.1' ? /returned -EFAULT, model 0/ : /returned 0, model -EFAULT/);
    }, 180_000);
  });
}
