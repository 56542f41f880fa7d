// `npm run bench shards` (issue 16): `check --shard I/N` + `vdpa-mc merge` against the single run, on
// `check --kernel 6.12 --parent mlx5 --userspace any --max-depth 7`, N = 4 shards run one after another
// on this machine, at split depths 2, 3 (the default) and 4. Per shard: states, transitions, CPU
// seconds; their sum against the single run's (the redundancy factor: worlds above the split depth
// are explored by every shard, and a world reached from two shards' subtrees by both); and whether
// the merge gives the single run's verdict and causes. Every command runs through the CLI with
// --json, each in a fresh child process (bench/run.ts); the shard results go to files in the
// temporary directory, which the merge task (run after them in the same round) reads.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckJson, CheckJsonViolation } from '../../cli/check.js';
import { fmt, med, type BenchEnv, type BenchModule, type Figures } from '../bench-api.js';
import { commandLine, runCliJson } from '../cli-json.js';

const DEPTH = 7;
const N = 4;
const SPLITS = [2, 3, 4] as const;
/** --workers 1: every run on one core, the shards as N machines of one core each would run them. */
const CONFIG = ['--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--max-depth', String(DEPTH), '--workers', '1'];
const singleArgv = ['check', ...CONFIG, '--json'];
const shardArgv = (i: number, split: number): string[] => ['check', ...CONFIG, '--shard', `${i}/${N}`, '--shard-depth', String(split), '--json'];

const SINGLE = `single run, depth ${DEPTH}`;
const shardTask = (i: number, split: number): string => `shard ${i}/${N}, split depth ${split}`;
const mergeTask = (split: number): string => `merge of ${N} shards, split depth ${split}`;
const TASKS = [SINGLE, ...SPLITS.flatMap((s) => [...Array.from({ length: N }, (_, i) => shardTask(i, s)), mergeTask(s)])];

const dir = (): string => join(tmpdir(), 'vdpa-mc-bench-shards');
const singleFile = (): string => join(dir(), 'single.json');
const shardFile = (i: number, split: number): string => join(dir(), `split-${split}-shard-${i}.json`);

/** A cause as merge keeps it (cli/merge.ts keyOf): the invariant, the cause key, a broken clause. */
const causeKey = (v: CheckJsonViolation): string =>
  `${v.invariant}\n${v.cause?.key ?? ''}${v.breaks !== undefined && v.breaks.length > 0 && v.cause?.breaks !== undefined ? ` | breaks ${v.cause.breaks.clause}` : ''}`;

function shortestByKey(j: CheckJson, key: (v: CheckJsonViolation) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of j.violations) m.set(key(v), Math.min(m.get(key(v)) ?? Infinity, v.length));
  return m;
}

/** The merge against the single run: verdict, violated invariants and their shortest lengths, causes. */
export function compareMerged(single: CheckJson, merged: CheckJson): Record<string, number> {
  const si = shortestByKey(single, (v) => v.invariant);
  const mi = shortestByKey(merged, (v) => v.invariant);
  const sc = shortestByKey(single, causeKey);
  const mc = shortestByKey(merged, causeKey);
  const lengthsOf = (a: Map<string, number>, b: Map<string, number>): { same: number; shorter: number; longer: number; missing: number } => {
    const r = { same: 0, shorter: 0, longer: 0, missing: 0 };
    for (const [k, n] of a) {
      const m = b.get(k);
      if (m === undefined) r.missing++;
      else if (m === n) r.same++;
      else if (m < n) r.shorter++;
      else r.longer++;
    }
    return r;
  };
  const inv = lengthsOf(si, mi);
  const causes = lengthsOf(sc, mc);
  return {
    verdictSame: single.verdict === merged.verdict ? 1 : 0,
    complete: single.complete && merged.complete ? 1 : 0,
    invariantsSingle: si.size, invariantsMerged: mi.size, invariantsSameLength: inv.same,
    causesSingle: sc.size, causesMerged: mc.size,
    causesSameLength: causes.same, causesShorterInMerge: causes.shorter, causesLongerInMerge: causes.longer, causesMissingInMerge: causes.missing,
    causesOnlyInMerge: [...mc.keys()].filter((k) => !sc.has(k)).length,
  };
}

async function measure(task: string): Promise<Figures> {
  mkdirSync(dir(), { recursive: true });
  if (task === SINGLE) {
    const r = await runCliJson<CheckJson>(singleArgv);
    writeFileSync(singleFile(), JSON.stringify(r.json));
    return { distinct: r.json.stats.distinctStates, transitions: r.json.stats.transitions, cpuSeconds: r.cpuSeconds, seconds: r.wallSeconds, violations: r.json.violations.length, complete: r.json.complete ? 1 : 0 };
  }
  for (const split of SPLITS) {
    for (let i = 0; i < N; i++) {
      if (task !== shardTask(i, split)) continue;
      const r = await runCliJson<CheckJson>(shardArgv(i, split));
      writeFileSync(shardFile(i, split), JSON.stringify(r.json));
      return { distinct: r.json.stats.distinctStates, transitions: r.json.stats.transitions, cpuSeconds: r.cpuSeconds, seconds: r.wallSeconds, violations: r.json.violations.length, complete: r.json.complete ? 1 : 0 };
    }
    if (task === mergeTask(split)) {
      const files = Array.from({ length: N }, (_, i) => shardFile(i, split));
      const r = await runCliJson<CheckJson>(['merge', ...files, '--json']);
      const single = JSON.parse(readFileSync(singleFile(), 'utf8')) as CheckJson;
      return { ...compareMerged(single, r.json), distinct: r.json.stats.distinctStates, transitions: r.json.stats.transitions, cpuSeconds: r.cpuSeconds, violations: r.json.violations.length };
    }
  }
  throw new Error(`shards bench: no task '${task}'`);
}

function render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string {
  const runs = Math.max(...Object.values(results).map((r) => r.length));
  const single = results[SINGLE] ?? [];
  const sd = med(single, 'distinct');
  const sc = med(single, 'cpuSeconds');
  const row = (name: string, rs: readonly Figures[]): string =>
    `| ${name} | ${fmt(med(rs, 'distinct'))} | ${fmt(med(rs, 'transitions'))} | ${fmt(med(rs, 'cpuSeconds'), 1)} | ${fmt(med(rs, 'violations'))} | ${med(rs, 'complete') === 1 ? 'yes' : 'no'} |`;
  const table: string[] = [row(SINGLE, single)];
  const summary: string[] = [];
  const verdicts: string[] = [];
  for (const split of SPLITS) {
    const shards = Array.from({ length: N }, (_, i) => results[shardTask(i, split)] ?? []);
    if (shards.some((s) => s.length === 0)) continue;
    for (let i = 0; i < N; i++) table.push(row(shardTask(i, split), shards[i]!));
    const sum = (k: string): number => shards.reduce((n, s) => n + med(s, k), 0);
    const slowest = Math.max(...shards.map((s) => med(s, 'cpuSeconds')));
    table.push(`| **sum of the ${N} shards, split depth ${split}** | ${fmt(sum('distinct'))} | ${fmt(sum('transitions'))} | ${fmt(sum('cpuSeconds'), 1)} | – | ${shards.every((s) => med(s, 'complete') === 1) ? 'yes' : 'no'} |`);
    summary.push(`| ${split} | ${fmt(sum('distinct') / sd, 2)}× | ${fmt(sum('cpuSeconds') / sc, 2)}× | ${fmt(slowest, 1)} (${fmt(slowest / sc, 2)} of the single run's) |`);
    const m = results[mergeTask(split)] ?? [];
    if (m.length === 0) continue;
    const f = m[m.length - 1]!;
    const g = (k: string): number => f[k] ?? NaN;
    verdicts.push(
      `| ${split} | ${g('verdictSame') === 1 ? 'yes' : '**no**'} | ${g('invariantsSameLength')} of ${g('invariantsSingle')} (merge: ${g('invariantsMerged')}) | ` +
        `${g('causesSameLength')} of ${g('causesSingle')}${g('causesShorterInMerge') > 0 ? `, ${g('causesShorterInMerge')} shorter` : ''}${g('causesLongerInMerge') > 0 ? `, **${g('causesLongerInMerge')} longer**` : ''}${g('causesMissingInMerge') > 0 ? `, **${g('causesMissingInMerge')} missing**` : ''} | ` +
        `${g('causesMerged')} (${g('causesOnlyInMerge')} not in the single run) | ${fmt(g('cpuSeconds'), 2)} |`,
    );
  }
  // What must hold: the verdict, the violated invariants at their shortest lengths, and no cause of the
  // single run missing from the merge or longer there. A cause may be shorter in the merge (see below).
  const merges = SPLITS.map((sp) => (results[mergeTask(sp)] ?? []).at(-1)).filter((f): f is Figures => f !== undefined);
  const ok = merges.length === SPLITS.length && merges.every((f) =>
    f['verdictSame'] === 1 && f['invariantsSameLength'] === f['invariantsSingle'] && f['invariantsMerged'] === f['invariantsSingle'] &&
    f['causesMissingInMerge'] === 0 && f['causesLongerInMerge'] === 0);
  const shorter = merges.some((f) => (f['causesShorterInMerge'] ?? 0) > 0);
  return [
    `## Shards: \`check --shard I/${N}\` and \`vdpa-mc merge\` against the single run (\`npm run bench shards\`, bench/shards)`,
    '',
    `Machine: ${env.machine}, ${env.cores} cores; Node ${env.node}; ${env.date}; 1-minute load average at start ${env.loadAverage.toFixed(1)} (a shared machine). ${runs} run${runs === 1 ? '' : 's'} of each command (medians), one after another, each in a fresh child process; CPU seconds are the process's (user + system).`,
    'The commands (each with `--json`; the shards as a Kubernetes Indexed Job, a CI matrix or GNU parallel would run them, here one after another):',
    '',
    '```',
    commandLine(singleArgv),
    ...SPLITS.map((s) => commandLine(shardArgv(0, s)).replace(`0/${N}`, `I/${N}`) + `   # I = 0..${N - 1}, output to shard-I.json`),
    `vdpa-mc merge shard-0.json ... shard-${N - 1}.json --json`,
    '```',
    '',
    '| run | distinct states | transitions | CPU seconds | violations kept | complete |',
    '|---|--:|--:|--:|--:|---|',
    ...table,
    '',
    'Redundancy (each shard keeps its own visited store: the worlds above the split depth are explored by every shard, and a world below it reached from two shards\' subtrees by both; the states and transitions of the merge are these sums):',
    '',
    '| split depth | sum of shard states / single run\'s | sum of shard CPU / single run\'s | slowest shard, CPU s |',
    '|--:|--:|--:|--:|',
    ...summary,
    '',
    `The merge against the single run (verdict; each violated invariant at its shortest length; each distinct (invariant, cause) of the single run found by the merge at the same length):`,
    '',
    '| split depth | same verdict | invariants at the same shortest length | single run\'s causes at the same length | causes in the merge | merge CPU s |',
    '|--:|---|---|---|---|--:|',
    ...verdicts,
    '',
    ok
      ? 'At every split depth the merge gives the single run\'s verdict, the same violated invariants at the same shortest lengths, and every cause the single run keys, none missing and none longer, as it must (test/cli/scale.test.ts checks the verdict, each invariant\'s shortest length and that every cause is found, at depth 5). ' +
        'The merge keys more causes than the single run, and ' + (shorter ? 'can reach one of the single run\'s causes by a shorter trace: ' : 'could reach one of the single run\'s causes by a shorter trace: ') +
        'a cause is read from the path that reached the violating world, and a BFS keeps one path per world (the first), so the single run\'s trace of a cause is the shortest among the paths it kept, not over every path; ' +
        'a shard\'s search keeps other first paths below the split depth, so it can key a cause the single run never shows, or a shorter trace to one it does (merged ⊇ single). ' +
        'The merge keeps the shortest trace of each cause over the shards.'
      : '**The merge does not give the single run\'s verdict and causes at every split depth (see the table): a bug.**',
  ].join('\n');
}

export const shardsBench: BenchModule = { name: 'shards', runs: 1, tasks: TASKS, measure, render };
