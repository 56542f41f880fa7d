// SPIN runs: `spin -a`, `gcc -O2 -DNOREDUCE [-DBFS]`, `./pan`, and what pan prints, parsed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface PanBuild {
  readonly dir: string;
  readonly pml: string;
  /** The exact commands, for the record. */
  readonly commands: readonly string[];
}

export interface PanRun {
  readonly stored: number;
  /** pan's "transitions (= stored+matched)": generated successors plus the initial state. */
  readonly transitions: number;
  /** "depth reached": the deepest BFS level with -DBFS, the deepest DFS stack otherwise. */
  readonly depth: number;
  readonly errors: number;
  /** Wall time of ./pan (its own "elapsed time" has 10 ms resolution). */
  readonly seconds: number;
  readonly panElapsed: number;
  /** pan's "total actual memory usage" and the part for states + hash table, bytes. */
  readonly totalMemoryBytes: number;
  readonly storeBytes: number;
  /** Peak RSS of pan from /usr/bin/time, bytes (undefined without GNU time). */
  readonly maxRssBytes: number | undefined;
  /** Steps of the error trail (counterexample length), when an error was found. */
  readonly trailLength: number | undefined;
  readonly command: string;
}

function sh(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

/** spin -a and gcc in a fresh directory; `defines` go to spin's preprocessor. */
export function buildPan(pmlSource: string, dir: string, defines: readonly string[], bfs: boolean): PanBuild {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pml = pmlSource.split('/').pop()!;
  copyFileSync(pmlSource, join(dir, pml));
  const spinArgs = [...defines, '-a', pml];
  const gccArgs = ['-O2', '-DNOREDUCE', ...(bfs ? ['-DBFS'] : []), '-o', 'pan', 'pan.c'];
  sh('spin', spinArgs, dir);
  sh('gcc', gccArgs, dir);
  return { dir, pml, commands: [`spin ${spinArgs.join(' ')}`, `gcc ${gccArgs.join(' ')}`] };
}

const num = (out: string, re: RegExp): number | undefined => {
  const m = re.exec(out);
  return m === null ? undefined : Number(m[1]);
};

/**
 * Runs ./pan -m<depth> -w<log2 slots>. A too small -m is raised tenfold and the run repeated.
 * Throws when pan's output lacks the figures.
 */
export function runPan(build: PanBuild, hashLog2: number, maxDepth = 100_000): PanRun {
  const haveTime = existsSync('/usr/bin/time');
  for (let m = maxDepth; ; m *= 10) {
    const panArgs = [`-m${m}`, `-w${hashLog2}`];
    const timeFile = join(build.dir, 'time.txt');
    rmSync(join(build.dir, `${build.pml}.trail`), { force: true });
    const t0 = performance.now();
    const r = haveTime
      ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, './pan', ...panArgs], { cwd: build.dir, encoding: 'utf8', maxBuffer: 64 << 20 })
      : spawnSync('./pan', panArgs, { cwd: build.dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    const seconds = (performance.now() - t0) / 1000;
    const out = r.stdout ?? '';
    if (/max search depth too small/.test(out) && m < 1e9) continue;
    const stored = num(out, /^\s*(\d+) states, stored/m);
    const transitions = num(out, /^\s*(\d+) transitions \(= stored\+matched\)/m);
    const depth = num(out, /depth reached (\d+)/);
    const errors = num(out, /errors: (\d+)/);
    const total = num(out, /^\s*([\d.]+)\s+total actual memory usage/m);
    const forStates = num(out, /^\s*([\d.]+)\s+actual memory usage for states/m) ?? 0;
    const forHash = num(out, /^\s*([\d.]+)\s+memory used for hash table/m) ?? 0;
    const elapsed = num(out, /elapsed time ([\d.e+-]+) seconds/);
    if (stored === undefined || transitions === undefined || depth === undefined || errors === undefined || total === undefined) {
      throw new Error(`pan ${panArgs.join(' ')} in ${build.dir}: unexpected output (exit ${r.status ?? r.signal}):\n${out}${r.stderr ?? ''}`);
    }
    let trailLength: number | undefined;
    const trail = join(build.dir, `${build.pml}.trail`);
    if (errors > 0 && existsSync(trail)) {
      // One line "step:proc:transition" per step; "-4:-4:-4" marks the start of a cycle.
      trailLength = readFileSync(trail, 'utf8').split('\n').filter((l) => /^\d+:\d+:\d+$/.test(l.trim())).length;
    }
    let maxRssBytes: number | undefined;
    if (haveTime && existsSync(timeFile)) {
      const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
      if (Number.isFinite(kb)) maxRssBytes = kb * 1024;
    }
    const MB = 1 << 20; // pan prints memory in units of 2^20 bytes
    return {
      stored, transitions, depth, errors, seconds,
      panElapsed: elapsed ?? seconds,
      totalMemoryBytes: total * MB,
      storeBytes: (forStates + forHash) * MB,
      maxRssBytes,
      trailLength,
      command: `./pan ${panArgs.join(' ')}`,
    };
  }
}
