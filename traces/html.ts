// A self-contained HTML page per trace: a sequence diagram (inline SVG, a lane per layer), the
// world at the selected step beside it with what changed marked, step-through with the keyboard
// (←/→, j/k, Home/End) and buttons, and the violated invariant highlighted at the end.
// No network at view time and no library: the SVG is drawn here, the page's script is below, and
// the trace itself is embedded as its ITF JSON (which the script reads).
import { toItf } from './itf.js';
import { isErrno } from './text.js';
import type { Trace } from './trace.js';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** JSON inside <script>: `<` escaped so that no "</script>" or "<!--" can end the element early. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// Geometry of the diagram, in CSS pixels.
const GUTTER = 44;
const HEAD = 46;
const TITLE = 26;
const ROW = 30;
const PAD = 10;
const CHAR = 6.7; // width of one 11px monospace character, near enough

interface Layout {
  readonly lanes: readonly string[];
  readonly x: readonly number[];
  readonly width: number;
}

function layout(trace: Trace): Layout {
  const lanes = [...trace.lanes];
  for (const s of trace.steps) for (const c of s.outcome.calls) for (const l of [c.from, c.to]) if (!lanes.includes(l)) lanes.push(l);
  if (lanes.length === 0) lanes.push('caller');
  // Each gap is wide enough for the longest label of an arrow between neighbouring lanes.
  const gaps = lanes.slice(1).map(() => 150);
  for (const s of trace.steps) {
    const calls = s.outcome.calls;
    const ret = s.outcome.ret + (s.outcome.reason !== undefined ? ` (${s.outcome.reason})` : '');
    const labelled = [...calls.map((c) => [c.from, c.to, c.label] as const), ...(calls[0] ? [[calls[0].to, calls[0].from, ret] as const] : [])];
    for (const [from, to, label] of labelled) {
      const i = lanes.indexOf(from);
      const j = lanes.indexOf(to);
      const lo = Math.min(i, j);
      const span = Math.max(1, Math.abs(i - j));
      const need = (label.length * CHAR + 24) / span;
      for (let g = lo; g < lo + span && g < gaps.length; g++) gaps[g] = Math.min(300, Math.max(gaps[g] ?? 150, need));
    }
  }
  const x: number[] = [GUTTER + 80];
  for (const g of gaps) x.push((x[x.length - 1] as number) + g);
  // A step's title runs across the lanes, and so may a long arrow label: the diagram is wide enough for both.
  const titles = Math.max(0, ...trace.steps.map((s) => (s.label.length + s.outcome.ret.length + 3) * 7.3));
  const at = (lane: string): number => x[Math.max(0, lanes.indexOf(lane))] as number;
  let right = 0;
  for (const s of trace.steps) {
    for (const c of s.outcome.calls) right = Math.max(right, labelRight(at(c.from), at(c.to), c.label));
    const head = s.outcome.calls[0];
    const ret = s.outcome.ret + (s.outcome.reason !== undefined ? ` (${s.outcome.reason})` : '');
    if (head !== undefined) right = Math.max(right, labelRight(at(head.to), at(head.from), ret));
  }
  return { lanes, x, width: Math.ceil(Math.max((x[x.length - 1] as number) + 90, GUTTER + 8 + titles + 16, right + 12)) };
}

/** Where an arrow's label ends on the right (see `arrow` for where it starts). */
function labelRight(x1: number, x2: number, label: string): number {
  const w = label.length * CHAR;
  if (x1 === x2) return x1 + 34 + w;
  return w <= Math.abs(x2 - x1) - 8 ? (x1 + x2) / 2 + w / 2 : Math.min(x1, x2) + 6 + w;
}

/** Greedy word wrap to lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

function arrow(x1: number, x2: number, y: number, label: string, cls: string): string {
  if (x1 === x2) {
    // A call to the same lane: a small loop on its right.
    return `<path class="${cls}" d="M${x1} ${y - 6} h28 v12 h-26" marker-end="url(#head)"/>` +
      `<text class="lbl" x="${x1 + 34}" y="${y + 4}">${esc(label)}</text>`;
  }
  const dir = x2 > x1 ? -1 : 1;
  // A label longer than its arrow starts at the arrow's left end and runs on to the right
  // (centred, it would run off the diagram's left edge).
  const fits = label.length * CHAR <= Math.abs(x2 - x1) - 8;
  const at = fits ? `x="${(x1 + x2) / 2}" text-anchor="middle"` : `x="${Math.min(x1, x2) + 6}"`;
  return `<line class="${cls}" x1="${x1}" y1="${y}" x2="${x2 + dir * 3}" y2="${y}" marker-end="url(#head)"/>` +
    `<text class="lbl" ${at} y="${y - 6}">${esc(label)}</text>`;
}

/** The diagram: lane heads, one band per step (0 = the initial world), then the violation note. */
export function renderSvg(trace: Trace): string {
  const L = layout(trace);
  const lx = (lane: string): number => L.x[Math.max(0, L.lanes.indexOf(lane))] as number;
  const parts: string[] = [];
  let y = HEAD + 8;
  const band = (i: number, h: number, inner: string, extra = ''): void => {
    parts.push(
      `<g class="step${extra}" data-step="${i}"><rect class="band" x="2" y="${y}" width="${L.width - 4}" height="${h}" rx="6"/>` +
        `<text class="num" x="${GUTTER / 2 + 4}" y="${y + 18}" text-anchor="middle">${i}</text>${inner}</g>`,
    );
    y += h + 4;
  };
  band(0, TITLE + 4, `<text class="title" x="${GUTTER + 8}" y="${y + 18}">initial world</text>`);
  for (const s of trace.steps) {
    const h = TITLE + ROW * (s.outcome.calls.length + 1) + PAD;
    const inner: string[] = [];
    const refused = isErrno(s.outcome.ret);
    inner.push(
      `<text class="title" x="${GUTTER + 8}" y="${y + 18}">${esc(s.label)}<tspan class="${refused ? 'ret err' : 'ret ok'}"> = ${esc(s.outcome.ret)}</tspan></text>`,
    );
    let ry = y + TITLE + ROW - 8;
    for (const c of s.outcome.calls) {
      inner.push(arrow(lx(c.from), lx(c.to), ry, c.label, 'call'));
      ry += ROW;
    }
    const ret = s.outcome.ret + (s.outcome.reason !== undefined ? ` (${s.outcome.reason})` : '');
    const head = s.outcome.calls[0];
    if (head !== undefined && head.from !== head.to) inner.push(arrow(lx(head.to), lx(head.from), ry, ret, refused ? 'reply err' : 'reply'));
    else inner.push(`<text class="lbl" x="${(L.x[0] as number) + 8}" y="${ry + 4}">= ${esc(ret)}</text>`);
    band(s.index, h, inner.join(''), refused ? ' refused' : '');
  }
  const v = trace.violation;
  const noteTop = y + 6;
  const x0 = (L.x[0] as number) - 70;
  const x1 = (L.x[L.x.length - 1] as number) + 70;
  const fit = Math.max(20, Math.floor((x1 - x0 - 24) / CHAR));
  const noteLines = [
    `✖ ${v.invariant}`,
    ...wrap(v.message, fit),
    ...(v.observation !== undefined ? wrap(`observed: ${v.observation}`, fit) : []),
  ];
  const noteH = 16 + noteLines.length * 18;
  parts.push(
    `<g id="violation-note" class="note"><rect x="${x0}" y="${noteTop}" width="${x1 - x0}" height="${noteH}" rx="6"/>` +
      noteLines.map((t, i) => `<text x="${x0 + 12}" y="${noteTop + 22 + i * 18}" class="${i === 0 ? 'nhead' : 'ntext'}">${esc(t)}</text>`).join('') +
      '</g>',
  );
  const height = noteTop + noteH + 12;
  const lifelines = L.x.map((x) => `<line class="life" x1="${x}" y1="${HEAD}" x2="${x}" y2="${height - 4}"/>`).join('');
  const heads = L.lanes
    .map((l, i) => {
      const x = L.x[i] as number;
      return `<line class="life" x1="${x}" y1="38" x2="${x}" y2="${HEAD}"/>` +
        `<rect class="lane" x="${x - 68}" y="8" width="136" height="30" rx="6"/><text class="lanename" x="${x}" y="28" text-anchor="middle">${esc(l)}</text>`;
    })
    .join('');
  // The lane heads are a strip of their own that stays at the top of the scrolling box; same
  // width and viewBox width as the body, so that both scale alike.
  return (
    `<div id="lane-heads"><svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${HEAD}" viewBox="0 0 ${L.width} ${HEAD}" aria-hidden="true">${heads}</svg></div>` +
    `<svg id="diagram" xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${height - HEAD}" viewBox="0 ${HEAD} ${L.width} ${height - HEAD}" role="img" aria-label="sequence diagram">` +
    '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="context-stroke"/></marker></defs>' +
    `${lifelines}${parts.join('')}</svg>`
  );
}

const CSS = String.raw`
:root { --bg:#f7f7f5; --fg:#1d1f21; --muted:#6a6f76; --line:#c9cdd2; --lane:#e8eef7; --laneb:#7d95b8;
  --sel:#fff4c2; --selb:#e2b93b; --ok:#1f7a3a; --err:#b3261e; --chg:#fff1a8; --chgb:#d4a72c; --bad:#fdecea; --badb:#d93025; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.4 system-ui, "DejaVu Sans", sans-serif; }
header { padding:12px 20px 8px; border-bottom:1px solid var(--line); background:#fff; }
header h1 { margin:0; font-size:18px; }
header h1 .inv { color:var(--err); font-family:ui-monospace, "DejaVu Sans Mono", monospace; }
header .cfg { color:var(--muted); font-size:12px; margin-top:2px; font-family:ui-monospace, "DejaVu Sans Mono", monospace; }
.controls { display:flex; align-items:center; gap:8px; padding:8px 20px; background:#fff; border-bottom:1px solid var(--line); position:sticky; top:0; z-index:2; }
.controls button { font:inherit; padding:4px 10px; border:1px solid var(--line); border-radius:6px; background:#fafafa; cursor:pointer; }
.controls button:hover:not(:disabled) { background:#eef2f7; }
.controls button:disabled { opacity:.45; cursor:default; }
#step-counter { font-weight:600; min-width:7em; }
#step-label { font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:13px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; flex:1; }
#step-label .ok { color:var(--ok); } #step-label .err { color:var(--err); font-weight:600; }
.keys { color:var(--muted); font-size:12px; white-space:nowrap; }
kbd { border:1px solid var(--line); border-bottom-width:2px; border-radius:4px; padding:0 4px; font-size:11px; background:#fff; }
main { display:grid; grid-template-columns:minmax(0, 1fr) minmax(320px, 420px); gap:16px; padding:16px 20px; align-items:start; }
#diagram-wrap { overflow:auto; background:#fff; border:1px solid var(--line); border-radius:8px; max-height:calc(100vh - 190px); }
#world { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 14px; position:sticky; top:60px; max-height:calc(100vh - 190px); overflow:auto; }
#world h2 { font-size:15px; margin:2px 0 6px; }
#world .outcome { font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:12px; margin-bottom:8px; }
#world .outcome .err { color:var(--err); font-weight:600; } #world .outcome .ok { color:var(--ok); }
#world .calls { margin:0 0 8px; padding-left:18px; font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:12px; color:var(--muted); }
#world h3 { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:10px 0 4px; }
#world table { border-collapse:collapse; width:100%; font-size:12.5px; }
#world td { padding:3px 6px; vertical-align:top; border-top:1px solid #eef0f2; }
#world td.name { color:var(--muted); white-space:nowrap; width:1%; }
#world td.value { font-family:ui-monospace, "DejaVu Sans Mono", monospace; word-break:break-word; }
#world tr.changed td { background:var(--chg); }
#world tr.changed td.name { border-left:3px solid var(--chgb); color:var(--fg); font-weight:600; }
#world tr.removed td.value { text-decoration:line-through; color:var(--muted); }
#world .was { display:block; color:var(--muted); font-size:11.5px; }
#world .violated-here { margin-top:12px; padding:8px 10px; border:1px solid var(--badb); border-radius:6px; background:var(--bad); font-size:12.5px; }
#world .violated-here b { color:var(--err); display:block; margin-bottom:2px; }
#world .nochange { color:var(--muted); font-style:italic; font-size:12px; }
#violation { margin:0 20px 20px; padding:12px 16px; border:1px solid var(--line); border-left:6px solid var(--badb); border-radius:8px; background:#fff; }
#violation.active { background:var(--bad); border-color:var(--badb); box-shadow:0 0 0 3px rgba(217,48,37,.18); }
#violation h2 { margin:0 0 4px; font-size:15px; color:var(--err); }
#violation .msg { font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:13px; }
#violation .obs { margin-top:4px; font-size:13px; }
#diagram, #lane-heads svg { display:block; max-width:100%; height:auto; }
#lane-heads { position:sticky; top:0; z-index:1; background:#fff; border-radius:8px 8px 0 0; }
svg text { font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:11px; fill:var(--fg); }
svg .lane { fill:var(--lane); stroke:var(--laneb); }
svg .lanename { font-family:system-ui, "DejaVu Sans", sans-serif; font-size:12.5px; font-weight:600; }
svg .life { stroke:var(--line); stroke-dasharray:4 4; }
svg .band { fill:transparent; stroke:transparent; }
svg .step { cursor:pointer; }
svg .step:hover .band { fill:#f3f5f8; }
svg .step.selected .band { fill:var(--sel); stroke:var(--selb); }
svg .title { font-size:12px; font-weight:600; }
svg .title, svg .lbl { paint-order:stroke; stroke:#fff; stroke-width:4px; stroke-linejoin:round; }
svg .step.selected .title, svg .step.selected .lbl { stroke:var(--sel); }
svg .step:hover:not(.selected) .title, svg .step:hover:not(.selected) .lbl { stroke:#f3f5f8; }
svg .num { fill:var(--muted); font-weight:600; }
svg .step.selected .num { fill:var(--fg); }
svg .ret.ok { fill:var(--ok); } svg .ret.err { fill:var(--err); }
svg .call { stroke:#46627f; stroke-width:1.4; fill:none; }
svg .reply { stroke:var(--ok); stroke-width:1.2; stroke-dasharray:5 3; fill:none; }
svg .reply.err { stroke:var(--err); }
svg .lbl { fill:#2d3b4a; }
svg .note rect { fill:var(--bad); stroke:var(--badb); }
svg .note.active rect { stroke-width:2.5; }
svg .note .nhead { fill:var(--err); font-weight:700; font-size:12px; }
`;

// The page's script: plain ES2017, no template literals, reads the embedded ITF and drives the view.
const SCRIPT = String.raw`
(function () {
  'use strict';
  var itf = JSON.parse(document.getElementById('trace-data').textContent);
  var states = itf.states;
  var last = states.length - 1;
  var current = 0;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function isErrno(r) { return /^-E[A-Z0-9]+$/.test(r) || /^-\d+$/.test(r); }
  function fieldsOf(view) {
    var m = Object.create(null); // own keys only: a field named toString is a field
    view.forEach(function (l) { l.fields.forEach(function (f) { m[l.layer + '\u0000' + f.name] = f.value; }); });
    return m;
  }
  function renderWorld(i) {
    var box = document.getElementById('world');
    box.textContent = '';
    var meta = states[i]['#meta'];
    box.appendChild(el('h2', null, i === 0 ? 'Initial world' : 'World after step ' + i));
    if (i > 0) {
      var o = el('div', 'outcome');
      o.appendChild(document.createTextNode(meta.label + ' = '));
      var ret = states[i].ret;
      o.appendChild(el('span', isErrno(ret) ? 'err' : 'ok', ret));
      if (meta.reason) o.appendChild(document.createTextNode(' (' + meta.reason + ')'));
      box.appendChild(o);
      if (meta.calls.length) {
        var ul = el('ol', 'calls');
        meta.calls.forEach(function (c) { ul.appendChild(el('li', null, c.from + ' \u2192 ' + c.to + ': ' + c.label)); });
        box.appendChild(ul);
      }
    }
    var before = i > 0 ? fieldsOf(states[i - 1]['#meta'].view) : null;
    var changedCount = 0;
    var layers = meta.view.slice();
    if (before) {
      states[i - 1]['#meta'].view.forEach(function (l) {
        if (!layers.some(function (x) { return x.layer === l.layer; })) layers.push({ layer: l.layer, fields: [] });
      });
    }
    layers.forEach(function (l) {
      var h = el('h3', null, l.layer);
      box.appendChild(h);
      var t = el('table');
      t.setAttribute('data-layer', l.layer);
      var names = Object.create(null); // a field named toString or constructor is not already shown
      l.fields.forEach(function (f) {
        names[f.name] = true;
        var tr = el('tr');
        var was = before ? before[l.layer + '\u0000' + f.name] : f.value;
        tr.appendChild(el('td', 'name', f.name));
        var td = el('td', 'value', f.value);
        if (before && was !== f.value) {
          tr.className = 'changed';
          changedCount++;
          td.appendChild(el('span', 'was', was === undefined ? '(new)' : 'was: ' + was));
        }
        tr.appendChild(td);
        t.appendChild(tr);
      });
      if (before) {
        var old = states[i - 1]['#meta'].view.filter(function (x) { return x.layer === l.layer; })[0];
        (old ? old.fields : []).forEach(function (f) {
          if (names[f.name]) return;
          var tr = el('tr', 'changed removed');
          changedCount++;
          tr.appendChild(el('td', 'name', f.name));
          var td = el('td', 'value', f.value);
          td.appendChild(el('span', 'was', 'removed'));
          tr.appendChild(td);
          t.appendChild(tr);
        });
      }
      box.appendChild(t);
    });
    if (before && changedCount === 0) box.appendChild(el('p', 'nochange', 'No field changed at this step.'));
    if (i === last) {
      var v = itf['#meta'];
      var note = el('div', 'violated-here');
      note.appendChild(el('b', null, '\u2716 ' + v.invariant + ' is violated here'));
      note.appendChild(el('div', null, v.message));
      box.appendChild(note);
    }
  }
  // Scrolls the diagram's box (not the page) so that the selected band is in view.
  function reveal(g) {
    var wrap = document.getElementById('diagram-wrap');
    var r = g.getBoundingClientRect();
    var w = wrap.getBoundingClientRect();
    var top = w.top + document.getElementById('lane-heads').getBoundingClientRect().height;
    if (r.top < top) wrap.scrollTop += r.top - top - 8;
    else if (r.bottom > w.bottom) wrap.scrollTop += Math.min(r.bottom - w.bottom + 8, r.top - top - 8);
  }
  // Scrolls the world panel to its first changed field when that is below the fold.
  function revealChange() {
    var box = document.getElementById('world');
    box.scrollTop = 0;
    var row = box.querySelector('tr.changed');
    if (!row) return;
    var r = row.getBoundingClientRect();
    var b = box.getBoundingClientRect();
    if (r.bottom > b.bottom) box.scrollTop += r.top - b.top - 60;
  }
  function select(i) {
    current = Math.max(0, Math.min(last, i));
    var groups = document.querySelectorAll('#diagram .step');
    for (var k = 0; k < groups.length; k++) {
      var g = groups[k];
      var on = Number(g.getAttribute('data-step')) === current;
      g.classList.toggle('selected', on);
      if (on) reveal(g);
    }
    var meta = states[current]['#meta'];
    document.getElementById('step-counter').textContent = 'Step ' + current + ' / ' + last;
    var lab = document.getElementById('step-label');
    lab.textContent = current === 0 ? 'initial world' : meta.label + ' = ';
    if (current > 0) lab.appendChild(el('span', isErrno(states[current].ret) ? 'err' : 'ok', states[current].ret));
    document.getElementById('prev').disabled = current === 0;
    document.getElementById('first').disabled = current === 0;
    document.getElementById('next').disabled = current === last;
    document.getElementById('last').disabled = current === last;
    var atEnd = current === last;
    document.getElementById('violation').classList.toggle('active', atEnd);
    document.getElementById('violation-note').classList.toggle('active', atEnd);
    renderWorld(current);
    revealChange();
    if (history.replaceState) history.replaceState(null, '', '#step-' + current);
  }
  document.getElementById('prev').addEventListener('click', function () { select(current - 1); });
  document.getElementById('next').addEventListener('click', function () { select(current + 1); });
  document.getElementById('first').addEventListener('click', function () { select(0); });
  document.getElementById('last').addEventListener('click', function () { select(last); });
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === 'ArrowRight' || k === 'j') select(current + 1);
    else if (k === 'ArrowLeft' || k === 'k') select(current - 1);
    else if (k === 'Home') select(0);
    else if (k === 'End') select(last);
    else return;
    e.preventDefault();
  });
  var groups = document.querySelectorAll('#diagram .step');
  for (var k = 0; k < groups.length; k++) {
    groups[k].addEventListener('click', function () { select(Number(this.getAttribute('data-step'))); });
  }
  var m = /^#step-(\d+)$/.exec(location.hash);
  select(m ? Number(m[1]) : 0);
})();
`;

export function renderHtml(trace: Trace): string {
  const v = trace.violation;
  const cfg = Object.entries(trace.config)
    .filter(([, x]) => x !== null && typeof x !== 'object')
    .map(([k, x]) => `${k}=${String(x)}`)
    .join('  ');
  const title = `vdpa-mc: ${v.invariant} violated in ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Counterexample to <span class="inv">${esc(v.invariant)}</span> in ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'}</h1>
<div class="cfg">${esc(cfg)}${cfg ? '  ·  ' : ''}${esc(trace.source)}</div>
</header>
<nav class="controls">
<button id="first" title="First step (Home)">◀◀</button>
<button id="prev" title="Previous step (← or k)">◀ Prev</button>
<span id="step-counter">Step 0 / ${trace.steps.length}</span>
<button id="next" title="Next step (→ or j)">Next ▶</button>
<button id="last" title="Last step (End)">▶▶</button>
<span id="step-label"></span>
<span class="keys"><kbd>←</kbd><kbd>→</kbd> or <kbd>k</kbd><kbd>j</kbd> to step</span>
</nav>
<main>
<div id="diagram-wrap">${renderSvg(trace)}</div>
<aside id="world" aria-live="polite"></aside>
</main>
<section id="violation">
<h2>Violated: <span class="inv">${esc(v.invariant)}</span></h2>
<div class="msg">${esc(v.message)}</div>
${v.observation !== undefined ? `<div class="obs"><b>Observed:</b> ${esc(v.observation)}</div>` : ''}
</section>
<script type="application/json" id="trace-data">${scriptJson(toItf(trace))}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
