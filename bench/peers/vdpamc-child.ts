// One vdpa-mc run in a fresh process (so that its peak RSS is its own): argv[2] is a JSON ChildJob,
// the last line of stdout a JSON ChildResult.
import { explore } from '../../explorer/bfs.js';
import { buildPeerModel, type PeerModelSpec } from './models/index.js';

export interface ChildJob {
  readonly spec: PeerModelSpec;
  /** Check the model's invariants (and stop at the first violation), or explore without them. */
  readonly check: boolean;
  /**
   * The visited table's size as pan's -w: 2^tableLog2 slots (the store keeps its load under 0.9, so
   * room for 0.9 of them), instead of growing from 1,024. A size hint: the counts do not depend on it.
   */
  readonly tableLog2?: number;
  /**
   * Run the same search this many times in the process (default 1) and report every run's seconds
   * (ChildResult.repeats): how much of a short run is V8 tiering the code up. The runner uses 1.
   */
  readonly repeat?: number;
}

export interface ChildResult {
  readonly distinct: number;
  readonly transitions: number;
  readonly initial: number;
  readonly depth: number;
  readonly stoppedBy: string;
  /** The explorer's own search time (model built, engine compiled, search; not Node's start-up). */
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly storeBytes: number;
  readonly bytesPerState: number;
  /** Peak resident set of this process, bytes. */
  readonly maxRssBytes: number;
  readonly violation?: { readonly propertyId: string; readonly length: number; readonly message: string };
  /** With ChildJob.repeat: the seconds of each run, the first being the one above. */
  readonly repeats?: readonly number[];
}

function main(): void {
  const job = JSON.parse(process.argv[2] ?? '') as ChildJob;
  const once = () => {
    const t0 = performance.now();
    const model = buildPeerModel(job.spec);
    const hint = job.tableLog2 === undefined ? {} : { expectedStates: Math.floor(2 ** job.tableLog2 * 0.9) };
    const r = explore(model, job.check ? hint : { ...hint, propertyIds: [] });
    return { model, r, seconds: (performance.now() - t0) / 1000 };
  };
  const { model, r, seconds } = once();
  const repeats = [seconds];
  for (let k = 1; k < (job.repeat ?? 1); k++) repeats.push(once().seconds);
  const v = r.violations[0];
  const result: ChildResult = {
    distinct: r.stats.distinctStates,
    transitions: r.stats.transitions,
    initial: model.init().length,
    depth: r.stats.depth,
    stoppedBy: r.stoppedBy,
    seconds,
    statesPerSecond: r.stats.transitions / seconds,
    storeBytes: r.stats.storeBytes,
    bytesPerState: r.stats.bytesPerState,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(v === undefined ? {} : { violation: { propertyId: v.propertyId, length: v.actions.length, message: v.violation.message } }),
    ...(repeats.length > 1 ? { repeats } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main();
