// The engine on its own, with nothing of vDPA: two processes take a lock made of two flags and no
// turn variable (Peterson's algorithm without `turn`). The explorer finds the interleaving where
// both enter the critical section, as Stateright's examples do for their toy models.
//
//   npx tsx examples/engine/lock.ts          # prints the shortest counterexample
//
// A model is five things (explorer/model.ts): the initial worlds, the actions a world allows, the
// next world for an action, the properties, and a label per action. The schema is optional: with it
// worlds are packed into a few machine words for fingerprints and the frontier.
import { explore } from '../../explorer/bfs.js';
import type { Model } from '../../explorer/model.js';
import { s } from '../../explorer/schema.js';

/** Program counters: 0 idle, 1 between the test and the raise (or the raise and the test), 2 in the critical section. */
export interface LockWorld {
  readonly pc: readonly number[];
  readonly flag: readonly boolean[];
}
export interface Step {
  readonly proc: number;
}

const set = <T>(xs: readonly T[], i: number, v: T): T[] => xs.map((x, j) => (j === i ? v : x));

/**
 * `checkBeforeRaise`: the buggy protocol tests the other's flag, then (a separate step) raises its
 * own and enters; the correct one raises its flag first, then enters once the other's flag is down.
 */
export function lockModel(checkBeforeRaise: boolean): Model<LockWorld, Step> {
  const steps: Step[] = [{ proc: 0 }, { proc: 1 }];
  return {
    init: () => [{ pc: [0, 0], flag: [false, false] }],
    actions: (w, out) => {
      for (const st of steps) {
        const otherDown = !w.flag[1 - st.proc];
        const pc = w.pc[st.proc];
        if (pc === 2 || (pc === 0 && (!checkBeforeRaise || otherDown)) || (pc === 1 && (checkBeforeRaise || otherDown))) out.push(st);
      }
    },
    next: (w, a) => {
      const p = a.proc;
      switch (w.pc[p]) {
        case 0: // buggy: the test passed; correct: raise the flag
          return { pc: set(w.pc, p, 1), flag: checkBeforeRaise ? w.flag : set(w.flag, p, true) };
        case 1: // buggy: raise the flag and enter; correct: the other's flag is down, enter
          return { pc: set(w.pc, p, 2), flag: set(w.flag, p, true) };
        default: // leave: drop the flag
          return { pc: set(w.pc, p, 0), flag: set(w.flag, p, false) };
      }
    },
    properties: () => [
      {
        kind: 'invariant',
        id: 'mutual-exclusion',
        check: (w) => (w.pc[0] === 2 && w.pc[1] === 2 ? { message: 'both processes are in the critical section' } : undefined),
      },
    ],
    label: (a) => `process ${a.proc} steps`,
    actionKinds: ['step'],
    kindOf: () => 0,
    schema: s.struct<LockWorld>({ pc: s.array(s.int(0, 2), 2), flag: s.array(s.bool(), 2) }),
  };
}

/** Explores one protocol and returns the counterexample as lines (empty when the property holds). */
export function run(checkBeforeRaise: boolean): { distinct: number; trace: string[] } {
  const model = lockModel(checkBeforeRaise);
  const result = explore(model, {});
  const v = result.violations[0];
  if (v === undefined) return { distinct: result.stats.distinctStates, trace: [] };
  // The result carries the actions from an initial world; the worlds along them are rebuilt by replay.
  let w = model.init()[v.initIndex]!;
  const trace = v.actions.map((a, i) => {
    w = model.next(w, a) ?? w;
    return `${i + 1}. ${model.label(a)} → pc=${w.pc.join(',')} flag=${w.flag.map(Number).join(',')}`;
  });
  trace.push(`violated: ${v.propertyId}: ${v.violation.message}`);
  return { distinct: result.stats.distinctStates, trace };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const buggy of [true, false]) {
    const { distinct, trace } = run(buggy);
    console.log(`${buggy ? 'test then raise' : 'raise then test'}: ${distinct} worlds, ${trace.length === 0 ? 'mutual exclusion holds' : 'counterexample:'}`);
    for (const line of trace) console.log(`  ${line}`);
  }
}
