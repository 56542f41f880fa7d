// The trace as text for a terminal: per step the action and what the caller saw, then only what
// changed, layer by layer, then the observation and the violated invariant. Colour is the
// caller's decision (a TTY and no NO_COLOR); without it the output is plain and stable for diffs.
import { viewChanges } from './diff.js';
import type { Trace } from './trace.js';

export interface TextOptions {
  readonly color: boolean;
  /** List the calls each step made (default true). */
  readonly calls?: boolean;
}

const ANSI = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36', boldRed: '1;31' } as const;
type Style = keyof typeof ANSI;

/** True when colour suits `stream`: a TTY, and NO_COLOR unset or empty (https://no-color.org). */
export function wantsColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

/** A ret that is an errno ("-EFAULT") is a refusal; anything else ("0", "features=0x3") is success. */
export function isErrno(ret: string): boolean {
  return /^-E[A-Z0-9]+$/.test(ret) || /^-\d+$/.test(ret);
}

export function renderText(trace: Trace, options: TextOptions): string {
  const c = (style: Style, s: string): string => (options.color ? `\x1b[${ANSI[style]}m${s}\x1b[0m` : s);
  const showCalls = options.calls ?? true;
  const allLayers = [trace.init, ...trace.steps].flatMap((w) => w.view.map((l) => l.layer));
  const width = Math.max(0, ...allLayers.map((l) => l.length));
  const lines: string[] = [];
  const cfg = Object.entries(trace.config)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  lines.push(c('bold', `Counterexample to ${trace.violation.invariant}`) + ` (${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'}${cfg ? `; ${cfg}` : ''})`);
  lines.push('');
  lines.push(`${c('bold', '0.')} initial world`);
  for (const l of trace.init.view) {
    for (const f of l.fields) lines.push(`  ${c('cyan', l.layer.padEnd(width))}  ${f.name}: ${f.value}`);
  }
  let prev = trace.init;
  for (const s of trace.steps) {
    const refused = isErrno(s.outcome.ret);
    const ret = c(refused ? 'red' : 'green', s.outcome.ret);
    const reason = s.outcome.reason !== undefined && s.outcome.reason !== s.outcome.ret ? ` (${s.outcome.reason})` : '';
    lines.push(`${c('bold', `${s.index}.`)} ${s.label}  = ${ret}${reason}`);
    if (showCalls) {
      for (const call of s.outcome.calls) lines.push(`     → ${call.label}   ${c('dim', `[${call.from} → ${call.to}]`)}`);
    }
    const changes = viewChanges(prev.view, s.view);
    if (changes.length === 0) lines.push(`  ${c('dim', '(no change)')}`);
    for (const ch of changes) {
      const head = `  ${c('cyan', ch.layer.padEnd(width))}  ${ch.name}: `;
      if (ch.after === undefined) lines.push(`${head}${c('yellow', 'removed')}   ${c('dim', `(was: ${ch.before ?? ''})`)}`);
      else if (ch.before === undefined) lines.push(`${head}${c('yellow', ch.after)}   ${c('dim', '(new)')}`);
      else lines.push(`${head}${c('yellow', ch.after)}   ${c('dim', `(was: ${ch.before})`)}`);
    }
    prev = s;
  }
  lines.push('');
  const v = trace.violation;
  if (v.observation !== undefined) lines.push(`${c('bold', 'Observation:')} ${v.observation}`);
  lines.push(`${c('boldRed', `Violated: ${v.invariant}`)}: ${v.message}`);
  return `${lines.join('\n')}\n`;
}
