// vdpa-mc as a library, from a project that depends on it (`npm install vdpa-mc`): build the 6.6
// mlx5 model with every userspace, look for a device DMA through the 1:1 map (K2 of
// docs/known-behaviours.md), print the counterexample as text; then run the engine on a model of
// one's own. Run with `npx tsx check-6.6.ts` (tests/api runs it from a packed copy of the package).
import { check } from 'vdpa-mc/systems';
import { renderText } from 'vdpa-mc/traces';
import { explore, s, type Model } from 'vdpa-mc/engine';

const { json, traces } = await check({ kernel: '6.6', parent: 'mlx5', userspace: 'any', invariants: ['dma-isolation'] });
console.log(`${json.config.kernel} ${json.config.parent} ${json.config.userspace}: ${json.verdict} (${json.stats.distinctStates} worlds)`);
for (const t of traces) console.log(renderText(t, { color: false }));

// A counter that must stay below 3, with a step that may overflow it: the engine alone.
const counter: Model<{ n: number }, 'inc'> = {
  init: () => [{ n: 0 }],
  actions: (w, out) => { if (w.n < 5) out.push('inc'); },
  next: (w) => ({ n: w.n + 1 }),
  properties: () => [{ kind: 'invariant', id: 'below-3', check: (w) => (w.n >= 3 ? { message: `n = ${w.n}` } : undefined) }],
  label: (a) => a,
  actionKinds: ['inc'],
  kindOf: () => 0,
  schema: s.struct<{ n: number }>({ n: s.int(0, 5) }),
};
const r = explore(counter, {});
console.log(`counter: ${r.violations.map((v) => `${v.propertyId} after ${v.actions.length} steps`).join(', ')}`);
