// The last step of a search (TLC's final report): statistics, coverage and warnings from the
// counters both engines keep.
import type { ActionCoverage, ExploreResult, FoundViolation, Stats, StopReason } from './explore-api.js';

/** What a search counts while it runs (plain numbers and arrays, so a checkpoint can save them). */
export interface Counters {
  /** Generated successors (transitions). */
  transitions: number;
  /** Deepest level holding a stored world. */
  depth: number;
  /** Per action kind: how often enabled, how often it led to a new world. */
  readonly enabled: Float64Array;
  readonly newStates: Float64Array;
  /** With sleep sets (explorer/sleep.ts): listed actions skipped as asleep; undefined without them. */
  asleep?: number;
}

export function newCounters(kinds: number, sleepSets = false): Counters {
  return { transitions: 0, depth: 0, enabled: new Float64Array(kinds), newStates: new Float64Array(kinds), ...(sleepSets ? { asleep: 0 } : {}) };
}

export function buildResult<A>(
  kinds: readonly string[],
  c: Counters,
  store: { readonly size: number; readonly bytes: number },
  initCount: number,
  seconds: number,
  queueLeft: number,
  stoppedBy: StopReason,
  violations: readonly FoundViolation<A>[],
): ExploreResult<A> {
  const distinct = store.size;
  const generated = c.transitions + initCount;
  const stats: Stats = {
    distinctStates: distinct,
    transitions: c.transitions,
    depth: c.depth,
    seconds,
    statesPerSecond: seconds > 0 ? c.transitions / seconds : 0,
    distinctPerSecond: seconds > 0 ? distinct / seconds : 0,
    queueLeft,
    collisionProbability: (distinct * Math.max(0, generated - distinct)) / 2 ** 64,
    storeBytes: store.bytes,
    bytesPerState: distinct > 0 ? store.bytes / distinct : 0,
    ...(c.asleep !== undefined ? { asleep: c.asleep } : {}),
  };
  const coverage: ActionCoverage[] = kinds.map((kind, i) => ({ kind, enabled: c.enabled[i]!, newStates: c.newStates[i]! }));
  const warnings = coverage
    .filter((cv) => cv.enabled === 0)
    .map((cv) => `action kind ${cv.kind} was never enabled: the run may be vacuous for it`);
  // Within maxDepth every reachable world was explored (design.md); the other bounds, and a
  // stop at a violation, leave worlds unexplored.
  const complete = stoppedBy === 'exhausted' || stoppedBy === 'max-depth';
  return { complete, stoppedBy, stats, violations: [...violations], coverage, warnings };
}

/**
 * The result of a search that was not started (its caller's deadline, a signal or memory came
 * first): incomplete, nothing explored, and no coverage warning (nothing ran to be vacuous).
 */
export function notStarted<A>(kinds: readonly string[], stoppedBy: StopReason): ExploreResult<A> {
  return { ...buildResult<A>(kinds, newCounters(kinds.length), { size: 0, bytes: 0 }, 0, 0, 0, stoppedBy, []), warnings: [] };
}
