// One registry per system (systems/catalogue.ts): the README's option table and the names users see
// agree with it, every invariant id is registered, and the matrix headings are distinct.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { INVARIANT_IDS, SYSTEMS } from '../../spec/config.js';
import { invariantHeading, namesOf, registeredInvariantIds, registryOf } from '../../systems/catalogue.js';
import { renderReadme } from '../../cli/readme-tables.js';
import { VDPA_INVARIANTS } from '../../invariants/vdpa/index.js';

const README = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

test('README\'s tables of kernels, parents, userspaces, invariants and the options naming them are the registries\' (npm run docs)', () => {
  expect(renderReadme(README)).toBe(README);
  for (const sys of SYSTEMS) for (const k of registryOf(sys).kernels) expect(README).toContain(`| ${sys} | \`${k.name}\` |`);
});

test('the README check can fail: a kernel row edited by hand, or a section left out, disagrees', () => {
  const edited = README.replace('| vdpa | `6.7` |', '| vdpa | `6.8` |');
  expect(edited).not.toBe(README);
  expect(renderReadme(edited)).not.toBe(edited);
  expect(() => renderReadme(README.replace('<!-- /registry:parents -->', ''))).toThrow(/section parents is not marked/);
});

test('every invariant id is registered by some system, with the module\'s own title', () => {
  expect(registeredInvariantIds()).toEqual([...INVARIANT_IDS]);
  for (const i of registryOf('vdpa').invariants) expect(i.title).toBe(VDPA_INVARIANTS.find((m) => m.id === i.id)!.title);
});

test('matrix headings are distinct', () => {
  const heads = INVARIANT_IDS.map(invariantHeading);
  expect(new Set(heads).size).toBe(heads.length);
  expect(invariantHeading('user-kernel-agreement')).toBe('UKA');
});

test('defaults name registered entries', () => {
  for (const sys of SYSTEMS) {
    const r = registryOf(sys);
    expect(namesOf(r.kernels)).toContain(r.defaults.kernel);
    expect(namesOf(r.userspaces)).toContain(r.defaults.userspace);
    if (r.defaults.parent !== undefined) expect(namesOf(r.parents)).toContain(r.defaults.parent);
  }
});

test('the registry says which parents each kernel has; the matrix rows follow it', async () => {
  const { parentsOfKernel } = await import('../../systems/catalogue.js');
  const { VDPA_KERNEL_TABLE } = await import('../../spec/vdpa/kernels.js');
  const { matrixRows } = await import('../../cli/matrix-rows.js');
  expect(parentsOfKernel('vdpa', '6.1')).not.toContain('vdpa_sim_va'); // 6.1's vdpa_sim has no use_va
  expect(parentsOfKernel('vdpa', '6.12')).toContain('vdpa_sim_va');
  for (const k of registryOf('vdpa').kernels) {
    expect(k.parents.includes('vdpa_sim_va')).toBe(VDPA_KERNEL_TABLE[k.name]!.vdpaSimUseVa);
    const qemuRows = matrixRows().filter((r) => r.kernel === k.name && r.userspace === 'qemu').map((r) => r.parent);
    expect(qemuRows).toEqual(k.parents);
  }
  for (const k of registryOf('vfio').kernels) expect(k.parents).toEqual([]);
});
