// The real kernels as the oracle (lab/): shipped sequences run on Linux 6.12 and 6.1 in a QEMU guest
// with vdpa_sim in both mapping modes, every call's return value and pin count compared with the
// model. Needs the lab built (`bash lab/build.sh`; .ci/run does it before the tests): without it this
// test fails, saying so. One guest per kernel, booted once for all its sequences.
import { readFileSync } from 'node:fs';
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
    afterAll(async () => { await session?.guest.shutdown(); }, 30_000);

    for (const parent of ['vdpa_sim', 'vdpa_sim_dma'] as LabParent[]) {
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
      }, 60_000);
    }

    test('D2, fixed: an UPDATE of size 0 is -EINVAL on the kernel and in the model, owner or not (lab/DISCREPANCIES.md)', async () => {
      expect(session).toBeDefined();
      const size0 = { t: 'iotlbUpdate', asid: 0, page: 0, npages: 0, host: 0 } as const;
      for (const seq of [[{ t: 'open' }, { t: 'setOwner' }, size0], [{ t: 'open' }, size0]] as const) {
        const c = await session!.compare(labTarget(kernel, 'vdpa_sim'), seq);
        expect(c.firstDifference, renderComparison(c).join('\n')).toBeUndefined();
        expect(c.steps.length).toBe(seq.length);
      }
    }, 60_000);

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
    }, 60_000);
  });
}
