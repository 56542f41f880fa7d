// Interim writer of `check --out` files until traces/files.ts (writeTraceFiles) lands: the ITF and
// text come from traces/, the .html is only the text in a <pre> until traces/ has its viewer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { itfText } from '../traces/itf.js';
import { renderText } from '../traces/text.js';
import { type Trace, traceStem } from '../traces/trace.js';

/** Writes `<invariant>.itf.json`, `.txt` and `.html` under `dir` (created if missing); returns the paths. */
export function writeTraceFilesInterim(dir: string, t: Trace): string[] {
  const stem = traceStem(t);
  mkdirSync(dir, { recursive: true });
  const text = renderText(t, { color: false });
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const files: [string, string][] = [
    [`${stem}.itf.json`, itfText(t)],
    [`${stem}.txt`, text],
    [`${stem}.html`, `<!doctype html><meta charset="utf-8"><title>${esc(stem)}</title><pre>${esc(text)}</pre>\n`],
  ];
  return files.map(([name, body]) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  });
}
