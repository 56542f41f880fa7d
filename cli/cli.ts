// The vdpa-mc command: dispatch to subcommands, and the one place where errors become exit codes.
// Only light modules are imported statically; the model, the engine, immer and ts-pattern are
// imported by the subcommands that need them, so that `--help` answers at once.
import { type Config, SYSTEMS, type SystemName, UsageError } from '../spec/config.js';
import type { CheckTarget } from '../systems/target.js';
import { type Entry, registryOf } from '../systems/catalogue.js';
import type { ExploreFn } from './check.js';
import { COMMAND_HELP, GLOBAL_HELP } from './help.js';
import { type CliIO, useColor } from './io.js';
import {
  type CheckOptions,
  type ListOptions,
  parseCheck,
  parseMerge,
  parseCompare,
  parseCost,
  parseList,
  parseMatrix,
} from './options.js';
import { TOOL, VERSION } from './version.js';
import { printable } from '../traces/untrusted.js';
import { needsScale, withDefaultWorkers } from './scale-options.js';

export const COMMANDS = ['check', 'matrix', 'cost', 'compare', 'trace', 'list', 'merge', 'conform'] as const;
const TRACE_SUBCOMMANDS = ['show', 'replay', 'export-test'] as const;

/** Seams for tests: a toy target instead of the registry's, another engine. */
export interface CliDeps {
  readonly buildTarget?: (config: Config) => Promise<CheckTarget>;
  readonly explore?: ExploreFn;
  /** Whether check, compare and matrix listen for SIGINT/SIGTERM/SIGHUP (default true; false in tests that run many commands). */
  readonly watchSignals?: boolean;
}

/** Runs one command line (without `node` and the script); returns the exit code. Throws like any command. */
export async function runCli(argv: readonly string[], io: CliIO, deps: CliDeps = {}): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new UsageError(`vdpa-mc: a command is required (accepted: ${COMMANDS.join(', ')}; see vdpa-mc --help)`);
  }
  if (first === '--help' || first === '-h') {
    io.out(GLOBAL_HELP);
    return 0;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) io.out(GLOBAL_HELP);
    // conform's help lives with it (the lab's command, loaded only when used)
    else if (topic === 'conform') io.out((await import('./conform.js')).CONFORM_HELP);
    else io.out(helpOf(topic));
    return 0;
  }
  if (first === '--version' || first === '-V') {
    io.out(`${TOOL} ${VERSION}\n`);
    return 0;
  }
  switch (first) {
    case 'check':
      return checkCommand(rest, io, deps);
    case 'list':
      return listCommand(rest, io, deps);
    case 'matrix': {
      const o = parseMatrix(rest);
      if (o.help) return help(io, 'matrix');
      return (await import('./matrix.js')).matrixCommand(o, io, deps);
    }
    case 'cost': {
      const o = parseCost(rest);
      if (o.help) return help(io, 'cost');
      return (await import('./cost.js')).costCommand(o, io, deps.buildTarget);
    }
    case 'compare': {
      const o = parseCompare(rest);
      if (o.help) return help(io, 'compare');
      return (await import('./compare.js')).compareCommand(o, io, deps);
    }
    case 'trace':
      return traceCommand(rest, io, deps);
    case 'merge': {
      const o = parseMerge(rest);
      if (o.help) return help(io, 'merge');
      return (await import('./merge.js')).mergeCommand(o, io);
    }
    case 'conform': // the real kernel in a QEMU guest (lab/)
      return (await import('./conform.js')).conformCommand(rest, io);
  }
  if (first.startsWith('-')) {
    throw new UsageError(`vdpa-mc: unknown option ${first} (accepted before a command: --help, --version; options go after the command)`);
  }
  throw new UsageError(`vdpa-mc: unknown command "${first}" (accepted: ${COMMANDS.join(', ')})`);
}

function helpOf(topic: string): string {
  // own properties only: `help toString` is not a command (issue 11)
  const h = Object.hasOwn(COMMAND_HELP, topic) ? COMMAND_HELP[topic] : undefined;
  if (h === undefined) throw new UsageError(`vdpa-mc help: unknown command "${topic}" (accepted: ${COMMANDS.join(', ')})`);
  return h;
}

function help(io: CliIO, topic: string): number {
  io.out(helpOf(topic));
  return 0;
}

async function targetOf(config: Config, deps: CliDeps): Promise<CheckTarget> {
  const build = deps.buildTarget ?? (await import('../systems/registry.js')).buildTarget;
  return build(config);
}

async function checkCommand(argv: readonly string[], io: CliIO, deps: CliDeps): Promise<number> {
  const o = parseCheck(argv);
  if (o.help) return help(io, 'check');
  return runCheckCommand(o, io, deps);
}

/** `check` after parsing: build, explore, write the files, print text or JSON. */
export async function runCheckCommand(o: CheckOptions, io: CliIO, deps: CliDeps = {}): Promise<number> {
  const target = await targetOf(o.config, deps);
  const [{ runCheck }, { renderSummary, configHeader }, { progressPrinter }, { writeTracesForOut }, { renderText }, signals, ci, bfs] = await Promise.all([
    import('./check.js'),
    import('./report.js'),
    import('./progress.js'),
    import('./trace-output.js'),
    import('../traces/text.js'),
    import('./signals.js'),
    import('./ci-output.js'),
    import('../explorer/bfs.js'),
  ]);
  if (o.ci !== undefined) ci.checkCiOutputs('vdpa-mc check', o.ci);
  // Signals and --max-memory stop the search cleanly: what was found so far is still reported.
  const watch = await signals.startStopWatch(o.maxMemory ?? signals.defaultMaxMemory(), deps.watchSignals ?? true);
  const progress = o.json ? undefined : progressPrinter({ write: (s) => io.err(s), isTTY: io.stderrIsTTY }, configHeader('check', target.config).join('\n'));
  const engine: ExploreFn = deps.explore ?? bfs.explore;
  let run;
  let scaled: Awaited<ReturnType<typeof import('./scale.js').runScaledCheck>> | undefined;
  try {
    const runOptions = {
      ...(progress !== undefined ? { onProgress: progress.onProgress } : {}),
      explore: signals.watched(engine, watch),
      ...(o.tracesPerInvariant !== undefined ? { tracesPerInvariant: o.tracesPerInvariant } : {}),
      ...(o.scale?.frontier !== undefined ? { frontier: o.scale.frontier } : {}),
    };
    // --workers defaults to the cores for the registry's targets on the real engine (scale-options.ts)
    const scale = withDefaultWorkers(o.scale, deps.buildTarget === undefined && deps.explore === undefined && target.model.schema !== undefined);
    if (scale !== undefined && needsScale(scale)) {
      // worker threads, checkpoints, shards, swarm: cli/scale.ts
      const [{ prepareCheck }, { runScaledCheck }] = await Promise.all([import('./check.js'), import('./scale.js')]);
      scaled = await runScaledCheck(o.config, target, prepareCheck(target, runOptions), scale, watch);
      run = { ...scaled.run, json: { ...scaled.run.json, ...(scale.shard !== undefined ? { shard: scale.shard } : {}) } };
    } else run = runCheck(target, runOptions);
  } finally {
    progress?.done();
    await watch.dispose();
  }
  const sig = watch.signal();
  const code = sig !== undefined && run.explored.stoppedBy === 'signal' ? signals.signalExitCode(sig) : run.exitCode;
  const written = o.out !== undefined
    ? await writeTracesForOut('check', o.out, o.out, run.traces, { verdict: run.json.verdict, config: run.json.config }) : [];
  if (o.ci !== undefined) {
    ci.writeCiOutputs(o.ci, [{ ...run.json, violations: run.json.violations.map((v, i) => ({ ...v, text: renderText(run.traces[i]!, { color: false }) })) }]);
  }
  if (scaled?.checkpoint !== undefined) io.err(`checkpoint written to ${scaled.checkpoint}${run.explored.complete ? '' : ` (continue with --resume ${scaled.checkpoint})`}\n`);
  if (o.json) {
    io.out(JSON.stringify(run.json, null, 2) + '\n');
    return code;
  }
  io.out(renderSummary(run, { color: useColor(io) }));
  run.traces.forEach((t, i) => {
    const v = run.json.violations[i]!;
    const c = v.cause;
    const head = c === undefined ? '' :
      `\nCause of ${v.invariant}: step ${c.step} (${c.action}): ${c.call} — ${c.class}${c.clause !== undefined ? ` (clause ${c.clause})` : ''}\n`;
    const broken = v.breaks !== undefined && v.breaks.length > 0
      ? `Breaks the strict contract: ${v.breaks.map((b) => `${b.clause} at step ${b.step}`).join(', ')}\n` : '';
    const swallowed = v.swallowed !== undefined && v.swallowed.length > 0
      ? `Swallowed error: ${v.swallowed.map((s) => `step ${s.step} returned 0 to userspace while ${s.call}`).join('; ')}\n` : '';
    io.out(head + broken + swallowed + '\n' + renderText(t, { color: useColor(io) }));
  });
  if (o.out !== undefined) {
    io.out(written.length > 0 ? `\ntraces written:\n${written.map((p) => `  ${p}\n`).join('')}` : `\nno violation: no trace written to ${o.out}\n`);
  }
  return code;
}

async function traceCommand(argv: readonly string[], io: CliIO, deps: CliDeps): Promise<number> {
  const [sub] = argv;
  if (sub === '--help' || sub === '-h') return help(io, 'trace');
  if (sub === undefined || !(TRACE_SUBCOMMANDS as readonly string[]).includes(sub)) {
    const what = sub === undefined ? 'a subcommand is required' : `"${sub}" is not a subcommand`;
    throw new UsageError(`vdpa-mc trace: ${what} (accepted: ${TRACE_SUBCOMMANDS.join(', ')})`);
  }
  // traces/ owns the subcommands (cli/trace.ts); it parses with options.ts and returns the exit code.
  const { runTraceCommand } = await import('./trace.js');
  return runTraceCommand(argv, io, deps.buildTarget !== undefined ? { buildTarget: deps.buildTarget } : {});
}

function table(rows: readonly (readonly [string, string])[], indent = ''): string {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(w)}  ${v}\n`).join('');
}

const rowsOf = (es: readonly Entry[]): (readonly [string, string])[] => es.map((e) => [e.name, e.description] as const);

/** Per system: without --system both, in sections; with it, that one alone. */
function perSystem(o: ListOptions, rows: (sys: SystemName) => (readonly [string, string])[]): string {
  if (o.system !== undefined) return table(rows(o.system));
  return SYSTEMS.map((sys) => `${sys}:\n${table(rows(sys), '  ')}`).join('');
}

async function listCommand(argv: readonly string[], io: CliIO, deps: CliDeps): Promise<number> {
  const o = parseList(argv);
  if (o.help) return help(io, 'list');
  switch (o.topic) {
    case 'kernels':
      io.out(perSystem(o, (sys) => rowsOf(registryOf(sys).kernels)));
      return 0;
    case 'userspaces':
      io.out(perSystem(o, (sys) => rowsOf(registryOf(sys).userspaces)));
      return 0;
    case 'parents':
      io.out(o.system === 'vfio' ? '(none: vfio has no parent)\n' : table(rowsOf(registryOf('vdpa').parents)));
      return 0;
    case 'invariants':
      io.out(perSystem(o, (sys) => registryOf(sys).invariants.map((i) => [i.id, i.title] as const)));
      return 0;
    case 'actions': {
      const systems = o.system !== undefined ? [o.system] : SYSTEMS;
      const kinds = new Map<SystemName, readonly string[]>();
      for (const sys of systems) kinds.set(sys, await actionKindsOf(sys, io, deps));
      // the argument names --exclude-actions kind(arg=value) accepts (vdpa)
      const { ACTION_ARGS } = await import('../spec/vdpa/actions.js');
      const args = (sys: SystemName, k: string): string => {
        const a = sys === 'vdpa' && Object.hasOwn(ACTION_ARGS, k) ? ACTION_ARGS[k as keyof typeof ACTION_ARGS] : [];
        return a.length > 0 ? `${k}(${a.join(',')})` : k;
      };
      io.out(perSystem(o, (sys) => (kinds.get(sys) ?? []).map((k) => [args(sys, k), registryOf(sys).actions.find((e) => e.name === k)?.description ?? ''] as const)));
      return 0;
    }
  }
}

/** The action kinds of the default configuration's model; the registry's list while the model is not built in. */
async function actionKindsOf(sys: SystemName, io: CliIO, deps: CliDeps): Promise<readonly string[]> {
  const config: Config = {
    system: sys,
    kernel: registryOf(sys).defaults.kernel,
    parent: registryOf(sys).defaults.parent,
    userspace: 'any',
    invariants: undefined,
    bounds: {},
  };
  try {
    return (await targetOf(config, deps)).model.actionKinds;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`note: the ${sys} model is not available in this build (${e.message}); listing the action kinds of its registry\n`);
    return registryOf(sys).actions.map((e) => e.name);
  }
}

/** Turns anything thrown into one line on stderr and an exit code: 2 for usage, 1 for the rest. */
export function exitCodeForError(e: unknown, io: CliIO): number {
  // a message may quote user input (a file, a variant's throw): no escape sequence reaches the terminal
  const oneLine = (s: string): string => printable(s.replace(/\s*\n\s*/g, ' ')).trim();
  // A usage error raised by user code (a kernel variant) during a search: exit 2, with its step.
  if (e instanceof Error && e.name === 'ModelStepError') {
    const { cause, depth, action } = e as Error & { cause: unknown; depth: number; action?: string };
    if (cause instanceof UsageError || (cause instanceof Error && cause.name === 'UsageError')) {
      io.err(`${oneLine(cause.message)} (step ${depth}${action !== undefined ? `: ${action}` : ''})\n`);
      return 2;
    }
  }
  if (e instanceof UsageError || (e instanceof Error && e.name === 'UsageError')) {
    io.err(`${oneLine(e.message)}\n`);
    return 2;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.err(`vdpa-mc: internal error: ${oneLine(msg)}${io.env['VDPA_MC_DEBUG'] === '1' ? '' : ' (VDPA_MC_DEBUG=1 shows the stack)'}\n`);
  if (io.env['VDPA_MC_DEBUG'] === '1' && e instanceof Error && e.stack !== undefined) io.err(`${e.stack}\n`);
  return 1;
}

/** runCli with every error turned into its exit code: what the binary runs. */
export async function main(argv: readonly string[], io: CliIO, deps: CliDeps = {}): Promise<number> {
  try {
    return await runCli(argv, io, deps);
  } catch (e) {
    return exitCodeForError(e, io);
  }
}
