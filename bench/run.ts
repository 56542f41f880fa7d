// `npm run bench` (node dist/bench/run.js): runs every registered benchmark, each run of each
// task in a fresh child process (clean heap, clean peak RSS), prints the medians and writes each
// benchmark's own section of BENCHMARKS.md, leaving the other sections alone.
//   node dist/bench/run.js [NAME...] [--runs N] [--no-write] [--render-only]
// Without a NAME every benchmark runs but the opt-in ones (BenchModule.optIn: depth), which take
// tens of minutes and run only by name.
// The figures of every run are kept in $TMPDIR/vdpa-mc-bench-NAME.json; --render-only renders
// the section again from them (e.g. after a wording change) without measuring.
// To add a benchmark: implement BenchModule (bench/bench-api.ts) and append it to BENCHES below.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchEnv, BenchModule, Figures } from './bench-api.js';
import { engineBench } from './engine/engine-bench.js';
import { vdpaBench } from './vdpa/vdpa-bench.js';
import { scaleBench } from './scale/scale-bench.js';
import { costBench } from './cost/cost-bench.js';
import { reductionBench } from './reduction/reduction-bench.js';
import { shardsBench } from './shards/shards-bench.js';
import { swarmBench } from './swarm/swarm-bench.js';
import { depthBench } from './depth/depth-bench.js';
import { porBench } from './por/por-bench.js';

export const BENCHES: readonly BenchModule[] = [engineBench, vdpaBench, scaleBench, costBench, reductionBench, shardsBench, swarmBench, depthBench, porBench];

const self = fileURLToPath(import.meta.url);

function repoRoot(): string {
  for (let d = dirname(self); d !== dirname(d); d = dirname(d)) if (existsSync(join(d, 'package.json'))) return d;
  throw new Error('bench: cannot find package.json above ' + self);
}

/** Replaces `<!-- bench:NAME -->...<!-- /bench:NAME -->` in BENCHMARKS.md, or appends it. */
export function writeSection(file: string, name: string, markdown: string): void {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown}\n${end}`;
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const i = old.indexOf(begin);
  const j = old.indexOf(end);
  const next = i >= 0 && j > i ? old.slice(0, i) + block + old.slice(j + end.length) : old.trimEnd() + '\n\n' + block + '\n';
  writeFileSync(file, next);
}

async function child(name: string, task: string): Promise<void> {
  const b = BENCHES.find((x) => x.name === name);
  if (b === undefined) throw new Error(`bench: no benchmark '${name}'`);
  const figures = await b.measure(task);
  process.stdout.write(JSON.stringify(figures) + '\n');
}

function runChild(name: string, task: string): Figures {
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', self, '--child', name, task], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench ${name}/${task} failed (exit ${r.status}):\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Figures;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '--child') {
    await child(argv[1] ?? '', argv[2] ?? '');
    return 0;
  }
  let runs: number | undefined;
  let write = true;
  let renderOnly = false;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) {
        console.error(`bench: --runs needs a positive integer, got '${argv[i] ?? ''}'`);
        return 2;
      }
    } else if (a === '--no-write') write = false;
    else if (a === '--render-only') renderOnly = true;
    else if (BENCHES.some((b) => b.name === a)) names.push(a);
    else {
      console.error(`bench: unknown argument '${a}' (benchmarks: ${BENCHES.map((b) => b.name).join(', ')}; options: --runs N, --no-write, --render-only)`);
      return 2;
    }
  }
  const env: BenchEnv = {
    machine: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    node: process.version,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    loadAverage: loadavg()[0] ?? NaN,
  };
  const file = join(repoRoot(), 'BENCHMARKS.md');
  for (const b of BENCHES.filter((x) => (names.length === 0 ? x.optIn !== true : names.includes(x.name)))) {
    const saved = join(tmpdir(), `vdpa-mc-bench-${b.name}.json`);
    let results: Record<string, Figures[]> = {};
    let runEnv = env;
    if (renderOnly) {
      ({ results, env: runEnv } = JSON.parse(readFileSync(saved, 'utf8')) as { results: Record<string, Figures[]>; env: BenchEnv });
    } else {
      // round-robin: run k of every task, then run k+1, so that each round's tasks meet the same
      // load on a shared machine and their ratios can be read round by round
      for (const task of b.tasks) results[task] = [];
      for (let k = 0; k < (runs ?? b.runs); k++) {
        for (const task of b.tasks) {
          process.stderr.write(`bench ${b.name}/${task} run ${k + 1}/${runs ?? b.runs}...\n`);
          results[task]!.push(runChild(b.name, task));
        }
      }
      writeFileSync(saved, JSON.stringify({ results, env }));
    }
    const md = b.render(results, runEnv);
    console.log(md + '\n');
    if (write) writeSection(file, b.name, md);
  }
  if (write) console.log(`written to ${file}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
