// What `vdpa-mc conform` draws from: userspace `any`'s alphabet less what the lab cannot do (rebinding,
// fault injection: lab/mapping.ts agentCommand), plus the vring ioctls on every parent of the lab.
// `any` has them only where the parent keeps something of them (mlx5's ring fields and CVQ), since
// elsewhere they change no world; their return values still are the kernel's to check: the owner check,
// idx >= nvqs → -ENOBUFS, and v6.8+'s -EINVAL at DRIVER_OK unless suspended (vdpa.c 6.12 l.684-685,
// 778-791).
import type { Action } from '../spec/vdpa/actions.js';
import type { VdpaKernel } from '../spec/vdpa/kernels.js';
import { anyAlphabet } from '../model/userspace-any.js';
import { DEFAULT_NVQS } from '../model/parents/ops.js';
import type { VdpaCtx } from '../model/context.js';
import { agentCommand } from './mapping.js';

/**
 * The vring letters: ADDR and BASE on queue 0 (RX: the device probe's own ring, lab/device-probe.ts
 * PROBE_QUEUES) and on the last queue (vdpa_sim_net's CVQ, VDUSE's TX), ENABLE of the last queue (as
 * `any` has it), and BASE on the first index past the queues (-ENOBUFS).
 */
export function vringLetters(ctx: VdpaCtx): Action[] {
  const nvqs = ctx.ops.nvqs ?? DEFAULT_NVQS;
  return [
    { t: 'setVringAddr', vq: 0 }, { t: 'setVringBase', vq: 0 },
    { t: 'setVringAddr', vq: nvqs - 1 }, { t: 'setVringBase', vq: nvqs - 1 },
    { t: 'setVringEnable', vq: nvqs - 1, ready: 1 },
    { t: 'setVringBase', vq: nvqs },
  ];
}

/** `any`'s alphabet as the lab can run it, with the vring letters (each letter once). */
export function labAlphabet(ctx: VdpaCtx, k: VdpaKernel): Action[] {
  const out: Action[] = [];
  const seen = new Set<string>();
  for (const a of [...anyAlphabet(ctx), ...vringLetters(ctx)]) {
    const key = JSON.stringify(a);
    if (seen.has(key) || typeof agentCommand(a, k) !== 'string') continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}
