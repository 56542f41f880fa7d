// QEMU's script as a deterministic automaton over actions, its state held in the world's program
// counter (`pc`). The flows of flows.ts are inserted into a trie from each control point, so that where
// QEMU's behaviour branches (after DRIVER_OK: reboot, resize, migration switch or quit) the explorer
// takes every branch, and where two flows share a prefix (every stop) the prefix is one path. Each
// action leaves a node at most once, so the next pc is a function of (pc, action), also for an action
// read back from a trace file.
import type { Action } from '../../spec/vdpa/actions.js';
import type { VdpaCtx } from '../context.js';
import {
  BIND_VIRTIO, closeFlow, initFlow, resizeFlow, startFlow, stopFlow, type Phase, type Step, type TxnHook,
} from './flows.js';
import { qemuCaps, type QemuCaps } from './layout.js';

export interface Edge {
  readonly action: Action;
  readonly txn: TxnHook;
  readonly to: number;
}

export interface ScriptNode {
  readonly id: number;
  /** Control points have a name ("running", "closed"); nodes inside a flow have none. */
  readonly name: string | undefined;
  readonly out: Action[];
  readonly byAction: Map<Action, Edge>;
  readonly byKey: Map<string, Edge>;
}

/** A flow between two control points, kept for the cost of the reference cycle. */
export interface Flow {
  readonly name: 'boot' | 'reboot' | 'resize' | 'migrate' | 'unmigrate' | 'quit' | 'bind';
  readonly from: number;
  readonly to: number;
  readonly steps: readonly Step[];
}

export interface Script {
  readonly caps: QemuCaps;
  /** Every action of the script, each object once (the model memoises guards by identity). */
  readonly alphabet: readonly Action[];
  readonly nodes: readonly ScriptNode[];
  readonly flows: readonly Flow[];
  /** The control point "device running" of a phase. */
  running(ph: Phase): number;
}

/** A content key for an action (identity of a trace's re-parsed action with the script's own). */
export function actionKey(a: Action): string {
  switch (a.t) {
    case 'setBackendFeatures': return `${a.t}:${a.features}`;
    case 'setStatus': return `${a.t}:${a.status}`;
    case 'setGroupAsid': return `${a.t}:${a.group}:${a.asid}`;
    case 'iotlbUpdate': return `${a.t}:${a.asid}:${a.page}:${a.npages}:${a.host}`;
    case 'iotlbInvalidate': return `${a.t}:${a.asid}:${a.page}:${a.npages}`;
    case 'iotlbBatchBegin': case 'iotlbBatchEnd': return `${a.t}:${a.asid}`;
    case 'userFree': return `${a.t}:${a.host}`;
    default: return a.t;
  }
}

/** The world's pc field holds 0..255 (spec/vdpa/world.ts). */
const MAX_NODES = 256;

export function buildScript(ctx: VdpaCtx, persistSeries: boolean): Script {
  const caps = qemuCaps(ctx, persistSeries);
  const interned = new Map<string, Action>();
  const alphabet: Action[] = [];
  const intern = (a: Action): Action => {
    const k = actionKey(a);
    let x = interned.get(k);
    if (x === undefined) { x = a; interned.set(k, a); alphabet.push(a); }
    return x;
  };
  const nodes: ScriptNode[] = [];
  const node = (name?: string): number => {
    if (nodes.length >= MAX_NODES) throw new Error(`QEMU script: more than ${MAX_NODES} program points`);
    const id = nodes.length;
    nodes.push({ id, name, out: [], byAction: new Map(), byKey: new Map() });
    return id;
  };
  const flows: Flow[] = [];
  const terminal = new Set<number>();
  const insert = (name: Flow['name'], from: number, steps: readonly Step[], to: number): void => {
    if (steps.length === 0) throw new Error(`QEMU script: empty flow ${name}`);
    let at = from;
    steps.forEach((s, i) => {
      const action = intern(s.action);
      const key = actionKey(action);
      const last = i === steps.length - 1;
      const n = nodes[at]!;
      const e = n.byKey.get(key);
      if (e !== undefined) {
        // A shared prefix: same action, same transaction role, and only inner nodes are shared.
        if (e.txn !== s.txn || last || terminal.has(e.to)) throw new Error(`QEMU script: flow ${name} is ambiguous at ${key}`);
        at = e.to;
        return;
      }
      const next = last ? to : node();
      const edge: Edge = { action, txn: s.txn, to: next };
      n.out.push(action);
      n.byAction.set(action, edge);
      n.byKey.set(key, edge);
      at = next;
    });
    flows.push({ name, from, to, steps: steps.map((s) => ({ action: intern(s.action), txn: s.txn })) });
  };

  const root = node('init');
  const phases: Phase[] = [
    { resized: false, svq: false }, { resized: true, svq: false },
    { resized: false, svq: true }, { resized: true, svq: true },
  ];
  const runningIds = phases.map((ph) => node(`running${ph.resized ? ', resized' : ''}${ph.svq ? ', svq' : ''}`));
  const running = (ph: Phase): number => runningIds[(ph.resized ? 1 : 0) + (ph.svq ? 2 : 0)]!;
  const closed = node('closed');
  const bound = node('virtio-vdpa bound');
  for (const id of [...runningIds, closed, bound]) terminal.add(id);

  insert('boot', root, [...initFlow(caps), ...startFlow(caps, phases[0]!, true)], running(phases[0]!));
  for (const ph of phases) {
    const here = running(ph);
    if (!ph.resized) insert('resize', here, resizeFlow(caps, ph.svq), running({ ...ph, resized: true }));
    // Guest reboot: stop then start; qemu-persist keeps its maps across the reset.
    insert('reboot', here, [...stopFlow(caps, ph, !caps.persist), ...startFlow(caps, ph, !caps.persist)], here);
    // Into SVQ at migration start, out of it at migration cancel: a full stop and start with the new
    // layout; the layout changes, so even qemu-persist flushes and remaps.
    const other: Phase = { ...ph, svq: !ph.svq };
    insert(ph.svq ? 'unmigrate' : 'migrate', here, [...stopFlow(caps, ph, true), ...startFlow(caps, other, true)], running(other));
    insert('quit', here, closeFlow(caps, ph), closed);
  }
  insert('bind', closed, [BIND_VIRTIO], bound);
  return { caps, alphabet, nodes, flows, running };
}
