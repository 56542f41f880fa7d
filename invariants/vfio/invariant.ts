// The shape of a VFIO invariant module, as vDPA's (invariants/vdpa/invariant.ts): id, title, the
// kernel behaviour it guards, when it applies, and the property itself.
import type { Property } from '../../explorer/model.js';
import type { VfioCtx } from '../../spec/vfio/context.js';
import type { VfioAction } from '../../spec/vfio/actions.js';
import type { InvariantId } from '../../spec/config.js';
import type { VfioWorld } from '../../spec/vfio/world.js';

export interface VfioInvariant {
  readonly id: InvariantId;
  readonly title: string;
  /** The kernel behaviour it guards, one paragraph. */
  readonly guards: string;
  applies(ctx: VfioCtx): boolean;
  property(ctx: VfioCtx): Property<VfioWorld, VfioAction>;
}
