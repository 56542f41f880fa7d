// virtio-vdpa (drivers/virtio/virtio_vdpa.c): the kernel's own bus driver. It resets with flags 0,
// never maps, and hands the device DMA-API addresses, so an on-chip IOMMU must translate 1:1.
import { S_ACKNOWLEDGE, S_DRIVER, S_DRIVER_OK, S_FEATURES_OK } from '../spec/vdpa/constants.js';
import type { World } from '../spec/vdpa/world.js';
import { call, LANE_PARENT } from './call-log.js';
import { OK, type CallResult, type VdpaCtx } from './context.js';
import { vdpa_reset } from './vdpa-bus.js';

// virtio_vdpa_probe (drivers/virtio/virtio_vdpa.c, v6.1+): vdpa_reset(vdpa, 0), then virtio-net
// negotiates and sets DRIVER_OK; its DMA addresses come from the DMA API (identity for on-chip parents)
export function virtio_vdpa_probe(ctx: VdpaCtx, d: World): CallResult {
  d.bound = 'virtio';
  vdpa_reset(ctx, d, 0);
  ctx.ops.set_status(d, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
  call(LANE_PARENT, LANE_PARENT, 'virtnet_probe', { note: 'status = DRIVER_OK' });
  return OK;
}

// virtio_vdpa_remove → virtio-net remove → vdpa_reset(vdpa, 0) (v6.1+); then vhost_vdpa_probe
export function virtio_vdpa_remove(ctx: VdpaCtx, d: World): CallResult {
  vdpa_reset(ctx, d, 0);
  d.bound = 'vhost';
  return OK;
}
