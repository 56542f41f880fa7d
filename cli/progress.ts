// Progress of a long run on stderr: the configuration header and bounds first, then one live line on
// a terminal (plain periodic lines otherwise) with states, distinct, queue, rate, depth, elapsed and
// the violations found so far by invariant. Never used with --json (stdout then carries the result
// object and nothing else). A run shorter than the first report (about a second) prints nothing.
import type { Progress } from '../explorer/explore-api.js';

export interface ProgressSink {
  write(s: string): void;
  readonly isTTY: boolean;
}

export interface ProgressPrinter {
  readonly onProgress: (p: Progress) => void;
  /** The progress of one of several searches (compare's base, patched, behaviour), named on its line. */
  readonly search: (name: string) => (p: Progress) => void;
  /** Ends the live line (if any) so that what follows starts on a fresh line. */
  done(): void;
}

export function progressLine(p: Progress): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const found = Object.entries(p.violations);
  const violations = found.length === 0 ? 'no violation yet' : `violated: ${found.map(([id, k]) => `${id} ${n(k)}`).join(', ')}`;
  return `${p.seconds.toFixed(0)} s: ${n(p.generated)} generated, ${n(p.distinct)} distinct, ${n(p.queue)} queued, ${n(p.statesPerSecond)}/s, depth ${p.depth}; ${violations}`;
}

/** `header`: the configuration and bounds, written once before the first progress line (a function: asked then). */
export function progressPrinter(sink: ProgressSink, header?: string | (() => string)): ProgressPrinter {
  let live = false;
  let headed = header === undefined;
  const show = (line: string): void => {
    if (!headed) {
      const h = typeof header === 'function' ? header() : header!;
      sink.write(h.endsWith('\n') ? h : `${h}\n`);
      headed = true;
    }
    if (sink.isTTY) {
      sink.write(`\r\u001b[2K${line}`);
      live = true;
    } else sink.write(`progress: ${line}\n`);
  };
  return {
    onProgress: (p) => show(progressLine(p)),
    search: (name) => (p) => show(`${name}: ${progressLine(p)}`),
    done() {
      if (live) sink.write('\r\u001b[2K');
      live = false;
    },
  };
}
