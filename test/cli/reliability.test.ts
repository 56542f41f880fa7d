// Issue 11: every input gets a clear answer. Each item both ways: the bad input refused with one line
// and exit 2 (or handled), the good one still accepted. In-process runs (cheap); no timed assertion.
import { describe, expect, test } from 'vitest';
import { isOneLineError, run } from './helpers.js';

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
