// INV-5: the backend features acked are a subset of those GET_BACKEND_FEATURES offers, and DESC_ASID
// comes with IOTLB_ASID.
import { bit } from '../../spec/vdpa/constants.js';
import { featureHex, featureNames } from '../../spec/vdpa/actions.js';
import { offeredFeatures } from '../../spec/vdpa/transitions.js';
import type { VdpaInvariant } from './invariant.js';

export const featureNegotiation: VdpaInvariant = {
  id: 'feature-negotiation',
  title: 'acked backend features were offered',
  guards: 'VHOST_SET_BACKEND_FEATURES checks each bit against what the parent supports; RFC v2 4/4 pasted the ' +
    'IOTLB_PERSIST check inside the DESC_ASID if (K1), and ENABLE_AFTER_DRIVER_OK is accepted unchecked.',
  judgesMisuse: true,
  applies: () => true,
  property: (ctx) => {
    const offered = offeredFeatures(ctx.kernel, ctx.ops);
    const bits = ctx.kernel.featureBits;
    return {
      kind: 'invariant',
      id: 'feature-negotiation',
      check: (w) => {
        if (!w.fdOpen) return undefined;
        const extra = w.acked & ~offered;
        if (extra !== 0) {
          return {
            message: `vhost-vdpa acked ${featureHex(extra, bits)} ${featureNames(extra)} that GET_BACKEND_FEATURES ` +
              `does not offer (offered ${featureHex(offered, bits)} ${featureNames(offered)})`,
            observation: `ioctl(VHOST_GET_BACKEND_FEATURES) = ${featureHex(offered, bits)}`,
          };
        }
        if ((w.acked & bit('DESC_ASID')) !== 0 && (w.acked & bit('IOTLB_ASID')) === 0) {
          return { message: 'DESC_ASID acked without IOTLB_ASID' };
        }
        return undefined;
      },
    };
  },
};
