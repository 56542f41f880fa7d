// The shape of a vDPA invariant module: id, title, the kernel behaviour it guards, when it applies,
// and the property itself (over a world, or over a step).
import type { Property } from '../../explorer/model.js';
import type { VdpaCtx } from '../../model/context.js';
import type { Action } from '../../spec/vdpa/actions.js';
import type { InvariantId } from '../../spec/config.js';
import type { World } from '../../spec/vdpa/world.js';

export interface VdpaInvariant {
  readonly id: InvariantId;
  readonly title: string;
  /** The kernel behaviour it guards, one paragraph. */
  readonly guards: string;
  applies(ctx: VdpaCtx): boolean;
  property(ctx: VdpaCtx): Property<World, Action>;
  /**
   * Optional: the disagreement to walk back on when looking for a violation's cause
   * (systems/vdpa/cause.ts), when it starts before the invariant itself can see it (a page unpinned
   * while the device still reaches it, seen by dma-isolation only once userspace frees the page).
   */
  causeProbe?(ctx: VdpaCtx): (w: World) => string | undefined;
  /**
   * The property is about how the kernel answers a request the contract forbids (a feature it did
   * not offer): its violations are never the contract's, whatever clause the request breaks.
   */
  readonly judgesMisuse?: true;
  /**
   * The property must still hold after a failure the kernel reported (a pin left without an iotlb
   * entry is one userspace can never release; a device reaching an unpinned page is unsafe whatever
   * the errno said): its violations are the kernel's error path, never the environment's.
   */
  readonly judgesErrorPaths?: true;
}
