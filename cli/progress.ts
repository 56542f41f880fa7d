// Progress of a long run on stderr: one live line on a terminal, plain periodic lines otherwise.
// Never used with --json (stdout then carries the result object and nothing else).
import type { Progress } from '../explorer/explore-api.js';

export interface ProgressSink {
  write(s: string): void;
  readonly isTTY: boolean;
}

export interface ProgressPrinter {
  readonly onProgress: (p: Progress) => void;
  /** Ends the live line (if any) so that what follows starts on a fresh line. */
  done(): void;
}

export function progressLine(p: Progress): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return `${p.seconds.toFixed(0)} s: ${n(p.generated)} generated, ${n(p.distinct)} distinct, ${n(p.queue)} queued, ${n(p.statesPerSecond)}/s, depth ${p.depth}`;
}

export function progressPrinter(sink: ProgressSink): ProgressPrinter {
  let live = false;
  return {
    onProgress(p) {
      if (sink.isTTY) {
        sink.write(`\r\u001b[2K${progressLine(p)}`);
        live = true;
      } else sink.write(`progress: ${progressLine(p)}\n`);
    },
    done() {
      if (live) sink.write('\r\u001b[2K');
      live = false;
    },
  };
}
