// The text report of `vdpa-mc check`: configuration, alphabet, verdict, statistics, coverage,
// warnings, then the counterexamples (rendered by the caller's trace renderer).
import type { StopReason } from '../explorer/explore-api.js';
import type { CheckRun } from './check.js';
import { TOOL, VERSION } from './version.js';
import { CLASS_LETTER } from '../systems/target.js';

export interface ReportStyle {
  /** ANSI colour for the verdict (a terminal, and NO_COLOR unset). */
  readonly color: boolean;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

function paint(style: ReportStyle, code: number, s: string): string {
  return style.color ? `\u001b[${code}m${s}\u001b[0m` : s;
}

/** Which bound stopped an incomplete run, in the user's words. */
export function stopPhrase(reason: StopReason, bounds: { maxStates: number; timeLimit: number; maxDepth: number }): string {
  switch (reason) {
    case 'max-states':
      return `stopped at the state bound (--max-states ${bounds.maxStates})`;
    case 'time-limit':
      return `stopped at the time limit (--time-limit ${bounds.timeLimit} s)`;
    case 'max-depth':
      return `stopped at the depth bound (--max-depth ${bounds.maxDepth})`;
    case 'violation':
      return 'stopped at the first violation';
    case 'exhausted':
      return 'every reachable state explored';
    case 'signal':
      return 'stopped by a signal';
    case 'memory':
      return 'stopped at the memory bound (--max-memory)';
    case 'walks':
      return 'random walks (--strategy random): not exhaustive';
  }
}

/** The configuration, bounds and invariants of a run: the summary's first lines, and what a long run prints before its progress. */
export function configHeader(command: string, c: CheckRun['target']['config']): string[] {
  const b = c.bounds;
  return [
    `${TOOL} ${VERSION} ${command}`,
    `configuration  system ${c.system} · kernel ${c.kernel}${c.parent !== undefined ? ` · parent ${c.parent}` : ''} · userspace ${c.userspace}`,
    `bounds         max depth ${n(b.maxDepth)} · max states ${n(b.maxStates)} · time limit ${b.timeLimit} s`,
    `invariants     ${c.invariants.join(', ') || '(none)'}`,
  ];
}

/** The summary lines (everything but the counterexamples). */
export function renderSummary(run: CheckRun, style: ReportStyle): string {
  const { target, explored, json } = run;
  const c = target.config;
  const b = c.bounds;
  const out: string[] = [];
  out.push(...configHeader('check', c));
  out.push('alphabet');
  for (const line of target.alphabet) out.push(`  ${line}`);

  const stop = stopPhrase(explored.stoppedBy, b);
  let verdict: string;
  if (json.verdict === 'violation') {
    const ids = [...new Set(json.violations.map((v) => v.invariant))];
    const list = ids.map((id) => {
      const vs = json.violations.filter((v) => v.invariant === id);
      const shortest = Math.min(...vs.map((v) => v.length));
      const classes = vs.some((v) => v.class !== undefined)
        ? `; ${vs.length} cause${vs.length === 1 ? '' : 's'}: ${vs.map((v) => `${CLASS_LETTER[v.class!]}${v.length}`).join(' ')}` : '';
      return `${id} (${shortest} step${shortest === 1 ? '' : 's'}${classes})`;
    }).join(', ');
    verdict = `${paint(style, 31, 'VIOLATION')}: ${ids.length} invariant${ids.length === 1 ? '' : 's'} violated: ${list}`;
    if (json.violations.some((v) => v.class !== undefined)) verdict += ' (K kernel defect, D by design, U userspace contract breach, E environment)';
    // once every checked invariant has its shortest trace there is nothing left to find
    if (!explored.complete && ids.length < c.invariants.length) verdict += `; the search was ${stop}, so others may be violated beyond it`;
  } else if (json.verdict === 'pass') {
    verdict = `${paint(style, 32, 'PASS')}: no invariant violated; every state reachable within depth ${n(b.maxDepth)} was explored`;
  } else {
    verdict = `${paint(style, 33, 'INCOMPLETE')}: ${stop} at depth ${n(explored.stats.depth)} with ${n(explored.stats.queueLeft)} states queued; no violation so far, but this is not a pass`;
  }
  out.push(`verdict        ${verdict}`);

  const s = explored.stats;
  out.push(
    `statistics     ${n(s.distinctStates)} distinct states · ${n(s.transitions)} transitions${s.asleep !== undefined ? ` (${n(s.asleep)} more asleep: --por sleep)` : ''} · depth ${n(s.depth)} · ${s.seconds.toFixed(2)} s`,
  );
  out.push(
    `               ${n(s.statesPerSecond)} generated/s · ${n(s.distinctPerSecond)} distinct/s · queue left ${n(s.queueLeft)} · ` +
      `collision probability ${s.collisionProbability.toExponential(1)} · visited store ${(s.storeBytes / 2 ** 20).toFixed(1)} MiB (${s.bytesPerState.toFixed(1)} B/state)`,
  );
  if (explored.coverage.length > 0) {
    const w = Math.max(11, ...explored.coverage.map((k) => k.kind.length));
    out.push(`coverage       ${'action kind'.padEnd(w)}  ${'enabled'.padStart(12)}  ${'new states'.padStart(12)}`);
    for (const k of explored.coverage) {
      out.push(`               ${k.kind.padEnd(w)}  ${n(k.enabled).padStart(12)}  ${n(k.newStates).padStart(12)}`);
    }
  }
  const warnings = [...explored.warnings, ...run.warnings];
  if (warnings.length > 0) {
    out.push('warnings');
    for (const w of warnings) out.push(`  ${paint(style, 33, '!')} ${w}`);
  }
  return out.join('\n') + '\n';
}
