// Every VFIO invariant is violated in one configuration and holds in another (no vacuous property,
// no crying wolf). Depths are small enough for a few seconds each; `holds` results are complete
// within their depth.
import { describe, expect, test } from 'vitest';
import type { InvariantId } from '../../spec/config.js';
import { check } from './helpers.js';

type Row = { id: InvariantId; violated: [string, 'cpr' | 'any', number]; holds: [string, 'cpr' | 'any', number][] };

const ROWS: Row[] = [
  // Exec with a valid vaddr over private memory: the new mm has another page there (uapi: "memory corruption").
  { id: 'vfio-live-update', violated: ['6.12', 'any', 2], holds: [['6.12', 'cpr', 16], ['lu-rfc', 'cpr', 16]] },
  { id: 'pin-accounting', violated: ['lu-rfc', 'any', 1], holds: [['6.12', 'any', 4], ['lu-rfc', 'cpr', 16]] },
  { id: 'no-dma-window', violated: ['lu-rfc', 'any', 2], holds: [['6.12', 'any', 4], ['lu-rfc', 'cpr', 16]] },
  // Private memory persisted in group A's table across kexec: the new kernel owns that page.
  { id: 'dma-isolation', violated: ['lu-rfc', 'any', 2], holds: [['6.12', 'any', 4], ['lu-rfc', 'cpr', 16]] },
];

describe.each(ROWS)('$id', (row) => {
  test(`violated: ${row.violated[0]} + ${row.violated[1]}, shortest ${row.violated[2]} steps`, () => {
    const [k, u, len] = row.violated;
    const r = check(k, u, len + 1, [row.id]);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]!.actions).toHaveLength(len);
    expect(r.violations[0]!.violation.message).toMatch(/0x[0-9a-f]+/);
  });
  test.each(row.holds)('holds: %s + %s to depth %i (complete)', (k, u, depth) => {
    const r = check(k, u, depth, [row.id]);
    expect(r.violations).toEqual([]);
    expect(r.complete).toBe(true);
    expect(r.stats.distinctStates).toBeGreaterThan(u === 'any' ? 1000 : 5);
  });
});
