// The trace as a Mermaid sequenceDiagram (https://mermaid.js.org/syntax/sequenceDiagram.html):
// a participant per lane, each step's calls as arrows, what the caller saw as a reply, and a
// Note for the violation. Pastes into GitHub issues, GitLab and mermaid.live as is.
import type { Trace } from './trace.js';

/** Mermaid message text: one line, and `#` `;` `<` as Mermaid's numeric entity codes (#NN;). */
export function mermaidText(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[#;<]/g, (ch) => `#${ch.charCodeAt(0)};`);
}

export function renderMermaid(trace: Trace): string {
  const lanes = [...trace.lanes];
  // Lanes named only by calls (a model that forgot one in `lanes`) still get a participant.
  for (const s of trace.steps) for (const c of s.outcome.calls) for (const l of [c.from, c.to]) if (!lanes.includes(l)) lanes.push(l);
  const id = (lane: string): string => `L${lanes.indexOf(lane)}`;
  const first = lanes[0] ?? 'userspace';
  const last = lanes[lanes.length - 1] ?? first;
  const out: string[] = ['sequenceDiagram'];
  if (lanes.length === 0) lanes.push(first);
  for (const l of lanes) out.push(`  participant ${id(l)} as ${mermaidText(l)}`);
  for (const s of trace.steps) {
    const ret = s.outcome.ret + (s.outcome.reason !== undefined ? ` (${s.outcome.reason})` : '');
    out.push(`  Note over ${id(first)}: ${mermaidText(`${s.index}. ${s.label}`)}`);
    const calls = s.outcome.calls;
    for (const c of calls) out.push(`  ${id(c.from)}->>${id(c.to)}: ${mermaidText(c.label)}`);
    const head = calls[0];
    if (head !== undefined && head.from !== head.to) out.push(`  ${id(head.to)}-->>${id(head.from)}: ${mermaidText(ret)}`);
    else out.push(`  Note over ${id(first)}: ${mermaidText(`= ${ret}`)}`);
  }
  const v = trace.violation;
  const span = first === last ? id(first) : `${id(first)},${id(last)}`;
  if (v.observation !== undefined) out.push(`  Note over ${span}: ${mermaidText(`observed: ${v.observation}`)}`);
  out.push(`  Note over ${span}: ${mermaidText(`VIOLATED ${v.invariant}: ${v.message}`)}`);
  return `${out.join('\n')}\n`;
}
