// Parent names of the command line → ops tables for a kernel.
import { UsageError, VDPA_PARENTS } from '../../spec/config.js';
import { mlx5 } from '../../model/parents/mlx5.js';
import type { VdpaConfigOps } from '../../model/parents/ops.js';
import { platformIommu } from '../../model/parents/platform-iommu.js';
import { vdpaSim } from '../../model/parents/vdpa-sim.js';
import { vduse } from '../../model/parents/vduse.js';
import type { VdpaKernel } from '../../spec/vdpa/kernels.js';
import { parentsOf } from './registry.js';

/** The parent's ops table for kernel `k`, with a variant's parent hook applied (systems/vdpa/variant.ts). */
export function makeParent(name: string, k: VdpaKernel): VdpaConfigOps {
  const ops = shippedParent(name, k);
  return k.parentOverride === undefined ? ops : k.parentOverride(ops, name);
}

function shippedParent(name: string, k: VdpaKernel): VdpaConfigOps {
  switch (name) {
    case 'mlx5': return mlx5(k);
    case 'vdpa_sim': return vdpaSim(k, true);
    case 'vdpa_sim_dma': return vdpaSim(k, false);
    case 'vdpa_sim_va':
      if (!parentsOf(k).includes('vdpa_sim_va')) throw new UsageError(`--parent vdpa_sim_va: vdpa_sim has no use_va in ${k.name} (accepted there: ${parentsOf(k).join(', ')})`);
      return vdpaSim(k, true, true);
    case 'platform': return platformIommu();
    case 'vduse': return vduse();
    default: throw new UsageError(`--parent ${name}: unknown (accepted: ${VDPA_PARENTS.join(', ')})`);
  }
}
