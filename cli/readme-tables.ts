// The README's tables of what can be named (kernels, parents, userspaces, invariants and the options
// that name them), generated from the registries (systems/catalogue.ts). `npm run docs` rewrites the
// marked sections of README.md; test/structure/registry.test.ts fails when README and registry differ.
import { SYSTEMS } from '../spec/config.js';
import { registryOf, namesOf } from '../systems/catalogue.js';

const code = (s: string): string => `\`${s}\``;
/** A table cell: a `|` would end it. */
const cell = (s: string): string => s.replace(/\|/g, '\\|');
const n = (x: number): string => x.toLocaleString('en-US');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function options(): string {
  const vdpa = registryOf('vdpa');
  const vfio = registryOf('vfio');
  const names = (xs: readonly string[]): string => xs.map(code).join(', ');
  return table(['option', 'values', 'default'], [
    ['`--system`', names(SYSTEMS), code('vdpa')],
    ['`--kernel`', `vdpa: ${names(namesOf(vdpa.kernels))}; vfio: ${names(namesOf(vfio.kernels))}; or a path to a variant module`,
      `${code(vdpa.defaults.kernel)}${vfio.defaults.kernel !== vdpa.defaults.kernel ? ` (vfio: ${code(vfio.defaults.kernel)})` : ''}`],
    ['`--parent`', `(vdpa) ${names(namesOf(vdpa.parents))}: the parents table says which kernels have each`, code(vdpa.defaults.parent ?? '')],
    ['`--userspace`', `vdpa: ${names(namesOf(vdpa.userspaces))}; vfio: ${names(namesOf(vfio.userspaces))}`,
      `${code(vdpa.defaults.userspace)} (vfio: ${code(vfio.defaults.userspace)})`],
    ['`--invariants`', 'comma-separated ids of the invariants table', 'all that apply'],
  ]);
}

function kernels(): string {
  return table(['system', 'kernel', 'what it is', 'parents'], SYSTEMS.flatMap((sys) =>
    registryOf(sys).kernels.map((k) => [sys, code(k.name), k.description, k.parents.length === 0 ? '–' : k.parents.map(code).join(', ')])));
}

function parents(): string {
  const kernelsWith = (p: string): string[] => registryOf('vdpa').kernels.filter((k) => k.parents.some((x) => x === p)).map((k) => k.name);
  const all = namesOf(registryOf('vdpa').kernels);
  return table(['parent', 'what it is', 'kernels'], registryOf('vdpa').parents.map((p) => {
    const ks = kernelsWith(p.name);
    return [code(p.name), p.description, ks.length === all.length ? 'all' : ks.map(code).join(', ')];
  }));
}

function userspaces(): string {
  return table(['system', 'userspace', 'what it does', 'default bounds: depth · states · seconds'], SYSTEMS.flatMap((sys) =>
    registryOf(sys).userspaces.map((u) => [sys, code(u.name), u.description, `${n(u.bounds.maxDepth)} · ${n(u.bounds.maxStates)} · ${n(u.bounds.timeLimit)}`])));
}

function invariants(): string {
  return table(['system', 'invariant', 'title', 'the kernel behaviour it guards'], SYSTEMS.flatMap((sys) =>
    registryOf(sys).invariants.map((i) => [sys, code(i.id), i.title, i.guards.replace(/\s*\n\s*/g, ' ')])));
}

/** Each generated section by its marker name. */
export const README_SECTIONS: Readonly<Record<string, () => string>> = { options, kernels, parents, userspaces, invariants };

const begin = (name: string): string => `<!-- registry:${name} (generated from the registries by npm run docs: edit systems/*/registry.ts, not this) -->`;
const end = (name: string): string => `<!-- /registry:${name} -->`;

/**
 * `text` with every marked section replaced by what the registries say now. Throws when a marker
 * is missing or unclosed (the README must carry every section).
 */
export function renderReadme(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(README_SECTIONS)) {
    const open = new RegExp(`<!-- registry:${name}[ >][^\\n]*\\n`);
    const m = open.exec(out);
    const close = end(name);
    const at = m === null ? -1 : out.indexOf(close, m.index);
    if (m === null || at < 0) throw new Error(`README.md: the section ${name} is not marked (${begin(name)} ... ${close})`);
    // blank lines around the table: each marker is an HTML block of its own
    out = `${out.slice(0, m.index)}${begin(name)}\n\n${render()}\n\n${out.slice(at)}`;
  }
  return out;
}
