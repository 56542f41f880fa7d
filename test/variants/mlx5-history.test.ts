// mlx5's history as variant knobs (spec/vdpa/kernels.ts): each pre-fix behaviour written as an example
// variant (examples/variants/mlx5-*.ts) and found by the model, while the kernel with the fix is not.
import { describe, expect, test } from 'vitest';
import { run } from '../cli/helpers.js';
import { compareJson, example } from './helpers.js';

interface CheckJson { verdict: string; violations: { invariant?: string; id?: string; length: number; message?: string }[] }

describe('QEMU finds the two 6.1 mlx5 fixes missing (CVQ on ASID 1, RAM updates on ASID 0)', () => {
  // 9ee811009ad8 "vdpa/mlx5: Fix mr->initialized semantics", ad03a0f44cdb "vdpa/mlx5: Delete control vq
  // iotlb in destroy_mr only when necessary": without them QEMU's next RAM set_map prunes the CVQ iotlb.
  for (const [file, len] of [['mlx5-cvq-pruned-on-change-map.ts', 17], ['mlx5-shared-initialized.ts', 13]] as const) {
    test(`${file}: kernel-device-agreement, the CVQ faults on what vhost-vdpa mapped (${len} steps)`, async () => {
      // the CVQ fixes are about kernel-device-agreement (pin-accounting also breaks with QEMU: K-list, in-batch unpin)
      const r = await run(['check', '--kernel', example(file), '--parent', 'mlx5', '--userspace', 'qemu', '--invariants', 'kernel-device-agreement', '--json']);
      expect(r.code).toBe(12);
      const j = JSON.parse(r.stdout) as CheckJson;
      expect(j.violations).toHaveLength(1);
      expect(j.violations[0]!.length).toBe(len);
      expect(JSON.stringify(j.violations[0])).toMatch(/group 1 \(cvq\) on asid 1.*the device translates to fault/);
    });
  }
  test('6.1 with both fixes: kernel-device-agreement holds for QEMU', async () => {
    const r = await run(['check', '--kernel', '6.1', '--parent', 'mlx5', '--userspace', 'qemu', '--invariants', 'kernel-device-agreement', '--json']);
    expect(r.code).toBe(0);
  });
});

describe('5dc31bd245a4 "vdpa/mlx5: Update cvq iotlb mapping on ASID change"', () => {
  test('without it, a CVQ moved to an ASID with an MR keeps the old map: compare shows the DMA difference', async () => {
    const exclude = 'parentFault,iotlbInvalidate,setGroupAsid(group=0),setGroupAsid(group=2),suspend,resume,setStatus(status=0),close,bindVirtio,bindVhost,userFree';
    const { ran, json } = await compareJson([
      '--base', '6.12', '--patched', example('mlx5-no-cvq-refresh-on-asid-change.ts'), '--parent', 'mlx5',
      '--userspace', 'any', '--max-depth', '6', '--exclude-actions', exclude,
    ]);
    // the variant takes a fix out: new causes under kernel-device-agreement (violated on both
    // sides) are a regression, exit 12, and each is the CVQ's set_group_asid
    expect(ran.code).toBe(12);
    const regressed = json.causes.filter((c) => c.change === 'regressed');
    expect(regressed.some((c) => c.invariant === 'kernel-device-agreement')).toBe(true);
    for (const c of regressed) expect(c.cause).toMatch(/^setGroupAsid → ops->set_group_asid\(group=1, /);
    const d = json.differences.find((x) => x.kind === 'dma' && x.base.includes('group 1 (cvq)'));
    expect(d).toBeDefined();
    expect(d!.base).toMatch(/→ h0$/); // 6.12: refreshed from mr[1]
    expect(d!.patched).toMatch(/→ 1:1$/); // the variant: still ASID 0's DMA map
    expect(d!.steps.map((s) => s.action)).toEqual(['open', 'setOwner', 'setBackendFeatures', 'setStatus', 'iotlbUpdate', 'setGroupAsid']);
  });
});
