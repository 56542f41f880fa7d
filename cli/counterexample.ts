// Interim renderings of a Trace for `check` until traces/itf.ts and traces/text.ts land:
// a plain ITF object and a numbered list of steps. Replace the bodies with the traces module's.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Trace } from '../traces/trace.js';

/** ITF (Apalache/Quint): `#meta`, `vars`, `states`; each state carries the action that led to it. */
export function traceToItf(t: Trace): Record<string, unknown> {
  const vars = Object.keys(t.init.world);
  const states = [
    { '#meta': { index: 0 }, ...t.init.world },
    ...t.steps.map((s) => ({ '#meta': { index: s.index, action: s.kind, label: s.label, args: s.action, ret: s.outcome.ret }, ...s.world })),
  ];
  return {
    '#meta': {
      format: 'ITF',
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      source: t.source,
      config: t.config,
      invariant: t.violation.invariant,
      message: t.violation.message,
      ...(t.violation.observation !== undefined ? { observation: t.violation.observation } : {}),
    },
    vars,
    states,
  };
}

/** A numbered list of the steps with what the caller saw, then the violation and its observation. */
export function traceToText(t: Trace): string {
  const lines = [`counterexample: ${t.violation.invariant} violated after ${t.steps.length} step(s)`];
  for (const s of t.steps) lines.push(`  ${String(s.index).padStart(2)}. ${s.label}  → ${s.outcome.ret}`);
  lines.push(`  violated: ${t.violation.invariant}: ${t.violation.message}`);
  if (t.violation.observation !== undefined) lines.push(`  observation: ${t.violation.observation}`);
  return lines.join('\n') + '\n';
}

/** Writes `<invariant>.itf.json`, `.txt` and `.html` under `dir` (created if missing); returns the paths. */
export function writeTraceFilesInterim(dir: string, t: Trace): string[] {
  const stem = t.violation.invariant.replace(/[^A-Za-z0-9._-]/g, '_') || 'trace';
  mkdirSync(dir, { recursive: true });
  const text = traceToText(t);
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const files: [string, string][] = [
    [`${stem}.itf.json`, JSON.stringify(traceToItf(t), null, 2) + '\n'],
    [`${stem}.txt`, text],
    [`${stem}.html`, `<!doctype html><meta charset="utf-8"><title>${esc(stem)}</title><pre>${esc(text)}</pre>\n`],
  ];
  return files.map(([name, body]) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  });
}
