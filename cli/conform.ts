// `vdpa-mc conform --kernel K --parent P --runs N --seed S`: fast-check draws sequences from
// userspace `any`'s alphabet (less what the lab cannot do: rebinding, fault injection; plus the vring
// ioctls on every parent, lab/alphabet.ts); each runs on
// the model and, in one guest boot for all of them, on the real kernel. A difference is shrunk by
// fast-check to a shortest sequence and printed step by step. Exit 0 all agree, 12 a difference.
import fc from 'fast-check';
import { UsageError } from '../spec/config.js';
import type { Action } from '../spec/vdpa/actions.js';
import { bit } from '../spec/vdpa/constants.js';
import { labAlphabet } from '../lab/alphabet.js';
import { Guest, LabError, readLabManifest } from '../lab/guest.js';
import { LabSession, labTarget, renderComparison, type ProbeWhen, type SequenceComparison } from '../lab/conformance.js';
import { isLabKernel, isLabParent, LAB_PARENTS } from '../lab/mapping.js';
import { parseArgs } from './args.js';
import { parentsOfKernel } from '../systems/catalogue.js';
import type { CliIO } from './io.js';

export const CONFORM_HELP = `usage: vdpa-mc conform --kernel 6.12|6.1 --parent vdpa_sim|vdpa_sim_dma|vdpa_sim_va|vduse [--runs N] [--seed S] [--max-steps L] [--probe each-step|last-step|none] [--json]
Runs N random sequences (default 100, at most L steps each, default 12) of userspace any's alphabet
with the vring ioctls (lab/alphabet.ts) on the model and on the real kernel in a QEMU guest (lab/: \`bash lab/build.sh\` first), compares
every call's return value and pin count, and the device's translation of the four IOVA pages
(vdpa_sim: a packet through vdpa_sim_net's datapath, ~30 ms a page; VDUSE: the map its daemon reads)
after every step or the last one (default: each-step for vduse, last-step for vdpa_sim), and shrinks
the first difference. The seed is printed (default 1); the same seed draws the same sequences.
Exit 0: all agree; 12: a difference.
`;

export interface ConformOptions {
  readonly kernel: '6.12' | '6.1';
  readonly parent: (typeof LAB_PARENTS)[number];
  readonly runs: number;
  readonly seed: number;
  readonly maxSteps: number;
  readonly probe: ProbeWhen;
  readonly json: boolean;
}

const int = (name: string, v: string | undefined, def: number, min: number, max: number): number => {
  if (v === undefined) return def;
  if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`vdpa-mc conform: --${name} ${v}: expected an integer in [${min}, ${max}]`);
  return Number(v);
};

export function parseConform(argv: readonly string[]): ConformOptions | 'help' {
  const a = parseArgs(argv, { kernel: 'value', parent: 'value', runs: 'value', seed: 'value', 'max-steps': 'value', probe: 'value', json: 'flag', help: 'flag' }, 'vdpa-mc conform');
  if (a.flags.has('help')) return 'help';
  if (a.positionals.length > 0) throw new UsageError(`vdpa-mc conform: unexpected argument ${a.positionals[0]!}`);
  const kernel = a.values.get('kernel') ?? '6.12';
  if (!isLabKernel(kernel)) throw new UsageError(`vdpa-mc conform: --kernel ${kernel}: not in the lab (accepted: 6.12, 6.1)`);
  const parent = a.values.get('parent') ?? 'vdpa_sim';
  if (!isLabParent(parent)) throw new UsageError(`vdpa-mc conform: --parent ${parent}: not in the lab (accepted: ${LAB_PARENTS.join(', ')})`);
  if (!parentsOfKernel('vdpa', kernel).includes(parent)) throw new UsageError(`vdpa-mc conform: --parent ${parent}: kernel ${kernel} has no such parent (accepted: ${parentsOfKernel('vdpa', kernel).filter(isLabParent).join(', ')})`);
  const probe = a.values.get('probe') ?? (parent === 'vduse' ? 'each-step' : 'last-step');
  if (probe !== 'each-step' && probe !== 'last-step' && probe !== 'none') throw new UsageError(`vdpa-mc conform: --probe ${probe}: expected each-step, last-step or none`);
  return {
    probe,
    kernel, parent,
    runs: int('runs', a.values.get('runs'), 100, 1, 10_000_000),
    seed: int('seed', a.values.get('seed'), 1, -(2 ** 31), 2 ** 31 - 1),
    maxSteps: int('max-steps', a.values.get('max-steps'), 12, 1, 200),
    json: a.flags.has('json'),
  };
}

/** Sequences: one of a few openings (so that most steps reach past the fd and owner checks), then any actions. */
export function sequenceArbitrary(alphabet: readonly Action[], maxSteps: number): fc.Arbitrary<Action[]> {
  const base = bit('IOTLB_MSG_V2') | bit('IOTLB_BATCH') | bit('IOTLB_ASID');
  const openings: Action[][] = [
    [],
    [{ t: 'open' }],
    [{ t: 'open' }, { t: 'setOwner' }],
    [{ t: 'open' }, { t: 'setOwner' }, { t: 'setBackendFeatures', features: base }],
    [{ t: 'open' }, { t: 'setOwner' }, { t: 'setBackendFeatures', features: base }, { t: 'setStatus', status: 0xf }],
  ];
  return fc.tuple(fc.constantFrom(...openings), fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: maxSteps }))
    .map(([o, body]) => [...o, ...body].slice(0, maxSteps));
}

export interface ConformResult {
  readonly kernel: string;
  readonly release: string;
  readonly parent: string;
  readonly seed: number;
  readonly accel: string;
  readonly bootSeconds: number;
  readonly runs: number;
  readonly sequencesAgreed: number;
  readonly stepsAgreed: number;
  readonly probe: ProbeWhen;
  /** Device translations (IOVA page after a step) compared with the model's. */
  readonly deviceChecks: number;
  /** Device probes not sent because the sequence's own vring ioctl had set up the probe's queues, and in how many sequences. */
  readonly probesSkippedForVrings: number;
  readonly sequencesSkippedForVrings: number;
  /** The alphabet's size (letters). */
  readonly alphabet: number;
  readonly seconds: number;
  readonly difference?: { readonly steps: number; readonly firstDifference: number; readonly shrinks: number; readonly lines: readonly string[] };
}

export async function runConform(o: ConformOptions, env: Readonly<Record<string, string | undefined>>, progress?: (s: string) => void): Promise<ConformResult> {
  const manifest = readLabManifest(env);
  if (typeof manifest === 'string') throw new UsageError(manifest);
  const t = labTarget(o.kernel, o.parent);
  const alphabet = labAlphabet(t.ctx, t.kernel);
  const guest = await Guest.boot(o.kernel, {}, env);
  const session = new LabSession(guest);
  let agreedSeq = 0;
  let agreedSteps = 0;
  let lastFailure: SequenceComparison | undefined;
  const t0 = performance.now();
  try {
    await session.use(t);
    const details = await fc.check(
      fc.asyncProperty(sequenceArbitrary(alphabet, o.maxSteps), async (seq) => {
        const c = await session.compare(t, seq, o.probe);
        if (c.firstDifference === undefined) {
          agreedSeq++;
          agreedSteps += seq.length;
          if (progress !== undefined && agreedSeq % 100 === 0) progress(`${agreedSeq} sequences, ${agreedSteps} steps agreed`);
          return true;
        }
        lastFailure = c;
        return false;
      }),
      { numRuns: o.runs, seed: o.seed, endOnFailure: false },
    );
    // the guest failing (not a difference) is thrown as it is
    if (details.failed && details.errorInstance instanceof LabError) throw details.errorInstance;
    const seconds = (performance.now() - t0) / 1000;
    const base = {
      kernel: o.kernel, release: manifest.kernels[o.kernel].release, parent: o.parent, seed: o.seed, accel: guest.accel,
      bootSeconds: guest.bootSeconds, runs: o.runs, sequencesAgreed: agreedSeq, stepsAgreed: agreedSteps, probe: o.probe, deviceChecks: session.deviceChecks,
      probesSkippedForVrings: session.probesSkippedForVrings, sequencesSkippedForVrings: session.sequencesSkippedForVrings, alphabet: alphabet.length, seconds,
    };
    if (!details.failed) return base;
    const ce = details.counterexample?.[0];
    if (ce === undefined) throw new LabError(`fast-check failed without a counterexample: ${String(details.errorInstance)}`);
    // re-run the shrunk sequence so that the printed comparison is the shrunk one
    const c = await session.compare(t, ce, o.probe);
    const fail = c.firstDifference !== undefined ? c : lastFailure!;
    return {
      ...base,
      difference: {
        steps: fail.steps.length, firstDifference: fail.firstDifference ?? 0, shrinks: details.numShrinks,
        lines: renderComparison(fail, { upTo: fail.firstDifference ?? fail.steps.length }),
      },
    };
  } finally {
    await guest.shutdown();
  }
}

export async function conformCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const o = parseConform(argv);
  if (o === 'help') {
    io.out(CONFORM_HELP);
    return 0;
  }
  const r = await runConform(o, io.env, o.json ? undefined : (s) => io.err(`conform: ${s}\n`));
  if (o.json) {
    io.out(`${JSON.stringify(r, null, 2)}\n`);
    return r.difference === undefined ? 0 : 12;
  }
  io.out(`conform: Linux ${r.release} (${r.kernel}), parent ${r.parent}, seed ${r.seed}, ${r.runs} runs of ${r.alphabet} letters\n`);
  io.out(`guest: QEMU ${r.accel}, booted in ${r.bootSeconds.toFixed(1)} s\n`);
  io.out(`agreed: ${r.sequencesAgreed} sequences, ${r.stepsAgreed} steps in ${r.seconds.toFixed(1)} s ` +
    `(${(r.sequencesAgreed / r.seconds).toFixed(1)} sequences/s, ${(r.stepsAgreed / r.seconds).toFixed(0)} steps/s)\n`);
  io.out(`device: ${r.deviceChecks} translations compared (${r.probe === 'none' ? 'not probed' : `probed after ${r.probe === 'each-step' ? 'every step' : 'the last step of each sequence'}`})` +
    `${r.sequencesSkippedForVrings > 0 ? `; ${r.probesSkippedForVrings} probes skipped in ${r.sequencesSkippedForVrings} sequences whose own vring ioctls set up the probe's queues` : ''}\n`);
  if (r.difference === undefined) {
    io.out('verdict: the kernel and the model agree on every step\n');
    return 0;
  }
  io.out(`verdict: they part at step ${r.difference.firstDifference} of a ${r.difference.steps}-step sequence (shrunk ${r.difference.shrinks} times; replay with --seed ${r.seed}):\n`);
  io.out(r.difference.lines.map((l) => `${l}\n`).join(''));
  return 12;
}
