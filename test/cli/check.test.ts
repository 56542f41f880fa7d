// The check pipeline on a toy target with known answers: runCheck directly, and the whole command
// in-process with the toy in place of the registry.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCheck } from '../../cli/check.js';
import { UsageError, type Config } from '../../spec/config.js';
import { DEFAULT_CONFIG, toyTarget } from './fixtures/toy-target.js';
import { isOneLineError, run } from './helpers.js';

const cfg = (over: Partial<Config> = {}): Config => ({ ...DEFAULT_CONFIG, ...over });

describe('runCheck', () => {
  test('a planted violation: verdict violation, exit 12, the shortest trace (3 actions)', () => {
    const r = runCheck(toyTarget(cfg()));
    expect(r.json.verdict).toBe('violation');
    expect(r.exitCode).toBe(12);
    expect(r.json.complete).toBe(true);
    expect(r.json.violations).toHaveLength(1);
    const v = r.json.violations[0]!;
    expect(v.invariant).toBe('no-dma-window');
    expect(v.message).toBe('a=2 while b=1');
    expect(v.length).toBe(3);
    expect(v.steps.map((s) => s.action).sort()).toEqual(['incA', 'incA', 'incB']);
    expect(v.steps[0]!.label).toMatch(/^INC[AB]\(\)$/);
    // The whole grid is explored: the run goes on to collect other invariants' violations.
    expect(r.json.stats.distinctStates).toBe(16);
  });

  test('no violation within a complete search: pass, exit 0', () => {
    const r = runCheck(toyTarget(cfg(), { planted: false, size: 4 }));
    expect(r.json.verdict).toBe('pass');
    expect(r.exitCode).toBe(0);
    expect(r.json.complete).toBe(true);
    expect(r.json.stats.distinctStates).toBe(25);
    expect(r.json.stats.depth).toBe(8);
    expect(r.json.violations).toEqual([]);
  });

  test('stopped by the state bound: incomplete, not a pass (exit 3, verdict says so)', () => {
    const r = runCheck(toyTarget(cfg({ bounds: { maxStates: 5 } }), { planted: false, size: 10 }));
    expect(r.json.verdict).toBe('incomplete');
    expect(r.json.complete).toBe(false);
    expect(r.explored.stoppedBy).toBe('max-states');
    expect(r.json.stoppedBy).toBe('max-states');
    expect(r.exitCode).toBe(3);
  });

  test('stopped by the time limit: incomplete, and the report names the bound', async () => {
    const big = { buildTarget: async (c: Config) => toyTarget(c, { planted: false, size: 3000 }) };
    const r = await run(['check', '--time-limit', '0.2', '--max-depth', '10000', '--max-states', '100000000'], big);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('INCOMPLETE: stopped at the time limit (--time-limit 0.2 s)');
  });

  test('the depth bound makes a complete run within it (design.md: complete within maxDepth)', () => {
    const r = runCheck(toyTarget(cfg({ bounds: { maxDepth: 2 } })));
    expect(r.json.verdict).toBe('pass');
    expect(r.json.complete).toBe(true);
    expect(r.json.config.maxDepth).toBe(2);
  });

  test('JSON keys are exactly design.md\'s', () => {
    const j = runCheck(toyTarget(cfg())).json;
    const parsed = JSON.parse(JSON.stringify(j)) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['tool', 'version', 'config', 'verdict', 'complete', 'stoppedBy', 'stats', 'coverage', 'warnings', 'violations']);
    expect(parsed['tool']).toBe('vdpa-mc');
    expect(Object.keys(parsed['config'] as object)).toEqual(['system', 'kernel', 'parent', 'userspace', 'maxDepth', 'maxStates', 'invariants']);
    expect(Object.keys(parsed['stats'] as object)).toEqual([
      'distinctStates', 'transitions', 'depth', 'seconds', 'statesPerSecond', 'queueLeft', 'collisionProbability',
    ]);
    const v = (parsed['violations'] as Record<string, unknown>[])[0]!;
    expect(Object.keys(v)).toEqual(['invariant', 'message', 'length', 'steps', 'trace']);
    expect(Object.keys((v['steps'] as object[])[0]!)).toEqual(['action', 'label']);
    const itf = v['trace'] as { '#meta': { format: string }; vars: string[]; states: unknown[] };
    expect(itf['#meta'].format).toBe('ITF');
    expect(itf.vars).toEqual(expect.arrayContaining(['a', 'b']));
    expect(itf.states).toHaveLength(4);
  });

  test('vfio has parent null (the keys never vary)', () => {
    const j = runCheck(toyTarget(cfg({ system: 'vfio', parent: undefined, userspace: 'cpr' }))).json;
    expect(j.config.parent).toBeNull();
  });

  test('a never-enabled action kind and an invariant with no property are warned about', () => {
    const r = runCheck(toyTarget(cfg({ invariants: ['pin-accounting', 'asid-routing'] })));
    expect(r.explored.warnings.join('\n')).toContain('never');
    expect(r.warnings).toEqual(['invariant asid-routing applies but the model declares no property for it: it was not checked']);
    expect(r.json.verdict).toBe('pass');
    expect(r.json.config.invariants).toEqual(['pin-accounting', 'asid-routing']);
  });

  test('an invariant that does not apply is a usage error', () => {
    expect(() => runCheck(toyTarget(cfg({ invariants: ['vfio-live-update'] })))).toThrow(UsageError);
  });
});

describe('vdpa-mc check (in-process, toy target)', () => {
  const deps = { buildTarget: async (c: Config) => toyTarget(c) };

  test('--json prints the result object and nothing else; exit 12', async () => {
    const r = await run(['check', '--json'], deps);
    expect(r.code).toBe(12);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as { verdict: string; config: { kernel: string } };
    expect(j.verdict).toBe('violation');
    expect(j.config.kernel).toBe('6.12');
  });

  test('text: configuration, alphabet, verdict, statistics, warnings, counterexample', async () => {
    const r = await run(['check', '--kernel', '6.7', '--parent', 'vdpa_sim'], deps);
    expect(r.code).toBe(12);
    for (const part of [
      'configuration  system vdpa · kernel 6.7 · parent vdpa_sim · userspace qemu',
      'alphabet\n  counters a, b in [0, 3]',
      'verdict        VIOLATION: 1 invariant violated: no-dma-window (3 steps)',
      'statistics     16 distinct states',
      'warnings',
      'Counterexample to no-dma-window',
      'a=2 while b=1',
      'DMA(0, p1) → FAULT',
    ]) expect(r.stdout).toContain(part);
    expect(r.stdout).not.toMatch(/\u001b\[/); // not a terminal: no colour
  });

  test('--max-states stops the run: the verdict says incomplete and which bound', async () => {
    const r = await run(['check', '--max-states', '3', '--invariants', 'pin-accounting'], deps);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('INCOMPLETE: stopped at the state bound (--max-states 3)');
    expect(r.stdout).toContain('not a pass');
    const j = JSON.parse((await run(['check', '--max-states', '3', '--invariants', 'pin-accounting', '--json'], deps)).stdout) as {
      verdict: string;
      complete: boolean;
    };
    expect([j.verdict, j.complete]).toEqual(['incomplete', false]);
  });

  test('--out writes <invariant>.itf.json, .txt and .html', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'vdpa-mc-out-')), 'traces');
    const r = await run(['check', '--json', '--out', dir], deps);
    expect(r.code).toBe(12);
    for (const ext of ['.itf.json', '.txt', '.html']) expect(existsSync(join(dir, `no-dma-window${ext}`))).toBe(true);
    const itf = JSON.parse(readFileSync(join(dir, 'no-dma-window.itf.json'), 'utf8')) as { states: unknown[] };
    expect(itf.states).toHaveLength(4);
    expect(readFileSync(join(dir, 'no-dma-window.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    // What check wrote, trace reads: show renders it, replay on the same configuration finds the violation again.
    const file = join(dir, 'no-dma-window.itf.json');
    const shown = await run(['trace', 'show', file], deps);
    expect([shown.code, shown.stdout.includes('Counterexample to no-dma-window')]).toEqual([0, true]);
    const replayed = await run(['trace', 'replay', file], deps);
    expect(replayed.code).toBe(12);
  });

  test('an exception that is not a usage error: one line "internal error", exit 1; the stack only with VDPA_MC_DEBUG=1', async () => {
    const boom = { buildTarget: async (): Promise<never> => { throw new TypeError('boom'); } };
    const r = await run(['check'], boom);
    expect(r.code).toBe(1);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toContain('internal error: boom');
    const d = await run(['check'], boom, { VDPA_MC_DEBUG: '1' });
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/TypeError: boom\n\s+at /);
  });

  test('a usage error from the target builder is exit 2 with its one line', async () => {
    const r = await run(['check'], { buildTarget: async () => { throw new UsageError('vdpa-mc check: no such variant'); } });
    expect([r.code, r.stderr]).toEqual([2, 'vdpa-mc check: no such variant\n']);
  });
});
