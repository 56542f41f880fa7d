// What a benchmark registers into `npm run bench` (bench/run.ts). Each (task, run) pair runs in a
// fresh child process, so heap and peak RSS are measured cleanly; run.ts takes the medians
// and writes the module's own section of BENCHMARKS.md (<!-- bench:NAME --> ... <!-- /bench:NAME -->).

/** Named figures of one run (numbers only, so medians can be taken). */
export type Figures = Readonly<Record<string, number>>;

export interface BenchModule {
  /** Section name in BENCHMARKS.md and the name to select it on the command line. */
  readonly name: string;
  /** Runs per task (the median is reported). */
  readonly runs: number;
  /** Left out of a bare `npm run bench` (it takes tens of minutes): run it by name. */
  readonly optIn?: boolean;
  /** The separate measurements of this module (each run in its own process). */
  readonly tasks: readonly string[];
  /** One run of one task, inside the child process. */
  measure(task: string): Promise<Figures> | Figures;
  /** Markdown for the module's section (also printed), from every run of every task. */
  render(results: Readonly<Record<string, readonly Figures[]>>, env: BenchEnv): string;
}

export interface BenchEnv {
  readonly machine: string;
  readonly cores: number;
  readonly node: string;
  readonly date: string;
  /** 1-minute load average when the benchmark started (the machine may be shared). */
  readonly loadAverage: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A figure for a table: thousands separated, `digits` decimals. */
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Median of one figure over runs. */
export const med = (runs: readonly Figures[], key: string): number => median(runs.map((r) => r[key] ?? NaN));

/** Peak resident set size of this process so far, in MiB. */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** CPU seconds (user + system) used by this process since `since`. */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}
