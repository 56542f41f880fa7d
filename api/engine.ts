// `vdpa-mc/engine`: the explorer on its own, for any model (it knows nothing of vDPA).
// A model is init, actions, next, properties and a label (Stateright's Model trait); explore()
// runs a bounded exhaustive BFS and returns statistics and the shortest counterexamples.
export { explore } from '../explorer/bfs.js';
export type { Invariant, Model, Property, StepProperty, Violation } from '../explorer/model.js';
export type {
  ActionCoverage, ExploreOptions, ExploreResult, FoundViolation, Progress, Stats, StopReason,
} from '../explorer/explore-api.js';
export { s, type Schema } from '../explorer/schema.js';
