// Variants are user code (issue 11): every write of a variant op is checked against the world
// schema, --time-limit holds against an op that never returns and a loop at import, a throw is the
// variant's error (exit 2, naming variant, op, step and message), and a variant that does not
// type-check against vdpa-mc/variant is refused with the compiler's message. Each case both ways.
import { describe, expect, test } from 'vitest';
import { setAutoFreeze } from '../../model/immer.js';
import { bit } from '../../spec/vdpa/constants.js';
import { VDPA_KERNEL_TABLE } from '../../spec/vdpa/kernels.js';
import { makeParent } from '../../systems/vdpa/parents.js';
import { blankWorld } from '../../spec/vdpa/world.js';
import { produceOnCopy, WorldSchemaError, worldSchemaViolation } from '../../model/working-copy.js';
import { isOneLineError, run } from '../cli/helpers.js';
import { tempModule } from './helpers.js';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** A variant of 6.12 whose parent's `reset` (vdpa_reset → ops->reset, called at open) does `body` after the shipped one. */
const resetVariant = (name: string, body: string): string => tempModule(`${name}.ts`, `import { defineVariant } from '$API';
export default defineVariant({
  base: '6.12',
  name: '${name}',
  description: 'a reset that ${name}',
  parent: (ops) => ({ ...ops, reset: (d) => { ops.reset(d); ${body} } }),
});
`);

const check = (file: string, ...more: string[]) =>
  run(['check', '--kernel', file, '--parent', 'platform', '--userspace', 'any', '--max-depth', '2', ...more]);

describe('every write of a variant op is checked against the world schema', () => {
  const bad: [string, string, RegExp][] = [
    ['a field outside the schema', `Object.assign(d, { resetCount: 1 });`, /world\.resetCount, a field the world schema does not have/],
    ['a value out of range', `d.status = 300;`, /world\.status = 300, outside the world schema \(expected an integer in \[0, 255\]\)/],
    ['a value of the wrong type', `Object.assign(d, { fdOpen: 'yes' });`, /world\.fdOpen = "yes", outside the world schema \(expected a boolean\)/],
    ['an array of the wrong length', `d.devMap = d.devMap.slice(0, 2);`, /world\.devMap = \[.*\], outside the world schema \(expected an array of 8 elements/],
  ];
  for (const [what, body, message] of bad) {
    test(`${what}: exit 2 naming the variant, the op, the field and the step`, async () => {
      const file = resetVariant('badwrite', body);
      const r = await check(file);
      expect(r.code).toBe(2);
      expect(isOneLineError(r)).toBe(true);
      expect(r.stderr).toContain(`--kernel ${file} (variant badwrite): op reset wrote`);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/\(step 1: open\("\/dev\/vhost-vdpa-0"\)\)/);
    });
  }

  test('a write inside the schema is accepted and explored', async () => {
    const r = await check(resetVariant('goodwrite', `d.devSuspended = false;`), '--json');
    expect(r.code).toBe(12); // platform on 6.12 violates feature-negotiation in 2 steps: the search ran
    expect(JSON.parse(r.stdout).config.kernel).toBe('goodwrite');
  });

  test('the commit checks every changed field, for any reducer (not only the first successors)', () => {
    setAutoFreeze(false);
    const w = blankWorld(new Array<number>(8).fill(-2), new Array<number>(4).fill(-2));
    expect(() => produceOnCopy(w, (m) => { m.pc = 256; })).toThrow(WorldSchemaError);
    expect(() => produceOnCopy(w, (m) => { m.pinned = [0, 1]; })).toThrow(/world\.pinned = \[0, 1\]/);
    expect(() => produceOnCopy(w, (m) => { (m as { bound: string }).bound = 'vfio'; })).toThrow(/expected one of vhost, virtio/);
    expect(produceOnCopy(w, (m) => { m.pc = 255; m.pinned[1] = 16; })).toMatchObject({ pc: 255, pinned: [0, 16, 0, 0] });
    expect(worldSchemaViolation(w)).toBeUndefined();
    expect(worldSchemaViolation({ ...w, extra: 1 })).toMatch(/world\.extra/);
    setAutoFreeze(true);
  });
});

describe('what a variant op returns is checked too', () => {
  test('set_map returning something else than 0 or an errno name: exit 2 naming the op', async () => {
    const file = tempModule('bad-return.ts', `import { defineVariant, forParents } from '$API';
export default defineVariant({
  base: '6.12', name: 'badreturn', description: '',
  parent: forParents(['mlx5'], (ops) => ({ ...ops, set_map: () => 'ENOMEM' })),
});
`);
    const r = await run(['check', '--kernel', file, '--parent', 'mlx5', '--userspace', 'any', '--max-depth', '4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(variant badreturn\): op set_map returned "ENOMEM" \(expected 0 or a negative errno name/);
    expect(r.stderr).toMatch(/\(step \d+: /);
  });

  test('an errno name is accepted', async () => {
    const file = tempModule('good-return.ts', `import { defineVariant, forParents } from '$API';
export default defineVariant({
  base: '6.12', name: 'goodreturn', description: '',
  parent: forParents(['mlx5'], (ops) => ({ ...ops, set_map: () => '-ENOMEM' })),
});
`);
    const r = await run(['check', '--kernel', file, '--parent', 'mlx5', '--userspace', 'any', '--max-depth', '4', '--json']);
    expect([0, 12]).toContain(r.code);
    expect(JSON.parse(r.stdout).config.kernel).toBe('goodreturn');
  });
});

describe('--time-limit holds against variant code', () => {
  test('an op that never returns: exit 2 naming the op, within the limit (plus grace)', async () => {
    const file = resetVariant('spins', `for (;;) { /* never returns */ }`);
    const t0 = performance.now();
    const r = await check(file, '--time-limit', '1');
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toContain(`--kernel ${file} (variant spins): op reset did not return within --time-limit 1 s`);
    expect(performance.now() - t0).toBeLessThan(15_000);
  }, 180_000);

  test('a loop at import: exit 2, within the limit', async () => {
    const file = tempModule('import-loop.ts', `import { defineVariant } from '$API';\nwhile (Date.now() > 0) { /* spins */ }\nexport default defineVariant({ base: '6.12', name: 'never', description: '' });\n`);
    const t0 = performance.now();
    const r = await check(file, '--time-limit', '1');
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toMatch(/did not finish loading within --time-limit 1 s/);
    expect(performance.now() - t0).toBeLessThan(15_000);
  }, 180_000);

  test('compare: the same op that never returns on --patched is named, exit 2', async () => {
    const file = resetVariant('spins2', `for (;;) { /* never returns */ }`);
    const r = await run(['compare', '--base', '6.12', '--patched', file, '--parent', 'platform', '--userspace', 'any', '--max-depth', '2', '--time-limit', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(variant spins2\): op reset did not return within --time-limit 1 s/); // the limit given (it said 2 s: one per search)
  }, 180_000);

  test('cost: an op that never returns is exit 2 within --time-limit (not the default 60 s)', async () => {
    const file = resetVariant('spins3', `for (;;) { /* never returns */ }`);
    const t0 = performance.now();
    const r = await run(['cost', '--kernel', file, '--parent', 'platform', '--userspace', 'qemu', '--time-limit', '1']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toMatch(/\(variant spins3\): op reset did not return within --time-limit 1 s/);
    expect(performance.now() - t0).toBeLessThan(15_000);
    const bad = await run(['cost', '--kernel', '6.12', '--userspace', 'qemu', '--time-limit', '0']);
    expect([bad.code, isOneLineError(bad)]).toEqual([2, true]);
  }, 180_000);

  test('a slow but finishing op is not cut short', async () => {
    const file = resetVariant('slow', `const t = Date.now(); while (Date.now() - t < 2) { /* 2 ms */ }`);
    const r = await check(file, '--time-limit', '5', '--json');
    expect(r.code).toBe(12);
  }, 180_000);
});

describe('a variant that throws during the search is the variant\'s error, not an internal one', () => {
  test('exit 2 with the variant path, the op, the step and the thrown message', async () => {
    const file = resetVariant('throws', `if (d.fdOpen === false && d.status === 0) throw new Error('reset refused by the patch');`);
    const r = await check(file);
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toContain(`--kernel ${file} (variant throws): op reset threw: reset refused by the patch (step 1: `);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  test('an sbfCheck that throws: exit 2 naming sbfCheck', async () => {
    const file = tempModule('sbf-throws.ts', `import { defineVariant } from '$API';
export default defineVariant({ base: '6.12', name: 'sbfthrows', description: '', sbfCheck: () => { throw new Error('no'); } });
`);
    const r = await check(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(variant sbfthrows\): sbfCheck threw: no/);
  });
});

describe('variants are type-checked against vdpa-mc/variant before they load', () => {
  test("bit('ENABLE_AFTER_DRIVEROK') is refused with the compiler's message", async () => {
    const file = tempModule('typo-bit.ts', `import { bit, defineVariant, forParents } from '$API';
export default defineVariant({
  base: '6.12', name: 'typobit', description: '',
  parent: forParents(['platform'], (ops) => ({ ...ops, get_backend_features: () => bit('ENABLE_AFTER_DRIVEROK') })),
});
`);
    const r = await check(file);
    expect(r.code).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toMatch(/does not type-check against vdpa-mc\/variant: typo-bit\.ts\(4,\d+\): error TS2345: Argument of type '"ENABLE_AFTER_DRIVEROK"' is not assignable/);
  });

  test('the published specifier vdpa-mc/variant resolves for a variant outside the clone, and a correct one loads', async () => {
    const file = tempModule('published.ts', `import { bit, defineVariant, forParents } from 'vdpa-mc/variant';
export default defineVariant({
  base: '6.12', name: 'published', description: '',
  parent: forParents(['platform'], (ops) => ({ ...ops, get_backend_features: () => bit('ENABLE_AFTER_DRIVER_OK') })),
});
`);
    const r = await check(file, '--json');
    // platform now reports ENABLE_AFTER_DRIVER_OK: feature-negotiation holds within depth 2
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).config.kernel).toBe('published');
  });

  test('a JavaScript variant (.mjs) loads: nothing to type-check, its run-time checks still hold', async () => {
    const file = tempModule('plain.mjs', `import { defineVariant } from '$API';\nexport default defineVariant({ base: '6.12', name: 'plainjs', description: '' });\n`);
    const r = await check(file, '--json');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).config.kernel).toBe('plainjs');
    const typo = tempModule('typo.mjs', `import { bit, defineVariant } from '$API';\nexport default defineVariant({ base: '6.12', name: 'typojs', description: '', sbfCheck: (f, ops, shipped) => (f & bit('ENABLE_AFTER_DRIVEROK')) ? shipped() : shipped() });\n`);
    const t = await check(typo);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/\(variant typojs\): sbfCheck threw: bit\('ENABLE_AFTER_DRIVEROK'\): not a backend feature/);
  });

  test('bit() of an unknown name throws at run time too (never 0x1)', () => {
    expect(() => bit('ENABLE_AFTER_DRIVEROK' as never)).toThrow(/not a backend feature/);
    expect(() => bit('toString' as never)).toThrow(/not a backend feature/);
    expect(bit('ENABLE_AFTER_DRIVER_OK')).toBe(0x40);
    expect(makeParent('mlx5', VDPA_KERNEL_TABLE['6.12']!).get_backend_features!()).toBe(0x40);
  });
});

// The same containment on the other paths a variant's code runs on: the chunked search on worker
// threads (--workers), on this thread (--shard, --checkpoint), compare's searches and trace replay.
describe('containment holds on every path that runs variant code', () => {
  const throwing = (name: string): string => resetVariant(name, `if (d.fdOpen === false && d.status === 0) throw new Error('reset refused by the patch');`);
  test.each([
    [['--workers', '2']],
    [['--shard', '0/2', '--shard-depth', '1']],
    [['--strategy', 'random', '--walks', '50']],
  ])('check %j: a throw is exit 2 naming variant, op and step', async (flags) => {
    const file = throwing('throwsscaled');
    const r = await check(file, ...flags);
    expect(r.code, r.stderr).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toContain(`--kernel ${file} (variant throwsscaled): op reset threw: reset refused by the patch (step 1: `);
    expect(r.stderr).not.toMatch(/internal error/);
  }, 180_000);

  test('check --workers 2: a write outside the schema is exit 2 naming the field; a good variant still runs there', async () => {
    const r = await check(resetVariant('badwritescaled', `d.status = 300;`), '--workers', '2');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/\(variant badwritescaled\): op reset wrote world\.status = 300, outside the world schema .*\(step 1: open/);
    const good = await check(resetVariant('goodscaled', `d.devSuspended = false;`), '--workers', '2', '--json');
    expect(good.code, good.stderr).toBe(12);
    expect(JSON.parse(good.stdout).config.kernel).toBe('goodscaled');
  }, 180_000);

  test('check --checkpoint (chunked, this thread): an op that never returns is exit 2 naming it', async () => {
    const file = resetVariant('spinsscaled', `for (;;) { /* never returns */ }`);
    const r = await check(file, '--time-limit', '1', '--checkpoint', join(tmpdir(), `vdpa-mc-spin-${process.pid}.ckpt`));
    expect(r.code, r.stderr).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toContain(`(variant spinsscaled): op reset did not return within --time-limit 1 s (step 1)`);
  }, 180_000);

  test('check --strategy random (swarm): an op that never returns is exit 2 naming it; a good variant still runs there', async () => {
    const file = resetVariant('spinsrandom', `for (;;) { /* never returns */ }`);
    const r = await check(file, '--time-limit', '1', '--strategy', 'random', '--walks', '50');
    expect(r.code, r.stderr).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toContain(`(variant spinsrandom): op reset did not return within --time-limit 1 s`);
    const good = await check(resetVariant('goodrandom', `d.devSuspended = false;`), '--strategy', 'random', '--walks', '50', '--json');
    expect([3, 12]).toContain(good.code);
    expect(JSON.parse(good.stdout).config.kernel).toBe('goodrandom');
  }, 180_000);

  test('compare: a throw on --patched is exit 2 naming the op and step', async () => {
    const file = throwing('throwscompare');
    const r = await run(['compare', '--base', '6.12', '--patched', file, '--parent', 'platform', '--userspace', 'any', '--max-depth', '2']);
    expect(r.code, r.stderr).toBe(2);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toMatch(/\(variant throwscompare\): op reset threw: reset refused by the patch \(step 1: /);
  }, 180_000);

  test('trace replay --kernel VARIANT: a throw is exit 2 naming the op; a write outside the schema too', async () => {
    const lab = join(import.meta.dirname, '..', 'lab', 'traces', '6.12-vdpa_sim-kernel-device-agreement.itf.json');
    const t = await run(['trace', 'replay', lab, '--kernel', resetVariant('throwsreplay', `throw new Error('reset refused by the patch');`)]);
    expect(t.code, t.stderr).toBe(2);
    expect(t.stderr).toMatch(/\(variant throwsreplay\): op reset threw: reset refused by the patch/);
    const w = await run(['trace', 'replay', lab, '--kernel', resetVariant('badwritereplay', `d.status = 300;`)]);
    expect(w.code, w.stderr).toBe(2);
    expect(w.stderr).toMatch(/\(variant badwritereplay\): op reset wrote world\.status = 300/);
  }, 180_000);
});
