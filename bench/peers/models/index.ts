// The peer-benchmark models by a plain-data description (what the runner passes to its child process).
import type { Model } from '../../../explorer/model.js';
import { mapChangeModel, type MapChangeMode } from './mapchange.js';
import { vdpaCoreModel, type CoreParent } from './vdpa-core.js';

export type PeerModelSpec =
  | { readonly kind: 'mapchange'; readonly pages: number; readonly mode: MapChangeMode }
  | { readonly kind: 'vdpa-core'; readonly pages: number; readonly parent: CoreParent; readonly cleanMap: boolean };

/** The explorer model for a spec; worlds and actions are opaque to the runner. */
export function buildPeerModel(spec: PeerModelSpec): Model<unknown, number> {
  // Model<S, A> is invariant in S; the runner only hands worlds back to the same model.
  if (spec.kind === 'mapchange') return mapChangeModel(spec) as unknown as Model<unknown, number>;
  return vdpaCoreModel(spec) as unknown as Model<unknown, number>;
}
