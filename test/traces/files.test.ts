// check --out's files: <invariant>.itf.json, .txt, .html, and reading them back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { readTraceFile, writeTraceFiles, writeTraceFilesSync } from '../../traces/files.js';
import { fixtureTraces } from './fixtures/fixture-traces.js';

const tmp = mkdtempSync(join(tmpdir(), 'vdpa-mc-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('writes the three files named after the invariant; the .itf.json reads back as the trace', async () => {
  const { overlap, persist } = fixtureTraces();
  const dir = join(tmp, 'out', 'nested');
  const p = await writeTraceFiles(dir, overlap);
  expect(p).toEqual({
    itf: join(dir, 'user-kernel-agreement.itf.json'),
    text: join(dir, 'user-kernel-agreement.txt'),
    html: join(dir, 'user-kernel-agreement.html'),
  });
  expect(await readTraceFile(p.itf)).toEqual({ ok: true, trace: overlap });
  expect(readFileSync(p.text, 'utf8')).toMatch(/^Counterexample to user-kernel-agreement \(2 steps; system=vdpa/);
  expect(readFileSync(p.text, 'utf8')).not.toContain('\x1b[');
  expect(readFileSync(p.html, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  const q = writeTraceFilesSync(dir, persist);
  expect(await readTraceFile(q.itf)).toEqual({ ok: true, trace: persist });
});

test('a world lacking a field the others have round-trips (ITF "absent" marker)', async () => {
  const { persist } = fixtureTraces();
  const { device: _dropped, ...rest } = persist.steps[1]!.world;
  const t = { ...persist, steps: persist.steps.map((s, i) => (i === 1 ? { ...s, world: rest } : s)) };
  const p = await writeTraceFiles(join(tmp, 'absent'), t);
  expect(readFileSync(p.itf, 'utf8')).toContain('"device": {\n        "#unserializable": "absent"\n      }');
  expect(await readTraceFile(p.itf)).toEqual({ ok: true, trace: t });
});
