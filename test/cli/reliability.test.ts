// Issue 11: every input gets a clear answer. Each item both ways: the bad input refused with one line
// and exit 2 (or handled), the good one still accepted. In-process runs (cheap); no timed assertion.
import { describe, expect, test } from 'vitest';
import { isOneLineError, run } from './helpers.js';
import { execFileSync } from 'node:child_process';
import { chmodSync, symlinkSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explore as bfsExplore } from '../../explorer/bfs.js';
import type { ExploreFn } from '../../cli/check.js';
import type { Config } from '../../spec/config.js';
import { toyTarget } from './fixtures/toy-target.js';

describe('name tables read own properties only', () => {
  test.each([
    [['help', 'toString'], ['unknown command "toString"', 'check, matrix']],
    [['help', '__proto__'], ['unknown command "__proto__"']],
    [['help', 'constructor'], ['unknown command "constructor"']],
    [['check', '--kernel', 'toString'], ['--kernel', '"toString"', '6.12']],
    [['check', '--parent', 'constructor'], ['--parent', '"constructor"', 'mlx5']],
    [['check', '--userspace', 'valueOf'], ['--userspace', '"valueOf"', 'qemu']],
    [['check', '--invariants', 'hasOwnProperty'], ['--invariants', '"hasOwnProperty"']],
    [['list', 'toString'], ['"toString" is not a list topic']],
  ])('vdpa-mc %j: exit 2 with the accepted names', async (argv, wants) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(isOneLineError(r), JSON.stringify(r)).toBe(true);
    for (const w of wants) expect(r.stderr).toContain(w);
  });

  test('the real names still answer', async () => {
    expect((await run(['help', 'check'])).stdout).toMatch(/^usage: vdpa-mc check/);
  });

  test('every command the help lists as accepted has its help (help conform said "unknown command \\"conform\\" (accepted: ..., conform)")', async () => {
    const { COMMANDS } = await import('../../cli/cli.js');
    for (const c of COMMANDS) {
      const r = await run(['help', c]);
      expect([r.code, r.stderr], c).toEqual([0, '']);
      expect(r.stdout, c).toMatch(new RegExp(`^usage: vdpa-mc ${c}\\b`));
    }
  });
});

describe('a flag given twice', () => {
  test.each([
    [['check', '--max-states', '10', '--max-states', '20']],
    [['check', '--json', '--json']],
    [['matrix', '--system', 'vdpa', '--system=vfio']],
  ])('vdpa-mc %j: exit 2', async (...argv) => {
    const r = await run(argv[0]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toMatch(/is given twice/);
  });
});

// ---- no run loses its results: signals, memory, --out ----


const tmp = mkdtempSync(join(tmpdir(), 'vdpa-mc-r11-'));
const toy = (planted: boolean, size = 3): { buildTarget: (c: Config) => Promise<ReturnType<typeof toyTarget>> } =>
  ({ buildTarget: async (c: Config) => toyTarget(c, { planted, size }) });

/** An engine that sends `signal` to this process, waits until the watch has seen it, then searches. */
function signalling(signal: NodeJS.Signals): ExploreFn {
  return (model, options) => {
    process.kill(process.pid, signal);
    const until = Date.now() + 10_000; // a bound, not an assertion: the worker sees it within ms
    while (options.shouldStop?.() !== 'signal' && Date.now() < until) { /* the main thread is busy, as in a search */ }
    return bfsExplore(model, options);
  };
}

describe('a signal during a search: results so far, then 128+n', () => {
  test('SIGTERM with no violation yet: JSON incomplete, stoppedBy signal, exit 143', async () => {
    const r = await run(['check', '--json', '--max-depth', '10000', '--time-limit', '20'], { ...toy(false, 3000), explore: signalling('SIGTERM') });
    expect(r.code).toBe(143);
    const j = JSON.parse(r.stdout) as { verdict: string; stoppedBy: string; complete: boolean; stats: { distinctStates: number } };
    expect([j.verdict, j.stoppedBy, j.complete]).toEqual(['incomplete', 'signal', false]);
    expect(j.stats.distinctStates).toBeGreaterThan(0);
  });

  test('SIGINT after a violation: the violation and statistics are printed, the trace written, exit 130', async () => {
    const out = join(tmp, 'sigint');
    const r = await run(['check', '--max-depth', '10000', '--time-limit', '20', '--out', out], { ...toy(true, 3000), explore: signalling('SIGINT') });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('VIOLATION: 1 invariant violated: no-dma-window (3 steps)');
    expect(r.stdout).toContain('stopped by a signal');
    expect(r.stdout).toContain('statistics');
    expect(existsSync(join(out, 'no-dma-window.itf.json'))).toBe(true);
  });

  test('without a signal the same run ends as usual (0 / 12)', async () => {
    expect((await run(['check'], toy(false))).code).toBe(0);
    expect((await run(['check'], toy(true))).code).toBe(12);
  });
});

describe('--max-memory', () => {
  test('a bound below the current RSS stops the search as incomplete (memory), exit 3', async () => {
    const r = await run(['check', '--json', '--max-memory', '1M', '--max-depth', '10000'], toy(false, 300));
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout) as { verdict: string; stoppedBy: string };
    expect([j.verdict, j.stoppedBy]).toEqual(['incomplete', 'memory']);
    const t = await run(['check', '--max-memory', '1M', '--max-depth', '10000'], toy(false, 300));
    expect(t.stdout).toContain('stopped at the memory bound (--max-memory)');
  });
  test('a generous bound changes nothing; a bad size is exit 2', async () => {
    expect((await run(['check', '--max-memory', '64G'], toy(false))).code).toBe(0);
    for (const bad of ['lots', '0', '-1G', '1.5X']) {
      const r = await run(['check', '--max-memory', bad], toy(false));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--max-memory');
    }
  });
});

describe('--out', () => {
  const never: ExploreFn = () => {
    throw new Error('searched although --out was refused');
  };
  test.each([
    ['/proc/vdpa-mc-out', /under \/proc, \/sys or \/dev/],
    ['/proc/self/fd/x', /under \/proc/],
  ])('%s is refused before any search', async (dir, message) => {
    const r = await run(['check', '--out', dir], { ...toy(true), explore: never });
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toMatch(message);
  });

  test.each([
    [['compare', '--base', '6.12', '--patched', '6.1']],
    [['matrix', '--system', 'vfio']],
  ])('%j --out under /proc is refused before any search, as check\'s', async (argv) => {
    const r = await run([...argv, '--out', '/proc/vdpa-mc-out'], { explore: never });
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toMatch(/under \/proc, \/sys or \/dev/);
  });

  test('a file in the way, or a folder that cannot be written, is refused before the search', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    for (const dir of [file, join(file, 'sub')]) {
      const r = await run(['check', '--out', dir], { ...toy(true), explore: never });
      expect(r.code).toBe(2);
      expect(isOneLineError(r)).toBe(true);
    }
    if (process.getuid?.() !== 0) {
      const ro = join(tmp, 'read-only');
      await run(['check', '--out', ro], toy(false));
      chmodSync(ro, 0o555);
      const r = await run(['check', '--out', join(ro, 'x')], { ...toy(true), explore: never });
      expect(r.code).toBe(2);
      chmodSync(ro, 0o755);
    }
  });

  test('a missing folder is accepted (and not left behind when nothing is written)', async () => {
    const dir = join(tmp, 'new', 'deeper');
    const r = await run(['check', '--out', dir], toy(true));
    expect(r.code).toBe(12);
    expect(readdirSync(dir).sort()).toEqual(['no-dma-window.html', 'no-dma-window.itf.json', 'no-dma-window.txt', 'vdpa-mc-run.json']);
  });

  test('a later run into the same folder removes the traces the earlier one listed; the manifest names this run', async () => {
    const dir = join(tmp, 'shared');
    expect((await run(['check', '--out', dir], toy(true))).code).toBe(12);
    expect(existsSync(join(dir, 'no-dma-window.itf.json'))).toBe(true);
    expect((await run(['check', '--out', dir], toy(false))).code).toBe(0);
    expect(existsSync(join(dir, 'no-dma-window.itf.json'))).toBe(false);
    const m = JSON.parse(readFileSync(join(dir, 'vdpa-mc-run.json'), 'utf8')) as { verdict: string; files: string[] };
    expect([m.verdict, m.files]).toEqual(['pass', []]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('a folder another live run is writing into is refused', async () => {
    const dir = join(tmp, 'locked');
    expect((await run(['check', '--out', dir], toy(false))).code).toBe(0);
    writeFileSync(join(dir, '.vdpa-mc.lock'), String(process.ppid));
    const r = await run(['check', '--out', dir], toy(true));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/another vdpa-mc run \(pid \d+\) is writing into/);
    writeFileSync(join(dir, '.vdpa-mc.lock'), '999999999'); // a process that is gone: taken over
    expect((await run(['check', '--out', dir], toy(true))).code).toBe(12);
  });
});

describe('CI outputs of check (--junit, --sarif, --summary)', () => {
  test('written from the run; a file that cannot be written is refused before the search', async () => {
    const junit = join(tmp, 'r.xml');
    const sarif = join(tmp, 'r.sarif');
    const summary = join(tmp, 'summary.md');
    const r = await run(['check', '--junit', junit, '--sarif', sarif, '--summary', summary], toy(true));
    expect(r.code).toBe(12);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuite[^>]*failures="1"/);
    expect((JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: unknown[] }[] }).runs[0]!.results).toHaveLength(1);
    expect(readFileSync(summary, 'utf8')).toContain('no-dma-window');
    const bad = await run(['check', '--junit', join(tmp, 'missing-dir', 'r.xml')], { ...toy(true), explore: () => { throw new Error('searched'); } });
    expect(bad.code).toBe(2);
    expect(isOneLineError(bad)).toBe(true);
  });

  // --junit /proc/x was exit 1 after the search; run as root, --checkpoint /dev/null renamed a
  // checkpoint over the device (it became a regular file). Refused before the search, as --out is.
  const devLink = join(tmp, 'dev-link'); // a symbolic link to /dev is /dev
  symlinkSync('/dev', devLink);
  test.each([
    ['--junit', '/proc/x'], ['--sarif', '/sys/x'], ['--summary', '/dev/x'], ['--junit', tmp], ['--checkpoint', join(devLink, 'x')], ['--out', devLink],
    ['--checkpoint', '/dev/null'], ['--checkpoint', '/proc/x'], ['--checkpoint', tmp], ['--checkpoint', join(tmp, 'missing-dir', 'c.ckpt')],
  ])('%s %s: exit 2 before the search, nothing written', async (flag, path) => {
    const never: ExploreFn = () => { throw new Error('searched'); };
    const r = await run(['check', flag, path], { ...toy(true), explore: never });
    expect([r.code, isOneLineError(r)], r.stderr).toEqual([2, true]);
    expect(r.stderr).toContain(`${flag} "${path}"`);
  });

  test('a result file that can be written is accepted (--checkpoint too), and no probe file is left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdpa-mc-r11-files-'));
    const r = await run(['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'qemu', '--junit', join(dir, 'j.xml'), '--checkpoint', join(dir, 'c.ckpt')]);
    expect([0, 12]).toContain(r.code);
    expect(readdirSync(dir).filter((f) => f.includes('probe'))).toEqual([]);
    expect(existsSync(join(dir, 'j.xml'))).toBe(true);
  });
});

describe('smaller', () => {
  test('trace replay refuses the bound flags it would ignore', async () => {
    for (const flag of ['--max-states', '--max-depth', '--time-limit']) {
      const r = await run(['trace', 'replay', 'x.itf.json', flag, '5']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`unknown option ${flag}`);
    }
  });
});

describe('--exclude-actions is checked against the alphabet', () => {
  test.each([
    [['setStatus(zz=1)'], /setStatus has no argument zz \(accepted: status; see vdpa-mc list actions\)/],
    [['open(x=1)'], /open has no argument x \(accepted: none/],
    [['setGroupAsid(asid=3)', '--parent', 'vdpa_sim'], /matches no action of this configuration's alphabet/],
    [['bogusKind'], /not an action kind/],
  ])('%j: exit 2', async (args, message) => {
    const [pattern, ...rest] = args;
    const r = await run(['check', '--userspace', 'any', '--exclude-actions', pattern!, ...rest, '--max-states', '50']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r), r.stderr).toBe(true);
    expect(r.stderr).toMatch(message);
  });
  test('a pattern that matches is accepted; list actions names the arguments', async () => {
    const r = await run(['check', '--userspace', 'any', '--exclude-actions', 'setStatus(status=0),setGroupAsid(asid=1)', '--max-states', '50', '--json']);
    expect([3, 12]).toContain(r.code);
    const l = await run(['list', 'actions', '--system', 'vdpa']);
    expect(l.stdout).toMatch(/^iotlbUpdate\(asid,page,npages,host\)\s/m);
    expect(l.stdout).toMatch(/^open\s/m);
  });
});

describe('trace export-test', () => {
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'traces', 'toy-overlap.itf.json');
  test.each([['/proc/x/y/t.test.ts', 'under /proc'], ['/sys/t.test.ts', 'under /proc'], ['/dev/null', 'under /proc'], [tmp, 'not a regular file']])('--out %s is refused at once (a recursive mkdir under /proc never returned)', async (out, why) => {
    const r = await run(['trace', 'export-test', fixture, '--out', out, '--force']);
    expect([r.code, isOneLineError(r)], r.stderr).toEqual([2, true]);
    expect(r.stderr).toContain(why);
  }, 20_000);
  test('never overwrites without --force', async () => {
    const out = join(tmp, 'exported.test.ts');
    expect((await run(['trace', 'export-test', fixture, '--out', out])).code).toBe(0);
    const again = await run(['trace', 'export-test', fixture, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('give --force to overwrite');
    expect((await run(['trace', 'export-test', fixture, '--out', out, '--force'])).code).toBe(0);
  });
  test.each([['9.9'], ['../../etc/passwd'], ['toString']])('refuses a trace whose kernel is %s (its configuration cannot be built)', async (kernel) => {
    const j = JSON.parse(readFileSync(fixture, 'utf8')) as { '#meta': { config: Record<string, unknown> } };
    j['#meta'].config['kernel'] = kernel;
    const f = join(tmp, `bad-${kernel.replace(/\W/g, '_')}.itf.json`);
    writeFileSync(f, JSON.stringify(j));
    const out = join(tmp, `bad-${kernel.replace(/\W/g, '_')}.test.ts`);
    const r = await run(['trace', 'export-test', f, '--out', out]);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
  test('a bare module path as the trace\'s kernel is refused before any code of it runs (replay, export-test); --kernel PATH still loads one', async () => {
    const lab = join(import.meta.dirname, '..', 'lab', 'traces', '6.12-vdpa_sim-kernel-device-agreement.itf.json');
    const marker = join(tmp, 'module-ran');
    const evil = join(tmp, 'evil-variant.ts');
    writeFileSync(evil, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nexport default {};\n`);
    const j = JSON.parse(readFileSync(lab, 'utf8')) as { '#meta': { config: Record<string, unknown> } };
    j['#meta'].config['kernel'] = evil;
    const f = join(tmp, 'path-kernel.itf.json');
    writeFileSync(f, JSON.stringify(j));
    for (const argv of [['trace', 'replay', f], ['trace', 'export-test', f, '--out', join(tmp, 'path-kernel.test.ts')]]) {
      const r = await run(argv);
      expect([r.code, isOneLineError(r)], r.stderr).toEqual([2, true]);
      expect(r.stderr).toContain('is a path, not a vdpa kernel');
      expect(existsSync(marker)).toBe(false);
    }
    // the user's own --kernel PATH is theirs to run (here: it runs, and is not a variant)
    const given = await run(['trace', 'replay', f, '--kernel', evil]);
    expect([given.code, existsSync(marker)]).toEqual([2, true]);
    expect(given.stderr).toContain('not a variant');
  });
});

describe('hostile trace files: exit 2 or handled, never exit 1', () => {
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'traces', 'toy-overlap.itf.json');
  const lab = join(import.meta.dirname, '..', 'lab', 'traces', '6.12-vdpa_sim-kernel-device-agreement.itf.json');
  const text = readFileSync(fixture, 'utf8');
  const write = (name: string, content: string): string => {
    const f = join(tmp, name);
    writeFileSync(f, content);
    return f;
  };
  /** The fixture with `value` (JSON text) in place of the field `set` puts a marker in. */
  const withRaw = (name: string, set: (j: Record<string, any>) => void, value: string): string => {
    const j = JSON.parse(text) as Record<string, any>;
    set(j);
    return write(name, JSON.stringify(j).replace('"@@RAW@@"', value));
  };

  test.each([
    ['a world value', (j: Record<string, any>) => { j['states'][0]['user'] = '@@RAW@@'; }, '{"x":'.repeat(20_000) + '1' + '}'.repeat(20_000)],
    ['#meta.config', (j: Record<string, any>) => { j['#meta']['config']['extra'] = '@@RAW@@'; }, '['.repeat(20_000) + ']'.repeat(20_000)],
    ['action arguments', (j: Record<string, any>) => { j['states'][1]['action_args'] = '@@RAW@@'; }, '{"x":'.repeat(20_000) + '1' + '}'.repeat(20_000)],
  ])('nested 20,000 levels deep in %s: exit 2 naming the nesting', async (what, set, raw) => {
    const f = withRaw(`deep-${what.replace(/\W/g, '_')}.itf.json`, set, raw);
    for (const sub of ['show', 'replay']) {
      const r = await run(['trace', sub, f]);
      expect(r.code, r.stderr).toBe(2);
      expect(isOneLineError(r)).toBe(true);
      expect(r.stderr).toContain('nested deeper than 64 levels');
    }
  });

  test('a device, a FIFO or a folder as an input file is refused at once, not read until memory runs out', async () => {
    // /dev/zero was read to 15 GB RSS by merge (0.6 GB and 19 s by trace show) before this
    const fifo = join(tmp, 'a-fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [argv, what] of [
      [['trace', 'show', '/dev/zero'], 'not a regular file'],
      [['trace', 'replay', fifo], 'not a regular file'],
      [['trace', 'export-test', '/dev/zero', '--out', join(tmp, 'zero.test.ts')], 'not a regular file'],
      [['merge', '/dev/zero'], 'not a regular file'],
      [['merge', fifo], 'not a regular file'],
      [['merge', tmp], 'is a directory'],
      [['check', '--resume', '/dev/zero'], 'not a regular file'],
    ] as const) {
      const r = await run(argv);
      expect([r.code, isOneLineError(r)], `${argv.join(' ')}: ${r.stderr}`).toEqual([2, true]);
      expect(r.stderr).toContain(what);
    }
  });

  test('a UTF-8 BOM in a shard result is skipped too: merge reads it as without it', async () => {
    const cut = (i: number) => run(['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'qemu', '--shard', `${i}/2`, '--shard-depth', '1', '--json']);
    const files = await Promise.all([0, 1].map(async (i) => {
      const r = await cut(i);
      const f = join(tmp, `bom-shard-${i}.json`);
      writeFileSync(f, (i === 0 ? '\uFEFF' : '') + r.stdout);
      return f;
    }));
    const m = await run(['merge', ...files, '--json']);
    expect(m.code, m.stderr).not.toBe(2);
    const plain = files.map((f, i) => { const g = join(tmp, `plain-shard-${i}.json`); writeFileSync(g, readFileSync(f, 'utf8').replace(/^\uFEFF/, '')); return g; });
    const p = await run(['merge', ...plain, '--json']);
    const strip = (t: string) => { const j = JSON.parse(t) as { stats: { seconds?: number } }; return { ...j, stats: { ...j.stats, seconds: 0 } }; };
    expect([m.code, strip(m.stdout)]).toEqual([p.code, strip(p.stdout)]);
  });

  test('a UTF-8 BOM is skipped: the trace reads as without it', async () => {
    const plain = await run(['trace', 'show', fixture]);
    expect(plain.code).toBe(0);
    const bom = await run(['trace', 'show', write('bom.itf.json', '\uFEFF' + text)]);
    expect(bom.code).toBe(0);
    expect(bom.stdout).toBe(plain.stdout);
    const replayed = await run(['trace', 'replay', write('bom-lab.itf.json', '\uFEFF' + readFileSync(lab, 'utf8')), '--json']);
    expect(replayed.code).toBe(12);
    expect((JSON.parse(replayed.stdout) as { reproduced: boolean }).reproduced).toBe(true);
  });

  test('an initIndex out of range: replay says where it diverges; export-test refuses it; 0 is accepted', async () => {
    const j = JSON.parse(readFileSync(lab, 'utf8')) as Record<string, any>;
    j['#meta']['initIndex'] = 99;
    const f = write('init99.itf.json', JSON.stringify(j));
    const r = await run(['trace', 'replay', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/diverges at step 0/);
    expect(r.stdout).toContain('initial world #99');
    const e = await run(['trace', 'export-test', f, '--out', join(tmp, 'init99.test.ts')]);
    expect(e.code).toBe(2);
    expect(isOneLineError(e)).toBe(true);
    expect(e.stderr).toContain('#meta.initIndex 99 is not an initial world of this configuration');
    expect((await run(['trace', 'export-test', lab, '--out', join(tmp, 'init0.test.ts')])).code).toBe(0);
    j['#meta']['initIndex'] = -1;
    expect((await run(['trace', 'replay', write('init-1.itf.json', JSON.stringify(j))])).code).toBe(2);
  });

  test('escape sequences and control characters in a trace are stripped when printed', async () => {
    const j = JSON.parse(text) as Record<string, any>;
    j['#meta']['message'] = 'evil \u001b[31mRED\u001b[0m \u0007bell\r';
    j['states'][1]['#meta']['label'] = 'label \u001b]0;title\u0007 \u009b2J end';
    const f = write('escapes.itf.json', JSON.stringify(j));
    for (const format of ['text', 'mermaid', 'html']) {
      const r = await run(['trace', 'show', f, '--format', format]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
    const t = await run(['trace', 'show', f]);
    expect(t.stdout).toContain('evil RED bell');
    expect(t.stdout).toContain('1. label   end  = 0');
    // a file name with an escape in it: the error line has none
    const missing = await run(['trace', 'show', join(tmp, 'no\u001b[2Jsuch.itf.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).not.toContain('\u001b');
  });
});

// One StopWatch (cli/signals.ts) stops every search path: the one-core BFS above, and the chunked
// search of cli/scale.ts on worker threads or on this thread (checkpoints), with one exit code.
describe('a signal stops the chunked search too (--workers, --checkpoint)', () => {
  /** Sends `signal` to this process every 20 ms while `fn` runs; a listener of our own keeps its default action (exit) away meanwhile. */
  async function underSignal<T>(signal: NodeJS.Signals, fn: () => Promise<T>): Promise<T> {
    const keep = (): void => {};
    process.on(signal, keep);
    const timer = setInterval(() => process.kill(process.pid, signal), 20);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
      await new Promise((r) => setTimeout(r, 200));
      process.off(signal, keep);
    }
  }
  const deep = ['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--max-depth', '30', '--time-limit', '25', '--json'];

  test('--workers 2, SIGTERM: incomplete, stoppedBy signal, exit 143', async () => {
    const r = await underSignal('SIGTERM', () => run([...deep, '--workers', '2']));
    expect(r.code, r.stderr).toBe(143);
    const j = JSON.parse(r.stdout) as { verdict: string; stoppedBy: string; stats: { distinctStates: number } };
    expect(j.stoppedBy).toBe('signal');
    expect(j.stats.distinctStates).toBeGreaterThan(0);
  }, 180_000);

  test('--checkpoint on this thread, SIGHUP: exit 129 and a checkpoint to resume from', async () => {
    const file = join(tmp, 'sighup.ckpt');
    const r = await underSignal('SIGHUP', () => run([...deep, '--checkpoint', file]));
    expect(r.code, r.stderr).toBe(129);
    expect((JSON.parse(r.stdout) as { stoppedBy: string }).stoppedBy).toBe('signal');
    expect(r.stderr).toContain(`continue with --resume ${file}`);
    expect(existsSync(file)).toBe(true);
  }, 180_000);

  test('--workers 2 without a signal: a bound below the RSS stops it as memory, exit 3; otherwise it ends as usual', async () => {
    const m = await run([...deep, '--workers', '2', '--max-memory', '1M']);
    expect(m.code, m.stderr).toBe(3);
    expect((JSON.parse(m.stdout) as { stoppedBy: string }).stoppedBy).toBe('memory');
    const ok = await run(['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--max-depth', '2', '--workers', '2', '--json']);
    expect([0, 12]).toContain(ok.code);
    expect((JSON.parse(ok.stdout) as { complete: boolean }).complete).toBe(true);
  }, 180_000);
});

describe('compare: stoppedBy in --json, and --time-limit bounds the whole comparison', () => {
  const sides = ['compare', '--base', '6.12', '--patched', '6.1', '--parent', 'mlx5', '--userspace', 'any', '--json'];
  type Json = { complete: boolean; stoppedBy: string; seconds: number; skipped?: string[]; tracesNotBuilt?: unknown[]; invariants: unknown[]; causes: unknown[]; differences: unknown[] };

  test('each of the three searches gets what is left of one --time-limit (not a limit each)', async () => {
    const given: number[] = [];
    const slow: ExploreFn = (model, options) => {
      given.push(options.timeLimitSeconds ?? Infinity);
      const until = performance.now() + 300; // each search takes at least 0.3 s of the limit
      while (performance.now() < until) { /* busy, as a search */ }
      return bfsExplore(model, options);
    };
    const r = await run([...sides, '--max-depth', '2', '--time-limit', '3'], { explore: slow });
    expect([0, 3, 12]).toContain(r.code);
    const j = JSON.parse(r.stdout) as Json;
    expect(given.length + (j.skipped?.length ?? 0)).toBe(3);
    given.forEach((g, i) => expect(g).toBeLessThanOrEqual(3 - 0.3 * i));
  }, 180_000);

  test('a comparison that ran out of time says so (time-limit, incomplete, exit 3 or 12); a complete one says max-depth', async () => {
    const cut = await run([...sides, '--max-depth', '30', '--time-limit', '0.2']);
    expect([3, 12]).toContain(cut.code);
    const j = JSON.parse(cut.stdout) as Json;
    expect([j.complete, j.stoppedBy]).toEqual([false, 'time-limit']);
    expect(typeof j.seconds).toBe('number');
    const whole = await run([...sides, '--max-depth', '2']);
    const w = JSON.parse(whole.stdout) as Json;
    expect([w.complete, w.stoppedBy]).toEqual([true, 'max-depth']);
  }, 180_000);

  test('--time-limit 1 on a comparison that needs minutes: it ends, incomplete, stopped by time, exit 3; the searches after the deadline are not started', async () => {
    // mlx5 × any at depth 30: the base side alone does not finish in 20 s
    const r = await run([...sides, '--max-depth', '30', '--time-limit', '1']);
    const j = JSON.parse(r.stdout) as Json;
    expect([r.code, j.complete, j.stoppedBy]).toEqual([3, false, 'time-limit']);
    expect(j.skipped).toEqual(['patched', 'behaviour']);
  }, 180_000);

  test('traces are built within the same limit: those the deadline leaves out are listed, not silently dropped', async () => {
    // the base search overruns the whole limit (as a search with one very slow step would): no time is left for the traces
    const late: ExploreFn = (model, options) => {
      const r = bfsExplore(model, options);
      const until = performance.now() + (options.timeLimitSeconds ?? 0) * 1000 + 500;
      while (performance.now() < until) { /* busy */ }
      return r;
    };
    const r = await run([...sides, '--max-depth', '2', '--time-limit', '1'], { explore: late });
    const j = JSON.parse(r.stdout) as Omit<Json, 'invariants'> & { invariants: { id: string; base: string; baseViolation?: unknown }[] };
    const violated = j.invariants.filter((x) => x.base === 'violation').map((x) => x.id);
    expect(violated.length).toBeGreaterThan(0);
    expect(j.tracesNotBuilt).toEqual(violated.map((invariant) => ({ side: 'base', invariant })));
    expect(j.invariants.filter((x) => x.baseViolation !== undefined)).toEqual([]);
    expect([r.code, j.skipped]).toEqual([3, ['patched', 'behaviour']]);
    const text = await run([...sides.filter((a) => a !== '--json'), '--max-depth', '2', '--time-limit', '1'], { explore: late });
    expect(text.stdout).toContain(`traces not built within --time-limit: ${violated[0]} on base`);
  }, 180_000);

  test('with a limit it does not reach, the comparison is the one an unlimited search gives (complete, same verdicts, causes, differences)', async () => {
    const limited = JSON.parse((await run([...sides, '--max-depth', '3', '--time-limit', '600'])).stdout) as Json;
    const unlimited: ExploreFn = (model, options) => bfsExplore(model, { ...options, timeLimitSeconds: undefined });
    const free = JSON.parse((await run([...sides, '--max-depth', '3'], { explore: unlimited })).stdout) as Json;
    expect([limited.complete, limited.skipped, limited.tracesNotBuilt]).toEqual([true, undefined, undefined]);
    // the traces' own #meta names the bounds (timeLimit differs): compare what they show
    type Row = { id: string; base: string; patched: string; change: string; baseViolation?: { steps: unknown }; patchedViolation?: { steps: unknown } };
    const shown = (j: Json) => (j.invariants as Row[]).map((r) => [r.id, r.base, r.patched, r.change, r.baseViolation?.steps, r.patchedViolation?.steps]);
    expect(shown(limited).length).toBeGreaterThan(0);
    expect([shown(limited), limited.causes, limited.differences]).toEqual([shown(free), free.causes, free.differences]);
  }, 180_000);

  test('a signal during the first search: it stops, the others are not started, exit 143', async () => {
    const r = await run([...sides, '--max-depth', '30', '--time-limit', '20'], { explore: signalling('SIGTERM') });
    expect(r.code, r.stderr).toBe(143);
    const j = JSON.parse(r.stdout) as Json;
    expect([j.complete, j.stoppedBy, j.skipped]).toEqual([false, 'signal', ['patched', 'behaviour']]);
  }, 180_000);
});

// The swarm (cli/scale.ts → explorer/swarm.ts) is stopped by the same StopWatch as the BFS.
describe('--strategy random keeps --time-limit, signals and --max-memory', () => {
  const walks = ['check', '--strategy', 'random', '--walks', '100000000', '--max-depth', '12'];
  type Json = { verdict: string; stoppedBy: string; complete: boolean; violations: { invariant: string }[]; stats: { transitions: number; walks?: number } };

  /** The toy, whose model sends `signal` to this process once, after `after` steps (the swarm then walks on until it sees it). */
  const signalsAfter = (signal: NodeJS.Signals, planted: boolean, after = 20_000): { buildTarget: (c: Config) => Promise<ReturnType<typeof toyTarget>> } => ({
    buildTarget: async (c: Config) => {
      const t = toyTarget(c, { planted, size: 50 });
      let steps = 0;
      const next = t.model.next.bind(t.model);
      return { ...t, model: { ...t.model, next: (s: unknown, a: unknown) => (++steps === after && process.kill(process.pid, signal), next(s, a)) } };
    },
  });

  test('a huge --walks stops at the limit (incomplete, time-limit), with the violations found so far', async () => {
    const big = await run([...walks, '--time-limit', '1', '--json'], toy(false, 50));
    expect(big.code).toBe(3);
    expect((JSON.parse(big.stdout) as Json).stoppedBy).toBe('time-limit');
    const found = await run([...walks, '--time-limit', '1', '--json'], toy(true, 50));
    const j = JSON.parse(found.stdout) as Json;
    expect([found.code, j.complete, j.stoppedBy, j.violations.map((v) => v.invariant)]).toEqual([12, false, 'time-limit', ['no-dma-window']]);
  });

  test('SIGINT after a violation: stats, the violation, the trace written, stoppedBy signal, exit 130', async () => {
    const out = join(tmp, 'random-sigint');
    const r = await run([...walks, '--time-limit', '60', '--json', '--out', out], signalsAfter('SIGINT', true));
    expect(r.code, r.stderr).toBe(130);
    const j = JSON.parse(r.stdout) as Json;
    expect([j.complete, j.stoppedBy, j.violations.map((v) => v.invariant)]).toEqual([false, 'signal', ['no-dma-window']]);
    expect(j.stats.transitions).toBeGreaterThanOrEqual(20_000);
    expect(existsSync(join(out, 'no-dma-window.itf.json'))).toBe(true);
  }, 180_000);

  test('SIGTERM / SIGHUP with nothing found: incomplete, stoppedBy signal, 143 / 129; text says so', async () => {
    const term = await run([...walks, '--time-limit', '60', '--json'], signalsAfter('SIGTERM', false));
    expect(term.code, term.stderr).toBe(143);
    const j = JSON.parse(term.stdout) as Json;
    expect([j.verdict, j.complete, j.stoppedBy]).toEqual(['incomplete', false, 'signal']);
    const hup = await run([...walks, '--time-limit', '60'], signalsAfter('SIGHUP', false));
    expect(hup.code, hup.stderr).toBe(129);
    expect(hup.stdout).toContain('stopped by a signal');
  }, 180_000);

  test('--max-memory below the RSS stops it as memory (exit 3)', async () => {
    const r = await run([...walks, '--time-limit', '60', '--max-memory', '1M', '--json'], toy(false, 50));
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as Json).stoppedBy).toBe('memory');
  }, 180_000);

  test('an unbounded short run ends by its walks, as before (a generous --max-memory changes nothing)', async () => {
    const small = await run(['check', '--strategy', 'random', '--walks', '10', '--max-memory', '64G', '--json'], toy(false));
    expect(small.code).toBe(3);
    const sj = JSON.parse(small.stdout) as Json;
    // every walk counted: the 10 asked for, none violating; a BFS result has no walks
    expect([sj.stoppedBy, sj.stats.walks]).toEqual(['walks', 10]);
    expect(sj.stats.transitions).toBeGreaterThan(0);
    const bfs = JSON.parse((await run(['check', '--json'], toy(false))).stdout) as Json;
    expect(bfs.stats.transitions).toBeGreaterThan(0);
    expect('walks' in bfs.stats).toBe(false);
    const found = await run(['check', '--strategy', 'random', '--walks', '200', '--json'], toy(true));
    const j = JSON.parse(found.stdout) as Json;
    expect([found.code, j.stoppedBy, j.violations.map((v) => v.invariant)]).toEqual([12, 'walks', ['no-dma-window']]);
  });
});

describe('exit codes: what the code returns is what README and --help document', () => {
  test('README\'s table and the global help list exactly the codes the code gives', async () => {
    const { exitCodeOf } = await import('../../cli/check.js');
    const { signalExitCode, STOP_SIGNALS } = await import('../../cli/signals.js');
    const { exitCodeForError } = await import('../../cli/cli.js');
    const { GLOBAL_HELP } = await import('../../cli/help.js');
    const { UsageError } = await import('../../spec/config.js');
    const silent = { out: () => {}, err: () => {}, stdoutIsTTY: false, stderrIsTTY: false, env: {} };
    const given = new Set([
      exitCodeOf('pass'), exitCodeOf('violation'), exitCodeOf('incomplete'), ...STOP_SIGNALS.map(signalExitCode),
      exitCodeForError(new UsageError('x'), silent), exitCodeForError(new Error('x'), silent),
    ]);
    expect([...given].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 12, 129, 130, 143]);
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Exit codes'), readme.indexOf('\n\n', readme.indexOf('| code |')));
    const documented = new Set([...table.matchAll(/^\| ([\d, ]+) \|/gm)].flatMap((m) => m[1]!.split(',').map((c) => Number(c.trim()))));
    expect([...documented].sort((a, b) => a - b)).toEqual([...given].sort((a, b) => a - b));
    const help = GLOBAL_HELP.slice(GLOBAL_HELP.indexOf('exit codes:'));
    for (const c of given) expect(help).toMatch(new RegExp(`\\b${c}\\b`));
  });

  test('every command that can end incomplete documents 3 in its help, and merge returns it', async () => {
    for (const cmd of ['check', 'compare', 'matrix', 'merge']) {
      expect((await run(['help', cmd])).stdout, cmd).toMatch(/\b3 (incomplete|a row is\s+incomplete)/);
    }
    const cut = (i: number) => run(['check', '--kernel', '6.12', '--parent', 'mlx5', '--userspace', 'any', '--shard', `${i}/2`, '--shard-depth', '1', '--max-states', '5', '--json']);
    const files = await Promise.all([0, 1].map(async (i) => {
      const r = await cut(i);
      const f = join(tmp, `cut-shard-${i}.json`);
      writeFileSync(f, r.stdout);
      return f;
    }));
    const m = await run(['merge', ...files, '--json']);
    const j = JSON.parse(m.stdout) as { verdict: string };
    expect([m.code, j.verdict]).toEqual([3, 'incomplete']); // was exit 0, like a pass
  });
});
