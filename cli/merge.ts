// `vdpa-mc merge RESULTS...`: the shard results of `check --shard I/N --json` (one per shard, from a
// Kubernetes Indexed Job, a CI matrix or GNU parallel) combined into one result: the verdict, every
// distinct (invariant, cause) with its shortest trace over the shards, and summed statistics.
// Worlds shallower than the split depth are explored by every shard, and worlds reached from two
// shards' subtrees by both, so the summed distinct count is an upper bound, not the distinct count.
import { readInputText } from '../traces/files.js';
import { UsageError } from '../spec/config.js';
import { exitCodeOf, type CheckJson, type CheckJsonViolation, type Verdict } from './check.js';
import type { CliIO } from './io.js';
import type { MergeOptions } from './options.js';
import { TOOL, VERSION } from './version.js';

export interface ShardJson extends CheckJson {
  readonly shard: { readonly index: number; readonly count: number; readonly depth: number };
}

export interface MergedJson extends CheckJson {
  readonly shards: { readonly count: number; readonly depth: number };
}

function readShard(file: string): ShardJson {
  const read = readInputText(file);
  if (!read.ok) throw new UsageError(`vdpa-mc merge: ${read.error} (accepted: JSON written by check --shard I/N --json)`);
  let j: unknown;
  try {
    j = JSON.parse(read.text);
  } catch (e) {
    throw new UsageError(`vdpa-mc merge: ${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)} (accepted: JSON written by check --shard I/N --json)`);
  }
  const s = j as Partial<ShardJson>;
  if (s.tool !== TOOL || s.config === undefined || s.shard === undefined || !Array.isArray(s.violations) || s.stats === undefined) {
    throw new UsageError(`vdpa-mc merge: ${file} is not a shard result (accepted: JSON written by check --shard I/N --json)`);
  }
  return s as ShardJson;
}

/** The key a violation is kept under: its invariant and its cause (the invariant alone without a judge). */
const keyOf = (v: CheckJsonViolation): string => `${v.invariant}\n${v.cause?.key ?? ''}${v.breaks !== undefined && v.breaks.length > 0 && v.cause?.breaks !== undefined ? ` | breaks ${v.cause.breaks.clause}` : ''}`;

export function mergeShards(shards: readonly ShardJson[], files: readonly string[] = shards.map((_, i) => `result ${i}`)): MergedJson {
  const first = shards[0]!;
  const { count, depth } = first.shard;
  const seen = new Map<number, string>();
  shards.forEach((s, i) => {
    if (JSON.stringify(s.config) !== JSON.stringify(first.config)) throw new UsageError(`vdpa-mc merge: ${files[i]} checks another configuration than ${files[0]}`);
    if (s.shard.count !== count || s.shard.depth !== depth) throw new UsageError(`vdpa-mc merge: ${files[i]} is shard ${s.shard.index}/${s.shard.count} at depth ${s.shard.depth}, ${files[0]} is of ${count} at depth ${depth}`);
    const dup = seen.get(s.shard.index);
    if (dup !== undefined) throw new UsageError(`vdpa-mc merge: ${files[i]} and ${dup} are both shard ${s.shard.index}/${count}`);
    seen.set(s.shard.index, files[i]!);
  });
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new UsageError(`vdpa-mc merge: shards ${missing.map((i) => `${i}/${count}`).join(', ')} are missing`);
  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  // The shortest trace of each (invariant, cause); on a tie the lowest shard's (deterministic).
  const best = new Map<string, CheckJsonViolation>();
  for (const s of ordered) {
    for (const v of s.violations) {
      const k = keyOf(v);
      const b = best.get(k);
      if (b === undefined || v.length < b.length) best.set(k, v);
    }
  }
  const violations = [...best.values()].sort((a, b) => a.length - b.length || a.invariant.localeCompare(b.invariant) || keyOf(a).localeCompare(keyOf(b)));
  const complete = ordered.every((s) => s.complete);
  const verdict: Verdict = violations.length > 0 ? 'violation' : complete ? 'pass' : 'incomplete';
  const sum = (f: (s: ShardJson) => number): number => ordered.reduce((n, s) => n + f(s), 0);
  const seconds = Math.max(...ordered.map((s) => s.stats.seconds));
  const transitions = sum((s) => s.stats.transitions);
  return {
    tool: TOOL,
    version: VERSION,
    config: first.config,
    verdict,
    complete,
    // an incomplete shard's reason, else the first shard's (exhausted or max-depth)
    stoppedBy: (ordered.find((s) => !s.complete) ?? ordered[0]!).stoppedBy,
    coverage: mergeCoverage(ordered),
    warnings: [...new Set(ordered.flatMap((s) => s.warnings ?? []))],
    stats: {
      distinctStates: sum((s) => s.stats.distinctStates),
      transitions,
      depth: Math.max(...ordered.map((s) => s.stats.depth)),
      seconds,
      statesPerSecond: seconds > 0 ? transitions / seconds : 0,
      queueLeft: sum((s) => s.stats.queueLeft),
      collisionProbability: sum((s) => s.stats.collisionProbability),
    },
    violations,
    shards: { count, depth },
  };
}

export function mergeCommand(o: MergeOptions, io: CliIO): number {
  const shards = o.files.map(readShard);
  const m = mergeShards(shards, o.files);
  if (o.json) io.out(JSON.stringify(m, null, 2) + '\n');
  else {
    const c = m.config;
    const lines = [
      `merged ${m.shards.count} shards (split at depth ${m.shards.depth}): ${c.system} kernel ${c.kernel}${c.parent !== null ? ` parent ${c.parent}` : ''} userspace ${c.userspace}`,
      `verdict: ${m.verdict}${m.complete ? '' : ' (some shard did not complete)'}`,
      `states: ${m.stats.distinctStates} over the shards (worlds above the split depth counted once per shard), ${m.stats.transitions} transitions, depth ${m.stats.depth}, ${m.stats.seconds.toFixed(1)} s (slowest shard)`,
      ...m.violations.map((v) => `  ${v.invariant}: ${v.length} steps${v.cause !== undefined ? `, cause ${v.cause.call} (${v.cause.class})` : ''}: ${v.message}`),
    ];
    io.out(lines.join('\n') + '\n');
  }
  // an incomplete shard leaves the merge incomplete: 3, not a pass
  return exitCodeOf(m.verdict);
}

/** Per action kind, enabled and new-state counts summed over the shards (in the first shard's order). */
function mergeCoverage(shards: readonly ShardJson[]): CheckJson['coverage'] {
  const order: string[] = [];
  const sums = new Map<string, { enabled: number; newStates: number }>();
  for (const s of shards) {
    for (const c of s.coverage ?? []) {
      let t = sums.get(c.kind);
      if (t === undefined) { sums.set(c.kind, (t = { enabled: 0, newStates: 0 })); order.push(c.kind); }
      t.enabled += c.enabled;
      t.newStates += c.newStates;
    }
  }
  return order.map((kind) => ({ kind, ...sums.get(kind)! }));
}
