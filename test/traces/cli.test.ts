// `vdpa-mc trace show|replay|export-test` in-process, on the saved toy traces, with a toy target
// in place of the registry's.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runTraceCommand, type TraceDeps, type TraceIO } from '../../cli/trace.js';
import type { Config } from '../../spec/config.js';
import type { CheckTarget } from '../../systems/target.js';
import type { TraceModel } from '../../traces/trace-model.js';
import { FIXTURES_DIR } from './fixtures/fixture-traces.js';
import { toyModel } from './fixtures/toy-model.js';

const fixture = (name: string): string => join(FIXTURES_DIR, name);
const tmp = mkdtempSync(join(tmpdir(), 'vdpa-mc-trace-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Kernel "6.12" is the toy as recorded; "6.6" a toy whose reset keeps the device's maps. */
const deps: TraceDeps = {
  cwd: tmp,
  buildTarget: async (c: Config): Promise<CheckTarget> => ({
    config: { system: c.system, kernel: c.kernel, parent: c.parent, userspace: c.userspace, bounds: { maxDepth: 6, maxStates: 1000, timeLimit: 10 }, invariants: [] },
    model: toyModel(c.kernel === '6.6' ? { resetKeepsDevice: true } : {}) as unknown as TraceModel<unknown, unknown>,
    applicable: [],
    alphabet: [],
  }),
};

async function run(argv: string[], tty = false): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: TraceIO = { out: (s) => void (out += s), err: (s) => void (err += s), stdoutIsTTY: tty, env: {} };
  const code = await runTraceCommand(argv, io, deps);
  return { code, out, err };
}

describe('trace show', () => {
  test('text by default, plain when not a terminal, coloured on one', async () => {
    const r = await run(['show', fixture('toy-overlap.itf.json')]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('2. VHOST_IOTLB_UPDATE asid=0 iova=[0x1000,0x2000) host=h1  = -EFAULT (vhost: -EEXIST, overlaps [0x0000,0x2000))');
    expect(r.out).not.toContain('\x1b[');
    expect((await run(['show', fixture('toy-overlap.itf.json')], true)).out).toContain('\x1b[');
  });

  test('--format mermaid and --format html; a leading "trace" is tolerated', async () => {
    expect((await run(['show', fixture('toy-persist.itf.json'), '--format', 'mermaid'])).out).toMatch(/^sequenceDiagram\n/);
    const html = await run(['trace', 'show', fixture('toy-persist.itf.json'), '--format=html']);
    expect(html.code).toBe(0);
    expect(html.out).toMatch(/^<!DOCTYPE html>/);
  });

  test.each([
    [['show', fixture('missing.itf.json')], /missing\.itf\.json: cannot read \(no such file\)$/],
    [['show', fixture('truncated.itf.json')], /truncated\.itf\.json: not JSON \(/],
    [['show', fixture('not-itf.json')], /not-itf\.json: not a vdpa-mc trace: #meta: missing \(expected an object\)$/],
    [['show', fixture('quint.itf.json')], /quint\.itf\.json: not a vdpa-mc trace: #meta: an ITF file, but not a vdpa-mc trace/],
    [['show', FIXTURES_DIR], /cannot read \(is a directory\)$/],
    [['show', fixture('toy-overlap.itf.json'), '--format', 'pdf'], /--format/],
    [['show'], /FILE is required/],
    [['frob'], /^vdpa-mc trace: "frob" is not a subcommand \(accepted: show, replay, export-test\)$/],
    [[], /a subcommand is required/],
  ])('%j: one line, exit 2', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd()).toMatch(message);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('trace replay', () => {
  test('same configuration: the violation reproduces, exit 12', async () => {
    const r = await run(['replay', fixture('toy-persist.itf.json')]);
    expect(r.code).toBe(12);
    expect(r.out.split('\n')).toEqual([
      `replaying ${fixture('toy-persist.itf.json')} (3 steps, recorded: kernel-device-agreement) on system=vdpa kernel=6.12 parent=mlx5 userspace=qemu`,
      'replayed 3 of 3 steps: same outcome and world at every step',
      'VIOLATED kernel-device-agreement after step 3: vhost-vdpa holds [0x0000,0x1000) → h0+ but the device IOMMU has empty',
      '  observed: device DMA to IOVA 0x0000 faults (no IOMMU entry)',
      '',
    ]);
  });

  test('another kernel: diverges at step 3 on the world, no violation, exit 0', async () => {
    const r = await run(['replay', fixture('toy-persist.itf.json'), '--kernel', '6.6']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('kernel=6.6');
    expect(r.out).toContain('diverges at step 3 (world: another world)');
    expect(r.out).toContain('the recorded violation of kernel-device-agreement does not reproduce');
  });

  test('--json', async () => {
    const r = await run(['replay', fixture('toy-persist.itf.json'), '--kernel', '6.6', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j).toMatchObject({ stepsRun: 3, reproduced: false, violations: [], divergedAt: { step: 3, why: 'world' }, config: { kernel: '6.6', parent: 'mlx5' } });
  });

  test('an unknown action, a malformed file, a bad option: one line, exit 2', async () => {
    const u = await run(['replay', fixture('unknown-action.itf.json')]);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/unknown-action\.itf\.json: step 2 is not an action of the vdpa model \(map \{"type":"frobnicate","iova":1\}\)\n$/);
    expect((await run(['replay', fixture('truncated.itf.json')])).code).toBe(2);
    const bad = await run(['replay', fixture('toy-persist.itf.json'), '--kernel', 'no-such-kernel']);
    expect(bad.code).toBe(2);
    expect(bad.err.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('trace export-test', () => {
  test('writes a vitest file that imports the registry, replays and asserts the violation', async () => {
    const out = join(tmp, 'reg', 'persist.test.ts');
    const r = await run(['export-test', fixture('toy-persist.itf.json'), '--out', out]);
    expect(r).toMatchObject({ code: 0, out: `wrote ${out}\n` });
    const src = readFileSync(out, 'utf8');
    expect(src).toContain("expect(result.violations.map((v) => v.propertyId), report).toContain(\"kernel-device-agreement\");");
    expect(src).toContain('const model = (await buildTarget(traceConfig(trace, {}, { from: import.meta.dirname }))).model;');
    // Every relative import resolves to a module of this repository.
    for (const [, spec] of src.matchAll(/from '(\.[^']+)'/g)) {
      expect(existsSync(resolve(dirname(out), spec!).replace(/\.js$/, '.ts')), spec).toBe(true);
    }
  });

  test('without --out: test/regressions/<invariant>.test.ts under the working directory', async () => {
    const r = await run(['export-test', fixture('toy-overlap.itf.json')]);
    expect(r.code).toBe(0);
    expect(existsSync(join(tmp, 'test', 'regressions', 'user-kernel-agreement.test.ts'))).toBe(true);
  });

  test('--out - prints the test on stdout', async () => {
    const r = await run(['export-test', fixture('toy-persist.itf.json'), '--out', '-']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\/\/ Regression test exported by `vdpa-mc trace export-test` from a counterexample to kernel-device-agreement\n/);
    expect(r.out).toContain("import { expect, test } from 'vitest';");
  });

  test('a file that is not a trace: exit 2', async () => {
    expect((await run(['export-test', fixture('not-itf.json')])).code).toBe(2);
  });
});
