// Every bad value of design.md's flags: one line on stderr naming the flag, the value and what is
// accepted; exit 2; no stack trace. Run in-process (the binary's own wrapping is in binary.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCheck, parseCompare, parseTraceReplay } from '../../cli/options.js';
import { isOneLineError, run } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'vdpa-mc-cli-'));
const aFile = join(tmp, 'a-file');
writeFileSync(aFile, 'x');
const variant = join(tmp, 'variant.ts');
writeFileSync(variant, 'export default {};\n');

// [argv, what the line must contain]
const cases: [string[], string[]][] = [
  [['check', '--kernel', '7.0'], ['--kernel', '"7.0"', '6.1, 6.6, rfc-v2, rfc-v3, 6.7, 6.12', 'variant module']],
  [['check', '--kernel', 'lu-rfc'], ['--kernel', '"lu-rfc"', 'vdpa kernel']],
  [['check', '--system', 'vfio', '--kernel', '6.6'], ['--kernel', '"6.6"', '6.12, lu-rfc']],
  [['check', '--kernel', './nope/variant.ts'], ['--kernel', '"./nope/variant.ts"', 'not a readable file']],
  [['check', '--kernel', 'missing.ts'], ['--kernel', '"missing.ts"', 'not a readable file']],
  [['check', '--kernel', tmp + '/'], ['--kernel', 'not a readable file']],
  [['check', '--system', 'kvm'], ['--system', '"kvm"', 'vdpa, vfio']],
  [['check', '--parent', 'ifcvf'], ['--parent', '"ifcvf"', 'mlx5, vdpa_sim, vdpa_sim_dma, vdpa_sim_va, platform, vduse']],
  [['check', '--system', 'vfio', '--parent', 'mlx5'], ['--parent', '"mlx5"', 'vfio']],
  // the registry says which parents a kernel has: 6.1's vdpa_sim has no use_va
  [['check', '--kernel', '6.1', '--parent', 'vdpa_sim_va'], ['--parent', '"vdpa_sim_va"', 'kernel 6.1', 'mlx5, vdpa_sim, vdpa_sim_dma, platform, vduse']],
  [['check', '--userspace', 'libvirt'], ['--userspace', '"libvirt"', 'qemu, qemu-persist, any']],
  [['check', '--system', 'vfio', '--userspace', 'qemu'], ['--userspace', '"qemu"', 'cpr, any']],
  [['check', '--invariants', 'no-dma-window,bogus'], ['--invariants', '"bogus"', 'user-kernel-agreement', 'vfio-live-update']],
  [['check', '--invariants', ''], ['--invariants', '""']],
  [['check', '--max-depth', '-3'], ['--max-depth', '"-3"', 'positive integer']],
  [['check', '--max-depth', '0'], ['--max-depth', '"0"', 'positive integer']],
  [['check', '--max-depth', '1.5'], ['--max-depth', '"1.5"', 'positive integer']],
  [['check', '--max-states', 'lots'], ['--max-states', '"lots"', 'positive integer']],
  [['check', '--max-states=1e6'], ['--max-states', '"1e6"', 'positive integer']],
  [['check', '--time-limit', '-1'], ['--time-limit', '"-1"', 'positive number of seconds']],
  [['check', '--time-limit', 'abc'], ['--time-limit', '"abc"', 'positive number of seconds']],
  [['check', '--time-limit', '0'], ['--time-limit', '"0"']],
  [['check', '--out', aFile], ['--out', 'not a directory']],
  [['check', '--bogus'], ['unknown option --bogus', '--kernel', '--max-states']],
  [['check', '--json=1'], ['--json', 'takes no value']],
  [['check', '--kernel'], ['--kernel', 'needs a value']],
  [['check', 'extra'], ['unexpected argument "extra"']],
  [['list', 'bogus'], ['"bogus"', 'kernels, parents, userspaces, invariants, actions']],
  [['list'], ['topic is required', 'kernels, parents']],
  [['list', 'kernels', '--system', 'xen'], ['--system', '"xen"']],
  [['bogus'], ['unknown command "bogus"', 'check, matrix, cost, compare, trace, list']],
  [[], ['a command is required']],
  [['--json'], ['unknown option --json']],
  [['help', 'bogus'], ['unknown command "bogus"']],
  [['matrix', '--max-states', 'x'], ['--max-states', '"x"']],
  [['cost', '--userspace', 'any'], ['vdpa-mc cost: --userspace any has no reference cycle']],
  [['cost', '--parent', 'nope'], ['--parent', '"nope"']],
  [['compare', '--base', '6.6', '--patched', '6.7', '--system', 'vfio'], ['--base', '"6.6"', '6.12, lu-rfc']],
  [['compare', '--patched', '6.7'], ['--base is required']],
  [['compare', '--base', '6.6', '--patched', '9.9'], ['--patched', '"9.9"']],
  [['compare', '--base', '6.6', '--patched', '6.7', '--kernel', '6.1'], ['unknown option --kernel']],
  [['trace'], ['trace', 'subcommand is required', 'show, replay, export-test']],
  [['trace', 'view', 'f'], ['"view" is not a subcommand']],
  [['trace', 'show'], ['trace FILE is required']],
  [['trace', 'show', 'f.itf.json', '--format', 'pdf'], ['--format', '"pdf"', 'text, mermaid, html']],
  [['trace', 'replay', 'f.itf.json', '--kernel', '5.10'], ['--kernel', '"5.10"']],
  [['trace', 'show', join(tmp, 'missing.itf.json')], ['missing.itf.json', 'cannot read']],
  [['trace', 'show', aFile], ['a-file']],
  [['trace', 'replay', 'f.itf.json', '--system', 'vfio', '--parent', 'mlx5'], ['--parent', 'vfio']],
];

describe('bad usage: one line, exit 2, no stack trace', () => {
  test.each(cases)('vdpa-mc %j', async (argv, wants) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(isOneLineError(r), JSON.stringify(r)).toBe(true);
    for (const w of wants) expect(r.stderr).toContain(w);
  });
});

describe('good values are accepted', () => {
  test('defaults, and every flag of check', () => {
    const d = parseCheck([]);
    expect(d).toEqual({
      help: false,
      config: { system: 'vdpa', kernel: '6.12', parent: 'mlx5', userspace: 'qemu', invariants: undefined, bounds: {} },
      json: false,
      out: undefined,
    });
    const o = parseCheck([
      '--kernel=rfc-v2', '--parent', 'vdpa_sim_dma', '--userspace', 'any', '--invariants', 'feature-negotiation, no-dma-window,feature-negotiation',
      '--max-depth', '9', '--max-states', '1000', '--time-limit', '0.5', '--json', '--out', join(tmp, 'new-dir'),
    ]);
    expect(o).toEqual({
      help: false,
      config: {
        system: 'vdpa', kernel: 'rfc-v2', parent: 'vdpa_sim_dma', userspace: 'any',
        invariants: ['feature-negotiation', 'no-dma-window'], bounds: { maxDepth: 9, maxStates: 1000, timeLimit: 0.5 },
      },
      json: true,
      out: join(tmp, 'new-dir'),
    });
  });

  test('vfio: no parent, cpr by default; a variant module path is a kernel', () => {
    const o = parseCheck(['--system', 'vfio', '--kernel', 'lu-rfc']);
    expect(o.help === false && o.config).toMatchObject({ system: 'vfio', kernel: 'lu-rfc', parent: undefined, userspace: 'cpr' });
    const v = parseCheck(['--kernel', variant]);
    expect(v.help === false && v.config.kernel).toBe(variant);
  });

  test('compare: same configuration on both sides but the kernel', () => {
    const o = parseCompare(['--base', 'rfc-v2', '--patched', 'rfc-v3', '--parent', 'vdpa_sim', '--userspace', 'any']);
    expect(o.help === false && [o.base, o.patched]).toEqual([
      { system: 'vdpa', kernel: 'rfc-v2', parent: 'vdpa_sim', userspace: 'any', invariants: undefined, bounds: {} },
      { system: 'vdpa', kernel: 'rfc-v3', parent: 'vdpa_sim', userspace: 'any', invariants: undefined, bounds: {} },
    ]);
  });

  test('trace replay: what is not given comes from the trace', () => {
    expect(parseTraceReplay(['t.itf.json', '--kernel', 'lu-rfc'])).toMatchObject({
      help: false, file: 't.itf.json', system: undefined, kernel: 'lu-rfc', parent: undefined, userspace: undefined,
    });
  });

  test('--help of each command prints its usage and exits 0', async () => {
    for (const cmd of [['check'], ['matrix'], ['cost'], ['compare'], ['list'], ['trace', 'show'], ['trace']]) {
      const r = await run([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: vdpa-mc ${cmd[0]}`));
      expect(r.stderr).toBe('');
    }
    expect((await run(['help', 'compare'])).stdout).toMatch(/^usage: vdpa-mc compare --base X --patched Y/);
    expect((await run(['-h'])).stdout).toMatch(/^vdpa-mc: a model checker/);
    // --help wins over a bad value given with it.
    expect((await run(['check', '--kernel', 'nope', '--help'])).code).toBe(0);
  });
});
