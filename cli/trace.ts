// `vdpa-mc trace show|replay|export-test FILE ...` (design.md). Options are parsed with the
// CLI's parsers (cli/options.ts); a file that is not a trace we can read is one line and exit 2.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Config, UsageError } from '../spec/config.js';
import type { CheckTarget } from '../systems/target.js';
import { defaultTestPath, exportTestSource } from '../traces/export-test.js';
import { readTraceFile, withVariantRelativeTo } from '../traces/files.js';
import { renderHtml } from '../traces/html.js';
import { renderMermaid } from '../traces/mermaid.js';
import { describeReplay, replay, type ReplayResult } from '../traces/replay.js';
import { buildTrace } from '../traces/trace.js';
import { traceConfigOf } from './check.js';
import { writeTracesForOut } from './trace-output.js';
import { TOOL, VERSION } from './version.js';
import { renderText } from '../traces/text.js';
import { printable } from '../traces/untrusted.js';
import type { Trace } from '../traces/trace.js';
import { traceConfig, traceVariant, variantLocation } from '../systems/trace-config.js';
import { runWithVariant, variantLabel } from '../systems/variant-module.js';
import { existsSync, statSync } from 'node:fs';
import { special } from './out-dir.js';
import { parseTraceExport, parseTraceReplay, parseTraceShow } from './options.js';

/** Where output goes (structurally the CLI's CliIO). */
export interface TraceIO {
  out(s: string): void;
  err(s: string): void;
  readonly stdoutIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface TraceDeps {
  /** The registry's buildTarget by default (imported lazily: the models are heavy). */
  readonly buildTarget?: (config: Config) => Promise<CheckTarget>;
  /** Directory `export-test` writes its default file under (default: process.cwd()). */
  readonly cwd?: string;
}

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 12;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 1;

function processTraceIO(): TraceIO {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    stdoutIsTTY: process.stdout.isTTY === true,
    env: process.env,
  };
}

/** A bad trace file or bad usage: the one line the user sees (exit 2). */
class TraceUsage extends Error {}

async function load(file: string): Promise<Trace> {
  const r = await readTraceFile(file);
  if (!r.ok) throw new TraceUsage(r.error);
  return r.trace;
}

/**
 * Runs `trace <sub> ...`: `argv` is what follows `trace` (a leading "trace" is tolerated).
 * Returns the exit code; never throws (usage → 2 with one line on stderr, anything else → 1).
 */
export async function runTraceCommand(argv: readonly string[], io: TraceIO = processTraceIO(), deps: TraceDeps = {}): Promise<number> {
  const args = argv[0] === 'trace' ? argv.slice(1) : argv;
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'show':
        return await show(rest, io);
      case 'replay':
        return await replayCommand(rest, io, deps);
      case 'export-test':
        return await exportTest(rest, io, deps);
      default:
        throw new TraceUsage(
          `vdpa-mc trace: ${sub === undefined ? 'a subcommand is required' : `"${sub}" is not a subcommand`} (accepted: show, replay, export-test)`,
        );
    }
  } catch (e) {
    if (e instanceof TraceUsage || e instanceof UsageError) {
      io.err(`${printable(e.message.split('\n')[0] ?? '')}\n`);
      return EXIT_USAGE;
    }
    io.err(`vdpa-mc trace: internal error: ${printable(e instanceof Error ? e.message.split('\n')[0]! : String(e))}\n`);
    return EXIT_INTERNAL;
  }
}

const HELP = `usage: vdpa-mc trace show FILE [--format text|mermaid|html]
       vdpa-mc trace replay FILE [--system S] [--kernel K] [--parent P] [--userspace U] [--invariants IDS] [--json] [--out DIR]
       vdpa-mc trace replay FILE --on-kernel [--kernel 6.12|6.1] [--parent P] [--json]   (the real kernel, lab/)
       vdpa-mc trace export-test FILE [--out PATH|-]
FILE is a .itf.json trace written by \`vdpa-mc check --out DIR\`. export-test writes
test/regressions/<invariant>.test.ts by default, or PATH, or stdout with --out -.
replay exits 12 when an invariant is violated along the replay, 0 when none is, 2 when FILE is not a trace.
`;

async function show(argv: readonly string[], io: TraceIO): Promise<number> {
  const o = parseTraceShow(argv);
  if (o.help) {
    io.out(HELP);
    return EXIT_OK;
  }
  const trace = await load(o.file);
  const color = io.stdoutIsTTY && (io.env['NO_COLOR'] ?? '') === '';
  io.out(o.format === 'mermaid' ? renderMermaid(trace) : o.format === 'html' ? renderHtml(trace) : renderText(trace, { color }));
  return EXIT_OK;
}

/**
 * A trace records the sha256 of the variant it was found on. If the module changed since, the
 * replay runs on the current content (that is what a reviewer iterating on a patch wants) and
 * says so on stderr: the outcome may differ because the patch did.
 */
function warnIfVariantChanged(trace: Trace, target: CheckTarget, io: TraceIO): void {
  const recorded = traceVariant(trace);
  const now = target.variant;
  if (recorded === undefined || now === undefined || recorded.sha256 === now.hash) return;
  io.err(`warning: variant ${now.path} changed since the trace was recorded (sha256 ${recorded.sha256.slice(0, 12)}… then, ${now.hash.slice(0, 12)}… now): replaying on its current content\n`);
}

async function replayCommand(argv: readonly string[], io: TraceIO, deps: TraceDeps): Promise<number> {
  // --on-kernel: the same trace on the real kernel in a QEMU guest (cli/lab.ts, lab/)
  if (argv.includes('--on-kernel')) return (await import('./lab.js')).replayOnKernel(argv.filter((a) => a !== '--on-kernel'), io);
  const o = parseTraceReplay(argv);
  if (o.help) {
    io.out(HELP);
    return EXIT_OK;
  }
  const trace = await load(o.file);
  const config = { ...traceConfig(trace, o, { from: dirname(resolve(o.file)) }), bounds: o.bounds };
  const build = deps.buildTarget ?? (await import('../systems/registry.js')).buildTarget;
  const target = await build(config);
  warnIfVariantChanged(trace, target, io);
  const replayAll = () => replay(trace, target.model, o.invariants !== undefined ? { propertyIds: o.invariants } : {});
  // A variant is user code: its ops run contained, and its errors are exit 2 (systems/variant-module.ts).
  const v = target.variant;
  const r = v === undefined ? replayAll() : runWithVariant(variantLabel(v), target.config.bounds.timeLimit, replayAll);
  if (r.stopped?.why === 'unknown-action') {
    const d = r.stopped;
    throw new TraceUsage(`${o.file}: step ${d.step} is not an action of the ${config.system} model (${d.base})`);
  }
  const rc = r.violations.length > 0 ? EXIT_VIOLATION : EXIT_OK;
  const written = o.out !== undefined ? await writeReplayed(o.out, trace, r, target) : [];
  if (o.json) {
    const c = target.config;
    io.out(
      `${JSON.stringify(
        {
          file: o.file,
          config: { system: c.system, kernel: c.kernel, parent: c.parent ?? null, userspace: c.userspace },
          recorded: { invariant: trace.violation.invariant, steps: trace.steps.length },
          stepsRun: r.stepsRun,
          divergedAt: r.divergedAt ?? null,
          stopped: r.stopped ?? null,
          violations: r.violations.map((v) => ({ invariant: v.propertyId, step: v.step, message: v.message, ...(v.observation !== undefined ? { observation: v.observation } : {}) })),
          reproduced: r.violations.some((v) => v.propertyId === trace.violation.invariant),
          // null: the trace records no call events (written before they were stored)
          callPaths: r.callPaths ?? null,
          ...(o.out !== undefined ? { written } : {}),
        },
        null,
        2,
      )}\n`,
    );
    return rc;
  }
  const c = target.config;
  io.out(`replaying ${o.file} (${trace.steps.length} steps, recorded: ${trace.violation.invariant}) on system=${c.system} kernel=${c.kernel}${c.parent !== undefined ? ` parent=${c.parent}` : ''} userspace=${c.userspace}\n`);
  io.out(describeReplay(trace, r).map((l) => `${l}\n`).join(''));
  if (o.out !== undefined) io.out(`replayed trace written:\n${written.map((p) => `  ${p}\n`).join('')}`);
  return rc;
}

/** Marks a replayed trace along which no invariant broke (export-test refuses it: nothing to assert). */
export const NO_VIOLATION = 'none';

/**
 * `trace replay --out DIR`: the replay as a trace of its own, on the replaying configuration, so that
 * `trace show` (or the .txt and .html written beside it) renders it. Its violation is the recorded
 * invariant's when it reproduces, else the first one met, else none.
 */
async function writeReplayed(out: string, recorded: Trace, r: ReplayResult, target: CheckTarget): Promise<string[]> {
  const v = r.violations.find((x) => x.propertyId === recorded.violation.invariant) ?? r.violations[0];
  const violation = v !== undefined
    ? { message: v.message, ...(v.observation !== undefined ? { observation: v.observation } : {}) }
    : { message: `replay of ${recorded.violation.invariant}'s trace: no invariant violated along it` };
  const replayed = buildTrace(target.model, { propertyId: v?.propertyId ?? NO_VIOLATION, violation, initIndex: recorded.initIndex, actions: r.actions }, traceConfigOf(target), `${TOOL} ${VERSION}`);
  return writeTracesForOut('trace replay', out, out, [replayed], { verdict: v !== undefined ? 'violation' : 'pass', config: replayed.config });
}

/** export-test of a variant's trace: the module must be where the trace says (else exit 2 now, not a red test later). */
function checkVariantExists(trace: Trace, file: string): void {
  const v = traceVariant(trace)!;
  if (!existsSync(v.path)) {
    throw new TraceUsage(`${file}: the trace was found on variant ${v.name}, whose module ${v.path} does not exist (move it back, or replay with --kernel PATH)`);
  }
}

async function exportTest(argv: readonly string[], io: TraceIO, deps: TraceDeps): Promise<number> {
  const o = parseTraceExport(argv);
  if (o.help) {
    io.out(HELP);
    return EXIT_OK;
  }
  const recorded = await load(o.file);
  // A variant's path is relative to the trace file: make it absolute, then relative to the test.
  const v = traceVariant(recorded);
  const trace = v === undefined ? recorded
    : { ...recorded, config: { ...recorded.config, variant: { ...v, path: resolve(variantLocation(v, dirname(resolve(o.file)))) } } };
  if (v !== undefined) checkVariantExists(trace, o.file);
  // The test rebuilds the model from the recorded configuration: refuse, now, one that cannot be
  // built (an unknown kernel such as 9.9, a path that is no variant module) rather than write a test
  // that can only fail.
  const build = deps.buildTarget ?? (await import('../systems/registry.js')).buildTarget;
  const target = await build({ ...traceConfig(trace, {}, { from: dirname(resolve(o.file)) }), bounds: {} });
  const inits = target.model.init().length;
  if (trace.initIndex >= inits) {
    throw new TraceUsage(`${o.file}: #meta.initIndex ${trace.initIndex} is not an initial world of this configuration (it has ${inits}: 0..${inits - 1})`);
  }
  // A replayed trace along which nothing broke (trace replay --out) has no violation to assert.
  if (!target.model.properties().some((p) => p.id === recorded.violation.invariant)) {
    throw new TraceUsage(`${o.file}: records no violation of an invariant of its configuration ("${recorded.violation.invariant}"): there is nothing for a test to assert`);
  }
  if (o.out === '-') {
    const outPath = resolve(deps.cwd ?? process.cwd(), 'stdout.test.ts');
    io.out(exportTestSource(withVariantRelativeTo(trace, dirname(outPath)), { outPath }));
    return EXIT_OK;
  }
  const out = o.out !== undefined ? resolve(deps.cwd ?? process.cwd(), o.out) : defaultTestPath(trace, deps.cwd ?? process.cwd());
  // The test rebuilds the model from the recorded configuration: refuse a trace that does not record one.
  traceConfig(trace);
  // not under /proc, /sys or /dev (a recursive mkdir under /proc never returns), and only over a regular file
  if (special(out)) throw new TraceUsage(`${out}: is under /proc, /sys or /dev (accepted: a .test.ts file in a writable folder)`);
  if (existsSync(out) && !statSync(out).isFile()) throw new TraceUsage(`${out}: exists and is not a regular file (accepted: a .test.ts file in a writable folder)`);
  if (existsSync(out) && o.force !== true) throw new TraceUsage(`${out}: exists (give --force to overwrite it)`);
  try {
    await mkdir(dirname(out), { recursive: true });
    // whole or not at all: a test runner never picks up half a test
    const tmp = `${out}.${process.pid}.tmp`;
    await writeFile(tmp, exportTestSource(withVariantRelativeTo(trace, dirname(out)), { outPath: out }));
    await rename(tmp, out);
  } catch (e) {
    throw new TraceUsage(`${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  io.out(`wrote ${out}\n`);
  return EXIT_OK;
}
