// The explorer's entry point and result types (implemented in explorer/bfs.ts).
import type { Violation } from './model.js';

import type { FrontierBudget } from './spill.js';

export interface ExploreOptions {
  /** Longest action sequence explored (depth of the BFS); default unbounded. */
  readonly maxDepth?: number;
  /** Stop after this many distinct states; default unbounded. */
  readonly maxStates?: number;
  /** Stop after this many seconds; default unbounded. */
  readonly timeLimitSeconds?: number;
  /** Stop at the first violation of any property (default), or collect the shortest of each. */
  readonly stopAtFirstViolation?: boolean;
  /** Check only these property ids (default: all the model declares). */
  readonly propertyIds?: readonly string[];
  /**
   * Collect mode only: keep checking a violated property and keep the shortest violation of each
   * distinct `key` (the model's judgement of its cause, from the rebuilt trace); at most
   * `perProperty` keys per property (default: all). A violating world whose parent violates the same
   * invariant with the same message is not keyed again (same disagreement, same cause). Without this
   * option the first violation of a property is its only one.
   */
  readonly distinct?: {
    readonly key: (propertyId: string, initIndex: number, actions: readonly unknown[]) => string;
    readonly perProperty?: number;
  };
  /**
   * Asked whenever the clock is read (every few thousand transitions): a reason to stop now, from
   * outside the model (a signal, a memory bound). The run then ends incomplete with that reason.
   */
  readonly shouldStop?: () => ExternalStop | undefined;
  /** Called at most about once a second with live figures (never called when absent). */
  readonly onProgress?: (p: Progress) => void;
  /**
   * Explore only shard `index` of `count` (0-based): the worlds at depth `depth` whose fingerprint
   * falls in the shard are expanded, the others are stored but not expanded. Worlds shallower than
   * `depth` are explored by every shard. The union of the shards explores every reachable world
   * within maxDepth, and the shortest violation of a property has the same length in the shard that
   * holds its depth-`depth` world as in the whole search.
   */
  readonly shard?: { readonly index: number; readonly count: number; readonly depth: number };
  /**
   * Keep at most `memoryBytes` of frontier records in memory; whole segments beyond it go to files
   * in a private directory under `dir`, removed when the search ends. Results do not depend on it.
   * Needs a model with a schema.
   */
  readonly frontier?: FrontierBudget;
  /**
   * A size hint: the visited store starts with room for this many states instead of growing from
   * 1,024 slots (as pan's -w sizes SPIN's table). Results do not depend on it. One-core search only.
   */
  readonly expectedStates?: number;
  /**
   * Partial-order reduction: 'sleep' skips transitions asleep by sleep sets (explorer/sleep.ts) when
   * the model declares action ids and an independence relation (Model.independent); the same
   * distinct worlds and shortest violation lengths, fewer transitions. Default and 'none': none.
   */
  readonly partialOrder?: 'none' | 'sleep';
}

export interface Progress {
  readonly generated: number;
  readonly distinct: number;
  readonly queue: number;
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  /** Violations found so far, per property id (only those with at least one). */
  readonly violations: Readonly<Record<string, number>>;
}

export interface Stats {
  readonly distinctStates: number;
  /** Generated successors (transitions), TLC's "states generated". */
  readonly transitions: number;
  /** Deepest BFS level reached (in actions from an initial world). */
  readonly depth: number;
  readonly seconds: number;
  /** Generated per second. */
  readonly statesPerSecond: number;
  readonly distinctPerSecond: number;
  readonly queueLeft: number;
  /** TLC's optimistic estimate n·(g−n)/2^64 for 64-bit fingerprints. */
  readonly collisionProbability: number;
  /** Bytes held by the visited store (typed arrays), and per distinct state. */
  readonly storeBytes: number;
  readonly bytesPerState: number;
  /** Random walks only (swarm): the walks taken (transitions then counts their steps). */
  readonly walks?: number;
  /**
   * Partial-order reduction only (ExploreOptions.partialOrder): listed actions not taken because they
   * were asleep (transitions counts the ones taken; the two add up to the transitions without it).
   */
  readonly asleep?: number;
}

export interface ActionCoverage {
  readonly kind: string;
  /** How often an action of this kind was enabled (listed by `actions`). */
  readonly enabled: number;
  /** How often it led to a state not seen before. */
  readonly newStates: number;
}

export interface FoundViolation<A> {
  readonly propertyId: string;
  readonly violation: Violation;
  /** Index into `model.init()` of the trace's first world. */
  readonly initIndex: number;
  /** The actions from that world, shortest (BFS), rebuilt by replay from the initial world. */
  readonly actions: readonly A[];
  /** With `distinct`: the key this violation was kept under (the shortest of its key). */
  readonly key?: string;
}

/** Reasons from outside the search (ExploreOptions.shouldStop). */
export type ExternalStop = 'signal' | 'memory';
export type StopReason = 'exhausted' | 'max-depth' | 'max-states' | 'time-limit' | 'violation' | 'walks' | ExternalStop;

export interface ExploreResult<A> {
  /** True when every state reachable within maxDepth was explored. */
  readonly complete: boolean;
  readonly stoppedBy: StopReason;
  readonly stats: Stats;
  /** Shortest violation of each violated property, in order of discovery. */
  readonly violations: readonly FoundViolation<A>[];
  readonly coverage: readonly ActionCoverage[];
  /** e.g. "action kind X was never enabled: the run may be vacuous for it". */
  readonly warnings: readonly string[];
}

/** An error the model threw during a search, with the step it happened at. */
export class ModelStepError extends Error {
  override readonly name = 'ModelStepError';
  constructor(
    override readonly cause: unknown,
    /** The number of actions from an initial world to the world being made (0: an initial world). */
    readonly depth: number,
    /** The label of the action being taken, if one was. */
    readonly action: string | undefined,
  ) {
    super(`${cause instanceof Error ? cause.message : String(cause)} (at step ${depth}${action !== undefined ? `: ${action}` : ''})`);
  }
}
