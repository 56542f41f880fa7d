// Argument parsing: Node's util.parseArgs splits the command line (long options as `--x value` or
// `--x=value`, boolean flags, `-h`, `--` to end options); the policy is ours, applied to its tokens,
// because strict mode's messages are not one line naming what is accepted, and it lets the last of
// two values win silently.
import { parseArgs as nodeParseArgs } from 'node:util';
import { UsageError } from '../spec/config.js';

/** 'flag' takes no value; 'value' takes exactly one. */
export type OptionKind = 'flag' | 'value';
export type OptionTable = Readonly<Record<string, OptionKind>>;

export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** Value options as given (an option given twice is refused). */
  readonly values: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
}

type NodeOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * Parses `argv` against `table` (option names without the leading `--`). `command` names the
 * command in error messages ("vdpa-mc check"). Throws UsageError on anything it does not know.
 */
export function parseArgs(argv: readonly string[], table: OptionTable, command: string): ParsedArgs {
  const options: NodeOptions = {};
  for (const [name, kind] of Object.entries(table)) {
    options[name] = { type: kind === 'flag' ? 'boolean' : 'string', ...(name === 'help' && kind === 'flag' ? { short: 'h' } : {}) };
  }
  // strict: false so that every token comes back and the checks below word the errors.
  const { tokens } = nodeParseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const accepted = (): string =>
    Object.keys(table)
      .map((n) => `--${n}`)
      .join(', ');
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    const kind = Object.hasOwn(table, t.name) ? table[t.name] : undefined;
    if (kind === undefined) throw new UsageError(`${command}: unknown option ${t.rawName} (accepted: ${accepted()})`);
    // Given twice is a mistake whichever wins (a script that appends a flag to a template): refuse it.
    if (t.name !== 'help' && (values.has(t.name) || flags.has(t.name))) {
      throw new UsageError(`${command}: option --${t.name} is given twice (give it once)`);
    }
    if (kind === 'flag') {
      if (t.value !== undefined) throw new UsageError(`${command}: option --${t.name} takes no value (got "${t.value}")`);
      flags.add(t.name);
      continue;
    }
    // A following option is not a value; a negative number is (and is refused later by name).
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) {
      throw new UsageError(`${command}: option --${t.name} needs a value`);
    }
    values.set(t.name, t.value);
  }
  return { positionals, values, flags };
}

/** A size flag's value in bytes: digits with an optional unit K, M, G, T (powers of 1024; KiB, MB... accepted too); NaN when it is not one. */
export function sizeBytes(value: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i.exec(value.trim());
  const unit = m?.[2]?.toUpperCase();
  return m === null ? NaN : Number(m[1]) * (unit === undefined ? 1 : 1024 ** ('KMGT'.indexOf(unit) + 1));
}
