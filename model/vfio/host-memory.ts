// Host pages: who holds them. A page stays the process's while it maps it or VFIO holds a pin
// taken on its behalf; once neither holds it (or VFIO dropped a reference it never took: the
// refcount went below its holders, a use-after-free), it goes back to the allocator.
import type { VfioWorld } from '../../spec/vfio/world.js';

export function releaseIfUnheld(x: VfioWorld, h: number): void {
  if (x.owner[h] !== 'proc') return;
  if (x.pins[h]! < 0 || (x.pins[h] === 0 && !x.vmap.includes(h))) x.owner[h] = 'freed';
}
