// INV-1: what userspace believes is mapped is what vhost-vdpa's iotlb holds, page by page, per ASID.
import { NP, PAGE, hex, hostName } from '../../spec/vdpa/constants.js';
import { expand } from '../../model/vhost-iotlb.js';
import type { VdpaInvariant } from './invariant.js';

export const userKernelAgreement: VdpaInvariant = {
  id: 'user-kernel-agreement',
  title: 'userspace and vhost-vdpa agree on every IOTLB map',
  guards: 'vhost_vdpa_process_iotlb_msg: an UPDATE adds exactly its range, an INVALIDATE removes exactly its range ' +
    '(the kernel removes whole entries, vhost_vdpa_unmap), a failed write changes nothing userspace can see.',
  applies: () => true,
  property: (ctx) => ({
    kind: 'invariant',
    id: 'user-kernel-agreement',
    check: (w) => {
      if (!w.fdOpen) return undefined;
      for (let a = 0; a < ctx.ops.nas; a++) {
        for (let p = 0; p < NP; p++) {
          const u = w.uMap[a * NP + p]!;
          const k = expand(w, a, p);
          if ((u < 0 ? -1 : u) !== (k < 0 ? -1 : k)) {
            return {
              message: `asid ${a} IOVA ${hex(p * PAGE)}: userspace believes ${u < 0 ? 'unmapped' : hostName(u)}, ` +
                `vhost-vdpa's iotlb has ${k < 0 ? 'no entry' : hostName(k)}`,
            };
          }
        }
      }
      return undefined;
    },
  }),
};
