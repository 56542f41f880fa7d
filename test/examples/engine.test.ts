// examples/engine/lock.ts is the engine's minimal, self-contained example: it must keep working.
import { describe, expect, it } from 'vitest';
import { run } from '../../examples/engine/lock.js';

describe('examples/engine: a two-flag lock', () => {
  it('test-then-raise: both processes in the critical section after 4 steps', () => {
    const { distinct, trace } = run(true);
    expect(distinct).toBe(9);
    expect(trace).toHaveLength(5);
    expect(trace[4]).toBe('violated: mutual-exclusion: both processes are in the critical section');
  });
  it('raise-then-test: mutual exclusion holds in every one of the 8 reachable worlds', () => {
    expect(run(false)).toEqual({ distinct: 8, trace: [] });
  });
});
