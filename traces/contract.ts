// What the trace tools assume of a TraceModel, checked on the worlds a short BFS reaches: an
// action survives the file (actionToJson → ITF → actionFromJson gives the same action), a world
// survives it too, views and outcomes are deterministic, calls name known lanes. A model author
// runs it in a test; `trace replay` and `check --out` rely on every point.
import { decodeValue, encodeValue } from './itf.js';
import { toPlainJson } from './replay.js';
import type { TraceModel } from './trace-model.js';
import { canonical } from './values.js';

export interface ContractOptions {
  /** Distinct worlds to visit (BFS from the initial worlds); default 200. */
  readonly maxStates?: number;
  /** Stop after this many problems; default 10. */
  readonly maxProblems?: number;
}

/** One line per problem found (empty: none), each naming the world and the action. */
export function traceModelProblems<S, A>(model: TraceModel<S, A>, options: ContractOptions = {}): string[] {
  const maxStates = options.maxStates ?? 200;
  const maxProblems = options.maxProblems ?? 10;
  const problems: string[] = [];
  const note = (p: string): void => {
    if (problems.length < maxProblems) problems.push(p);
  };
  const viaFile = (v: unknown, what: string): unknown => {
    try {
      return decodeValue(JSON.parse(JSON.stringify(encodeValue(v, ''))), '');
    } catch (e) {
      note(`${what}: ${(e instanceof Error ? e.message : String(e)).replace(/^: /, '')}`);
      return undefined;
    }
  };
  const seen = new Set<string>();
  const queue: { s: S; path: string }[] = model.init().map((s, i) => ({ s, path: `init#${i}` }));
  for (const q of queue) seen.add(canonical(model.worldToJson(q.s)));
  for (let qi = 0; qi < queue.length && qi < maxStates && problems.length < maxProblems; qi++) {
    const { s, path } = queue[qi] as { s: S; path: string };
    const w = model.worldToJson(s);
    const back = viaFile(w, `world after ${path}`);
    if (back !== undefined && canonical(back) !== canonical(w)) note(`world after ${path}: differs after a round trip through ITF`);
    if (canonical(model.view(s)) !== canonical(model.view(s))) note(`world after ${path}: view(s) is not deterministic`);
    const enabled: A[] = [];
    model.actions(s, enabled);
    for (const a of enabled) {
      const label = model.label(a);
      const j = model.actionToJson(a);
      const jb = viaFile(j, `action ${label}`);
      if (jb !== undefined) {
        const a2 = model.actionFromJson(toPlainJson(jb));
        if (a2 === undefined) note(`action ${label} (after ${path}): actionFromJson does not read back actionToJson ${JSON.stringify(toPlainJson(j))}`);
        else if (canonical(model.actionToJson(a2)) !== canonical(j)) note(`action ${label} (after ${path}): read back as another action (${model.label(a2)})`);
      }
      const o1 = model.outcome(s, a);
      if (canonical(o1) !== canonical(model.outcome(s, a))) note(`action ${label} (after ${path}): outcome is not deterministic`);
      for (const c of o1.calls) {
        for (const lane of [c.from, c.to]) {
          if (!model.lanes.includes(lane)) note(`action ${label} (after ${path}): call "${c.label}" names lane "${lane}", not one of ${model.lanes.join(', ')}`);
        }
      }
      const after = model.next(s, a);
      if (after === undefined) continue;
      const key = canonical(model.worldToJson(after));
      if (!seen.has(key)) {
        seen.add(key);
        queue.push({ s: after, path: `${path} → ${label}` });
      }
    }
  }
  return problems;
}
