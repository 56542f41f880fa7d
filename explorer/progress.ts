// Progress of a long run for the command line, on stderr (stdout stays clean for --json):
// on a terminal one live line rewritten in place (\r) at most once a second; otherwise plain
// lines, one every `intervalSeconds` (CI logs); nothing at all when disabled.
import type { Progress } from './explore-api.js';

export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressReporterOptions {
  readonly enabled: boolean;
  /** Default: process.stderr. */
  readonly stream?: ProgressSink;
  /** Seconds between two plain lines when the stream is not a terminal (default 10). */
  readonly intervalSeconds?: number;
}

export interface ProgressReporter {
  /** Pass as ExploreOptions.onProgress; undefined when disabled (the engine then never calls it). */
  readonly onProgress: ((p: Progress) => void) | undefined;
  /** Ends the live line (call once when the run is over). */
  done(): void;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

export function formatProgress(p: Progress): string {
  return `${n(p.generated)} states, ${n(p.distinct)} distinct, queue ${n(p.queue)}, depth ${p.depth}, ${n(p.statesPerSecond)} states/s, ${Math.round(p.seconds)} s`;
}

export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  if (!options.enabled) return { onProgress: undefined, done: () => {} };
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const interval = (tty ? 1 : (options.intervalSeconds ?? 10)) * 1000;
  let last = -Infinity;
  let live = false;
  return {
    onProgress: (p) => {
      const now = p.seconds * 1000;
      if (now - last < interval) return;
      last = now;
      if (tty) {
        stream.write(`\r${formatProgress(p)}\x1b[K`);
        live = true;
      } else stream.write(`progress: ${formatProgress(p)}\n`);
    },
    done: () => {
      if (live) stream.write('\r\x1b[K');
      live = false;
    },
  };
}
