// mlx5's own rows in a trace's parent/device layer: the CVQ iotlb, the MR objects, the data VQs and
// what they reference (the view is the parent's, so systems/vdpa/view.ts needs no mlx5 branch).
import { NAS } from '../../spec/vdpa/constants.js';
import type { VdpaKernel } from '../../spec/vdpa/kernels.js';
import type { World } from '../../spec/vdpa/world.js';
import { VQ_STATE_NAMES, mrName } from './mlx5-mr.js';
import { renderPages } from './render.js';

export function mlx5ViewRows(k: VdpaKernel, w: World): { name: string; value: string }[] {
  const rows: { name: string; value: string }[] = [{ name: 'cvq.iotlb', value: renderPages(w.cvqMap, 0) }];
  for (let a = 0; a < (k.mlx5PerAsidMr ? NAS : 1); a++) {
    rows.push({ name: k.mlx5PerAsidMr ? `mr[${a}]` : 'mvdev->mr', value: mrName(w, w.mrRef[a]!) });
  }
  const marks = [w.mkeyPending & 1 ? 'mkey' : '', w.mkeyPending & 2 ? 'desc mkey' : ''].filter((m) => m !== '').join('+');
  const pending = (marks === '' ? '' : `, marked for re-pointing (${marks})`) + (w.mkeyPending & 4 ? ', ring fields modified' : '');
  rows.push({
    name: 'data VQs',
    value: w.vqState === 0 ? 'none'
      : `${VQ_STATE_NAMES[w.vqState]}, vq_mr ${mrName(w, w.vqRef[0]!)}, desc ${w.vqRef[1]! < 0 ? 'on the data mkey' : mrName(w, w.vqRef[1]!)}${pending}`,
  });
  rows.push({ name: 'cvq.ready', value: w.cvqReady ? 'yes' : 'no' });
  return rows;
}
