// What every VFIO invariant file exports: the explorer's Invariant plus a title and the kernel
// behaviour it guards (for `list invariants` and reports).
import type { Invariant } from '../../explorer/model.js';
import type { InvariantId } from '../../spec/config.js';
import type { VfioWorld } from '../../spec/vfio/world.js';

export interface VfioInvariant extends Invariant<VfioWorld> {
  readonly id: InvariantId;
  readonly title: string;
  readonly guards: string;
}
