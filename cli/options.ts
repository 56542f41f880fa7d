// The options of each command (design.md) and their validation. Every bad value is a
// UsageError naming the flag, the value and what is accepted: one line, exit 2.
import {
  type Bounds,
  type Config,
  CONTRACT_NAMES,
  type ContractName,
  REDUCE_NAMES,
  POR_NAMES,
  type PorName,
  type ReduceName,
  INVARIANT_IDS,
  type InvariantId,
  type ParentName,
  SYSTEMS,
  type SystemName,
  UsageError,
  VDPA_PARENTS,
} from '../spec/config.js';
import { type OptionTable, type ParsedArgs, parseArgs, sizeBytes } from './args.js';
import { namesOf, parentsOfKernel, registryOf, validateKernel as validateKernelValue } from '../systems/catalogue.js';
import type { CiOutputFlags } from './ci-output.js';
import { isVariantPath } from '../systems/variant-module.js';
import { checkOutWritable } from './out-dir.js';
import { parseScale, SCALE_OPTIONS, type ScaleOptions } from './scale-options.js';

/** The one test of whether a --kernel value names a variant module (systems/variant-module.ts). */
export { isVariantPath };

const CONFIG_TABLE = { system: 'value', kernel: 'value', parent: 'value', userspace: 'value' } as const;
const BOUNDS_TABLE = { 'max-depth': 'value', 'max-states': 'value', 'time-limit': 'value', 'max-memory': 'value' } as const;
const CI_TABLE = { junit: 'value', sarif: 'value', summary: 'value' } as const;

/** Options each command accepts (names without `--`). */
export const COMMAND_OPTIONS = {
  check: {
    ...CONFIG_TABLE, invariants: 'value', ...BOUNDS_TABLE, 'exclude-actions': 'value', 'iotlb-limit': 'value', contract: 'value', reduce: 'value', por: 'value',
    'traces-per-invariant': 'value', json: 'flag', out: 'value', ...CI_TABLE, help: 'flag', ...SCALE_OPTIONS,
  },
  merge: { json: 'flag', help: 'flag' },
  matrix: { system: 'value', invariants: 'value', ...BOUNDS_TABLE, reduce: 'value', por: 'value', json: 'flag', out: 'value', ...CI_TABLE, help: 'flag' },
  cost: { ...CONFIG_TABLE, 'time-limit': 'value', json: 'flag', help: 'flag' },
  compare: {
    base: 'value',
    patched: 'value',
    system: 'value',
    parent: 'value',
    userspace: 'value',
    invariants: 'value',
    ...BOUNDS_TABLE,
    'exclude-actions': 'value',
    json: 'flag',
    out: 'value',
    help: 'flag',
  },
  'trace show': { format: 'value', help: 'flag' },
  // replay runs the trace's steps, not a search: no bounds (they would be silently ignored)
  'trace replay': { ...CONFIG_TABLE, invariants: 'value', json: 'flag', out: 'value', help: 'flag' },
  'trace export-test': { out: 'value', force: 'flag', help: 'flag' },
  list: { system: 'value', help: 'flag' },
} as const satisfies Record<string, OptionTable>;
export type CommandName = keyof typeof COMMAND_OPTIONS;

export const LIST_TOPICS = ['kernels', 'parents', 'userspaces', 'invariants', 'actions'] as const;
export type ListTopic = (typeof LIST_TOPICS)[number];
export const TRACE_FORMATS = ['text', 'mermaid', 'html'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

export interface CheckOptions {
  readonly config: Config;
  /** `--traces-per-invariant N`: distinct causes kept per invariant; undefined = all. */
  readonly tracesPerInvariant?: number;
  /** Worker threads, checkpoints, shards, swarm (cli/scale-options.ts). */
  readonly scale?: ScaleOptions;
  readonly json: boolean;
  readonly out: string | undefined;
  /** `--max-memory`: bytes of resident memory at which the search stops (incomplete). */
  readonly maxMemory?: number;
  /** `--junit`, `--sarif`, `--summary` files (cli/ci-output.ts). */
  readonly ci?: CiOutputFlags;
}
export interface MatrixOptions {
  /** Only this system's rows; undefined = the whole shipped matrix. */
  readonly system: SystemName | undefined;
  readonly invariants: readonly InvariantId[] | undefined;
  readonly bounds: Partial<Bounds>;
  /** `--reduce`: every row's reduction; undefined = DEFAULT_REDUCE. */
  readonly reduce?: ReduceName;
  /** `--por`: every row's partial-order reduction; undefined = DEFAULT_POR. */
  readonly por?: PorName;
  readonly json: boolean;
  readonly out: string | undefined;
  readonly maxMemory?: number;
  readonly ci?: CiOutputFlags;
}
export interface CostOptions {
  readonly config: Config;
  readonly json: boolean;
}
export interface CompareOptions {
  /** The same configuration on both sides except the kernel (`--base`, `--patched`). */
  readonly base: Config;
  readonly patched: Config;
  readonly json: boolean;
  readonly out: string | undefined;
  readonly maxMemory?: number;
}
export interface TraceShowOptions {
  readonly file: string;
  readonly format: TraceFormat;
}
/** What is not given is taken from the trace itself (the configuration it was found under). */
export interface TraceReplayOptions {
  readonly file: string;
  readonly system: SystemName | undefined;
  readonly kernel: string | undefined;
  readonly parent: ParentName | undefined;
  readonly userspace: string | undefined;
  readonly invariants: readonly InvariantId[] | undefined;
  readonly bounds: Partial<Bounds>;
  readonly json: boolean;
  /** `--out DIR`: write the replayed trace there (.itf.json, .txt, .html), to render it. */
  readonly out?: string;
}
export interface TraceExportOptions {
  readonly file: string;
  /** Where to write the vitest file; undefined = the trace module's default. */
  readonly out: string | undefined;
  /** `--force`: overwrite an existing file. */
  readonly force?: boolean;
}
export interface ListOptions {
  readonly topic: ListTopic;
  readonly system: SystemName | undefined;
}

const list = (xs: readonly string[]): string => xs.join(', ');

function oneOf<T extends string>(cmd: string, flag: string, value: string, accepted: readonly T[], what: string): T {
  if ((accepted as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${cmd}: --${flag} "${value}" is not ${what} (accepted: ${list(accepted)})`);
}

export function validateSystem(cmd: string, value: string): SystemName {
  return oneOf(cmd, 'system', value, SYSTEMS, 'a system');
}


export function kernelsOf(system: SystemName): readonly string[] {
  return namesOf(registryOf(system).kernels);
}
export function userspacesOf(system: SystemName): readonly string[] {
  return namesOf(registryOf(system).userspaces);
}

/** A shipped kernel of the system, or the path of a readable variant module (the one check: systems/catalogue.ts). */
export function validateKernel(cmd: string, system: SystemName, value: string, flag = 'kernel'): string {
  return validateKernelValue(system, value, flag, cmd);
}

export function validateParent(cmd: string, system: SystemName, value: string | undefined): ParentName | undefined {
  if (system === 'vfio') {
    if (value !== undefined) {
      throw new UsageError(`${cmd}: --parent "${value}" does not apply to --system vfio (--parent is for vdpa: ${list(VDPA_PARENTS)})`);
    }
    return undefined;
  }
  return oneOf(cmd, 'parent', value ?? registryOf('vdpa').defaults.parent!, VDPA_PARENTS, 'a vdpa parent');
}

/** A parent the registry says a shipped kernel has (a variant's base decides when it is built). */
function parentOfKernel(cmd: string, sys: SystemName, kernel: string, parent: ParentName | undefined): ParentName | undefined {
  if (parent === undefined || isVariantPath(kernel)) return parent;
  const has = parentsOfKernel(sys, kernel);
  if (has.includes(parent)) return parent;
  throw new UsageError(`${cmd}: --parent "${parent}" is not a parent of kernel ${kernel} (accepted: ${list(has)})`);
}

export function validateUserspace(cmd: string, system: SystemName, value: string | undefined): string {
  // design.md's default is `qemu`; VFIO's QEMU userspace is `cpr` (the registries' defaults).
  const v = value ?? registryOf(system).defaults.userspace;
  return oneOf(cmd, 'userspace', v, userspacesOf(system), `a ${system} userspace`);
}

export function validateInvariants(cmd: string, value: string): InvariantId[] {
  const ids = value.split(',').map((x) => x.trim());
  const out: InvariantId[] = [];
  for (const id of ids) {
    const ok = oneOf(cmd, 'invariants', id, INVARIANT_IDS, 'an invariant id');
    if (!out.includes(ok)) out.push(ok);
  }
  return out;
}

export function validatePositiveInt(cmd: string, flag: string, value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (Number.isSafeInteger(n) && n > 0) return n;
  throw new UsageError(`${cmd}: --${flag} "${value}" is not a positive integer (accepted: 1, 2, 3, ...)`);
}

export function validateSeconds(cmd: string, flag: string, value: string): number {
  const n = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(value) ? Number(value) : NaN;
  if (Number.isFinite(n) && n > 0) return n;
  throw new UsageError(`${cmd}: --${flag} "${value}" is not a positive number of seconds (accepted: e.g. 30 or 0.5)`);
}

function bounds(cmd: string, a: ParsedArgs): Partial<Bounds> {
  const b: { maxDepth?: number; maxStates?: number; timeLimit?: number } = {};
  const d = a.values.get('max-depth');
  const s = a.values.get('max-states');
  const t = a.values.get('time-limit');
  if (d !== undefined) b.maxDepth = validatePositiveInt(cmd, 'max-depth', d);
  if (s !== undefined) b.maxStates = validatePositiveInt(cmd, 'max-states', s);
  if (t !== undefined) b.timeLimit = validateSeconds(cmd, 'time-limit', t);
  return b;
}

/** `--max-memory SIZE`: bytes, or with a unit K, M, G, T (powers of 1024; KiB, MB... accepted too). */
export function validateSize(cmd: string, flag: string, value: string): number {
  const n = sizeBytes(value);
  if (Number.isFinite(n) && n >= 1 && n <= Number.MAX_SAFE_INTEGER) return Math.floor(n);
  throw new UsageError(`${cmd}: --${flag} "${value}" is not a size (accepted: bytes, or e.g. 512M, 4G)`);
}

function maxMemory(cmd: string, a: ParsedArgs): { maxMemory?: number } {
  const v = a.values.get('max-memory');
  return v === undefined ? {} : { maxMemory: validateSize(cmd, 'max-memory', v) };
}

/** `--junit FILE`, `--sarif FILE`, `--summary FILE`: checked writable at once (cli/ci-output.ts). */
function ciFlags(cmd: string, a: ParsedArgs): { ci?: CiOutputFlags } {
  const f: { junit?: string; sarif?: string; summary?: string } = {};
  for (const k of ['junit', 'sarif', 'summary'] as const) {
    const v = a.values.get(k);
    if (v === '') throw new UsageError(`${cmd}: --${k} "" is not a file name`);
    if (v !== undefined) f[k] = v;
  }
  return Object.keys(f).length > 0 ? { ci: f } : {};
}

function system(cmd: string, a: ParsedArgs): SystemName {
  const v = a.values.get('system');
  return v === undefined ? 'vdpa' : validateSystem(cmd, v);
}

function invariants(cmd: string, a: ParsedArgs): InvariantId[] | undefined {
  const v = a.values.get('invariants');
  return v === undefined ? undefined : validateInvariants(cmd, v);
}

function out(cmd: string, a: ParsedArgs): string | undefined {
  const v = a.values.get('out');
  if (v === undefined) return undefined;
  if (v === '') throw new UsageError(`${cmd}: --out "" is not a directory name (accepted: a directory, created if missing)`);
  checkOutWritable(cmd, v);
  return v;
}

function noPositionals(cmd: string, a: ParsedArgs, expected = 0): void {
  if (a.positionals.length > expected) {
    throw new UsageError(`${cmd}: unexpected argument "${a.positionals[expected]}" (see ${cmd} --help)`);
  }
}

/** The configuration options (--system, --kernel, --parent, --userspace, --invariants, bounds). */
function configOf(cmd: string, a: ParsedArgs, kernel: string | undefined): Config {
  const sys = system(cmd, a);
  const k = kernel ?? validateKernel(cmd, sys, a.values.get('kernel') ?? registryOf(sys).defaults.kernel);
  return {
    system: sys,
    kernel: k,
    parent: parentOfKernel(cmd, sys, k, validateParent(cmd, sys, a.values.get('parent'))),
    userspace: validateUserspace(cmd, sys, a.values.get('userspace')),
    invariants: invariants(cmd, a),
    bounds: bounds(cmd, a),
    ...excludeActions(cmd, a),
    ...contractOf(cmd, a),
    ...iotlbLimit(cmd, sys, a),
    ...reduceOf(cmd, a),
    ...porOf(cmd, a),
  };
}

/** `--por none|sleep` (config.ts POR_NAMES). */
function porOf(cmd: string, a: ParsedArgs): { por?: PorName } {
  const v = a.values.get('por');
  return v === undefined ? {} : { por: oneOf(cmd, 'por', v, POR_NAMES, 'a partial-order reduction') };
}

/** `--reduce none|canonical` (config.ts REDUCE_NAMES). */
function reduceOf(cmd: string, a: ParsedArgs): { reduce?: ReduceName } {
  const v = a.values.get('reduce');
  return v === undefined ? {} : { reduce: oneOf(cmd, 'reduce', v, REDUCE_NAMES, 'a reduction') };
}

/** `--contract strict|qemu-like|none` (vdpa `any` only; checked when the model is built). */
function contractOf(cmd: string, a: ParsedArgs): { contract?: ContractName } {
  const v = a.values.get('contract');
  return v === undefined ? {} : { contract: oneOf(cmd, 'contract', v, CONTRACT_NAMES, 'a contract') };
}

/** `--iotlb-limit N`: vhost-vdpa's max_iotlb_entries scaled to the model (model/context.ts MODEL_LIMITS). */
function iotlbLimit(cmd: string, sys: string, a: ParsedArgs): { iotlbLimit?: number } {
  const v = a.values.get('iotlb-limit');
  if (v === undefined) return {};
  if (sys !== 'vdpa') throw new UsageError(`${cmd}: --iotlb-limit applies to --system vdpa only`);
  if (!/^[1-4]$/.test(v)) throw new UsageError(`${cmd}: --iotlb-limit "${v}" is not an entry count from 1 to 4 (the model has 4 IOVA pages)`);
  return { iotlbLimit: Number(v) };
}

/** `--exclude-actions a,b`: names are checked against the model's action kinds when it is built. */
function excludeActions(cmd: string, a: ParsedArgs): { excludeActions?: readonly string[] } {
  const v = a.values.get('exclude-actions');
  if (v === undefined) return {};
  // commas inside kind(arg=value,...) do not separate entries
  const names = v.split(/,(?![^(]*\))/).map((s) => s.trim());
  if (names.some((n) => n === '')) throw new UsageError(`${cmd}: --exclude-actions "${v}" has an empty name (accepted: comma-separated action kinds, see vdpa-mc list actions)`);
  return { excludeActions: names };
}

/** `help: true` when --help/-h was given (nothing else is validated then). */
export type Parsed<T> = { readonly help: true } | ({ readonly help: false } & T);

function parse(name: CommandName, argv: readonly string[]): ParsedArgs & { cmd: string } {
  const cmd = `vdpa-mc ${name}`;
  return { ...parseArgs(argv, COMMAND_OPTIONS[name], cmd), cmd };
}

export function parseCheck(argv: readonly string[]): Parsed<CheckOptions> {
  const a = parse('check', argv);
  if (a.flags.has('help')) return { help: true };
  noPositionals(a.cmd, a);
  const tpi = a.values.get('traces-per-invariant');
  return {
    help: false,
    config: configOf(a.cmd, a, undefined),
    ...(tpi !== undefined ? { tracesPerInvariant: validatePositiveInt(a.cmd, 'traces-per-invariant', tpi) } : {}),
    ...(Object.keys(SCALE_OPTIONS).some((k) => a.values.has(k)) ? { scale: parseScale(a.cmd, a) } : {}),
    json: a.flags.has('json'),
    out: out(a.cmd, a),
    ...maxMemory(a.cmd, a),
    ...ciFlags(a.cmd, a),
  };
}

export interface MergeOptions {
  /** Shard results: the JSON of `check --shard I/N --json`. */
  readonly files: readonly string[];
  readonly json: boolean;
}

export function parseMerge(argv: readonly string[]): Parsed<MergeOptions> {
  const a = parse('merge', argv);
  if (a.flags.has('help')) return { help: true };
  if (a.positionals.length === 0) throw new UsageError(`${a.cmd}: shard RESULTS are required (accepted: JSON files written by check --shard I/N --json)`);
  return { help: false, files: a.positionals, json: a.flags.has('json') };
}

export function parseMatrix(argv: readonly string[]): Parsed<MatrixOptions> {
  const a = parse('matrix', argv);
  if (a.flags.has('help')) return { help: true };
  noPositionals(a.cmd, a);
  const v = a.values.get('system');
  return {
    help: false,
    system: v === undefined ? undefined : validateSystem(a.cmd, v),
    invariants: invariants(a.cmd, a),
    bounds: bounds(a.cmd, a),
    ...reduceOf(a.cmd, a),
    ...porOf(a.cmd, a),
    json: a.flags.has('json'),
    out: out(a.cmd, a),
    ...maxMemory(a.cmd, a),
    ...ciFlags(a.cmd, a),
  };
}

export function parseCost(argv: readonly string[]): Parsed<CostOptions> {
  const a = parse('cost', argv);
  if (a.flags.has('help')) return { help: true };
  noPositionals(a.cmd, a);
  return { help: false, config: configOf(a.cmd, a, undefined), json: a.flags.has('json') };
}

export function parseCompare(argv: readonly string[]): Parsed<CompareOptions> {
  const a = parse('compare', argv);
  if (a.flags.has('help')) return { help: true };
  noPositionals(a.cmd, a);
  const sys = system(a.cmd, a);
  const side = (flag: 'base' | 'patched'): string => {
    const v = a.values.get(flag);
    if (v === undefined) {
      throw new UsageError(`${a.cmd}: --${flag} is required (accepted: a ${sys} kernel, ${list(kernelsOf(sys))}, or the path of a variant module)`);
    }
    return validateKernel(a.cmd, sys, v, flag);
  };
  const base = side('base');
  const patched = side('patched');
  const config = configOf(a.cmd, a, base);
  return { help: false, base: config, patched: { ...config, kernel: patched }, json: a.flags.has('json'), out: out(a.cmd, a), ...maxMemory(a.cmd, a) };
}

function traceFile(cmd: string, a: ParsedArgs): string {
  const file = a.positionals[0];
  if (file === undefined) throw new UsageError(`${cmd}: a trace FILE is required (accepted: a .itf.json file written by check --out)`);
  noPositionals(cmd, a, 1);
  // Readability and format are checked by the trace reader (one line, exit 2).
  return file;
}

export function parseTraceShow(argv: readonly string[]): Parsed<TraceShowOptions> {
  const a = parse('trace show', argv);
  if (a.flags.has('help')) return { help: true };
  const file = traceFile(a.cmd, a);
  const f = a.values.get('format');
  return { help: false, file, format: f === undefined ? 'text' : oneOf(a.cmd, 'format', f, TRACE_FORMATS, 'a trace format') };
}

export function parseTraceReplay(argv: readonly string[]): Parsed<TraceReplayOptions> {
  const a = parse('trace replay', argv);
  if (a.flags.has('help')) return { help: true };
  const file = traceFile(a.cmd, a);
  const sv = a.values.get('system');
  const sys = sv === undefined ? undefined : validateSystem(a.cmd, sv);
  const k = a.values.get('kernel');
  const p = a.values.get('parent');
  const u = a.values.get('userspace');
  // Without --system, a name is checked against both systems; the trace decides which applies.
  const kernel =
    k === undefined
      ? undefined
      : sys !== undefined
        ? validateKernel(a.cmd, sys, k)
        : kernelsOf('vfio').includes(k)
          ? k
          : validateKernel(a.cmd, 'vdpa', k);
  const userspace =
    u === undefined
      ? undefined
      : sys !== undefined
        ? validateUserspace(a.cmd, sys, u)
        : userspacesOf('vfio').includes(u)
          ? u
          : validateUserspace(a.cmd, 'vdpa', u);
  return {
    help: false,
    file,
    system: sys,
    kernel,
    parent: p === undefined ? undefined : validateParent(a.cmd, sys ?? 'vdpa', p),
    userspace,
    invariants: invariants(a.cmd, a),
    bounds: {},
    json: a.flags.has('json'),
    ...(a.values.has('out') ? { out: out(a.cmd, a)! } : {}),
  };
}

export function parseTraceExport(argv: readonly string[]): Parsed<TraceExportOptions> {
  const a = parse('trace export-test', argv);
  if (a.flags.has('help')) return { help: true };
  const file = traceFile(a.cmd, a);
  const o = a.values.get('out');
  if (o === '') throw new UsageError(`${a.cmd}: --out "" is not a file name (accepted: the path of the .test.ts file to write)`);
  return { help: false, file, out: o, ...(a.flags.has('force') ? { force: true } : {}) };
}

export function parseList(argv: readonly string[]): Parsed<ListOptions> {
  const a = parse('list', argv);
  if (a.flags.has('help')) return { help: true };
  const t = a.positionals[0];
  if (t === undefined) throw new UsageError(`vdpa-mc list: a topic is required (accepted: ${list(LIST_TOPICS)})`);
  noPositionals(a.cmd, a, 1);
  const topic = LIST_TOPICS.includes(t as ListTopic)
    ? (t as ListTopic)
    : (() => {
        throw new UsageError(`vdpa-mc list: "${t}" is not a list topic (accepted: ${list(LIST_TOPICS)})`);
      })();
  const v = a.values.get('system');
  return { help: false, topic, system: v === undefined ? undefined : validateSystem(a.cmd, v) };
}
