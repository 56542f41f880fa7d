// Every vDPA invariant both ways: a configuration where it must be violated (with the expected
// shortest trace length) and one where it must hold (to the depth given, or exhausted). K2, K4 and K6
// with QEMU as the userspace are in test/qemu/.
import { describe, expect, test } from 'vitest';
import type { InvariantId, ParentName } from '../../spec/config.js';
import { checkVdpa } from './helpers.js';

interface Case {
  readonly id: InvariantId;
  readonly violated: readonly [kernel: string, parent: ParentName, depth: number, length: number, why: RegExp, exclude?: readonly string[]];
  readonly holds: readonly [kernel: string, parent: ParentName, depth: number, userspace?: string];
}

const CASES: readonly Case[] = [
  // whole-entry invalidation: INVALIDATE [0x0,0x1000) drops the entry [0x0,0x2000)
  // ... and QEMU never invalidates part of what it mapped in one UPDATE
  { id: 'user-kernel-agreement', violated: ['6.12', 'platform', 4, 4, /IOVA 0x1000: userspace believes h1/], holds: ['6.12', 'mlx5', 120, 'qemu'] },
  { id: 'kernel-device-agreement', violated: ['6.6', 'vdpa_sim', 5, 5, /device translates/], holds: ['6.12', 'platform', 6] },
  // RFC mlx5 reset_map restores the data MR but leaves the CVQ iotlb on the user's map (allocation
  // faults left out: with them, mlx5's reset swallows a failed DMA MR, see test/vdpa/mlx5.test.ts)
  { id: 'identity-after-detach', violated: ['rfc-v3', 'mlx5', 4, 4, /cvq/, ['parentFault']], holds: ['6.12', 'vdpa_sim', 6] },
  // K4 on a platform IOMMU: flush then add inside one batch
  { id: 'no-dma-window', violated: ['6.12', 'platform', 8, 8, /unmapped in between/], holds: ['6.12', 'vduse', 8] },
  { id: 'feature-negotiation', violated: ['6.12', 'platform', 2, 2, /ENABLE_AFTER_DRIVER_OK/], holds: ['6.12', 'mlx5', 3] },
  // (platform with `any` is violated since the unpin-before-unmap window is modelled: test/vdpa/error-paths.test.ts)
  { id: 'dma-isolation', violated: ['6.6', 'mlx5', 5, 5, /1:1 map/], holds: ['6.12', 'platform', 120, 'qemu'] },
  // VDUSE keeps the last user's map after release; virtio-vdpa's device reaches pages nobody holds
  // vhost_vdpa_pa_map's rest chunk stays pinned when a run of its batch was mapped and the rest fails
  // (VDUSE's stale map is held by the domain's own file references: no longer a violation here)
  { id: 'pin-accounting', violated: ['6.12', 'vdpa_sim_dma', 4, 4, /h3 is pinned 1 times, vhost-vdpa's iotlb maps it 0 times/], holds: ['6.12', 'vduse', 8] },
  // the strict form: on-chip parents keep their 1:1 map (vdpa_sim's passthrough, mlx5's DMA MR) until the
  // first set_map, and vhost_vdpa_open's reset keeps it (flags 0): DRIVER_OK before any UPDATE runs the
  // device on host physical memory. A platform IOMMU parent gets an empty domain at open.
  { id: 'dma-isolation-strict', violated: ['6.12', 'vdpa_sim', 2, 2, /reaches host physical memory through the 1:1 map/], holds: ['6.12', 'platform', 120, 'qemu'] },
  // an address space removed once empty (before c82729e06644): the next INVALIDATE of it gets -EINVAL
  { id: 'errno-expectation', violated: ['examples/variants/remove-as-when-empty.ts', 'vdpa_sim', 4, 4, /is well-formed here, but the kernel would answer -EFAULT \(-EINVAL: no iotlb for asid 0\)/], holds: ['6.12', 'vdpa_sim', 5] },
  // mlx5 data VQs keep the MR they were created with when the data group moves while running
  { id: 'asid-routing', violated: ['6.12', 'mlx5', 4, 4, /hardware VQs still use/], holds: ['6.12', 'vdpa_sim', 6] },
];

describe.each(CASES)('$id', ({ id, violated, holds }) => {
  test(`violated: --kernel ${violated[0]} --parent ${violated[1]} --userspace any, shortest trace ${violated[3]}`, async () => {
    const [kernel, parent, depth, length, why, exclude = []] = violated;
    const r = await checkVdpa(kernel, parent, 'any', id, depth, exclude);
    expect(r.violated).toBe(true);
    expect(r.length).toBe(length);
    expect(r.message).toMatch(why);
  });
  const [kernel, parent, depth, userspace = 'any'] = holds;
  test(`holds: --kernel ${kernel} --parent ${parent} --userspace ${userspace} to depth ${depth}`, async () => {
    const r = await checkVdpa(kernel, parent, userspace, id, depth);
    expect(r.violated).toBe(false);
    expect(r.stoppedBy).toMatch(/max-depth|exhausted/);
  });
});
