// INV-3: once vhost-vdpa lets go (fd closed, on kernels whose release calls reset_map; or virtio-vdpa
// bound), every group of the parent translates as virtio-vdpa needs: 1:1 (or, for parents whose
// virtio-vdpa path does not use the device translation, nothing of the last user left behind).
import { FAULT, GROUP_NAMES, NP, PAGE, hex, hostName } from '../../spec/vdpa/constants.js';
import type { VdpaInvariant } from './invariant.js';

export const identityAfterDetach: VdpaInvariant = {
  id: 'identity-after-detach',
  title: 'the parent is back on its initial (1:1) map when vhost-vdpa lets go',
  guards: '.reset_map in vhost_vdpa_remove_as (1d0f874bfe78) is "the only means to turn back iotlb to the identity ' +
    'mapping mode after vhost-vdpa is gone" (4398776f7a6d); before 6.7 the bogus .reset did it at virtio-vdpa probe.',
  applies: () => true,
  property: (ctx) => ({
    kind: 'invariant',
    id: 'identity-after-detach',
    check: (w) => {
      // Released: only where release resets the parent's map (a reset_map op called from remove_as);
      // elsewhere the parent gets its map back from virtio-vdpa's probe reset.
      const viaRelease = ctx.kernel.resetMapInRemoveAs && ctx.ops.reset_map !== undefined;
      const detached = w.bound === 'virtio' || (viaRelease && !w.fdOpen);
      if (!detached) return undefined;
      const want = ctx.ops.detachedTarget;
      for (let g = 0; g < ctx.ops.ngroups; g++) {
        for (let p = 0; p < NP; p++) {
          const t = ctx.ops.groupMap(w, g, p);
          if (t === want) continue;
          const who = w.bound === 'virtio' ? 'virtio-vdpa bound' : 'vhost-vdpa released';
          if (want === FAULT && t >= 0) {
            // VDUSE: virtio-vdpa never reads the user map, but the daemon resolves every IOVA through the
            // domain's iotlb, where the stale entry overlaps IOVAs the bounce/coherent allocators hand out
            return {
              message: `${who}: a stale user entry of the last vhost-vdpa user overlaps IOVA ${hex(p * PAGE)}, an IOVA ` +
                `virtio-vdpa can be given (the daemon's IOTLB lookup finds ${hostName(t)}, held by the domain's file reference)`,
              ...(w.bound === 'virtio' ? { observation: `the daemon's VDUSE_IOTLB_GET_FD for IOVA ${hex(p * PAGE)} → ${hostName(t)}` } : {}),
            };
          }
          return {
            message: `${who}: group ${g} (${GROUP_NAMES[g]}) on asid ${w.group2asid[g]} translates IOVA ` +
              `${hex(p * PAGE)} to ${hostName(t)}, virtio-vdpa needs ${hostName(want)}`,
            ...(w.bound === 'virtio'
              ? { observation: `virtio-vdpa DMA by group ${g} to bus address ${hex(p * PAGE)} → ${hostName(t)}` }
              : {}),
          };
        }
      }
      return undefined;
    },
  }),
};
