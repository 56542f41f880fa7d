// A small argument parser (no dependency, so `--help` starts fast): long options as
// `--x value` or `--x=value`, boolean flags, `-h`, and `--` to end options.
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

/**
 * Parses `argv` against `table` (option names without the leading `--`). `command` names the
 * command in error messages ("vdpa-mc check"). Throws UsageError on anything it does not know.
 */
export function parseArgs(argv: readonly string[], table: OptionTable, command: string): ParsedArgs {
  const positionals: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const accepted = (): string =>
    Object.keys(table)
      .map((n) => `--${n}`)
      .join(', ');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' && Object.hasOwn(table, 'help') && table['help'] === 'flag') {
      flags.add('help');
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const kind = Object.hasOwn(table, name) ? table[name] : undefined;
      if (kind === undefined) {
        throw new UsageError(`${command}: unknown option --${name} (accepted: ${accepted()})`);
      }
      // Given twice is a mistake whichever wins (a script that appends a flag to a template): refuse it.
      if (name !== 'help' && (values.has(name) || flags.has(name))) throw new UsageError(`${command}: option --${name} is given twice (give it once)`);
      if (kind === 'flag') {
        if (eq >= 0) throw new UsageError(`${command}: option --${name} takes no value (got "${arg.slice(eq + 1)}")`);
        flags.add(name);
        continue;
      }
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        value = argv[i + 1];
        // A following option is not a value; a negative number is (and is refused later by name).
        if (value === undefined || value.startsWith('--')) {
          throw new UsageError(`${command}: option --${name} needs a value`);
        }
        i++;
      }
      values.set(name, value);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      throw new UsageError(`${command}: unknown option ${arg} (accepted: ${accepted()})`);
    }
    positionals.push(arg);
  }
  return { positionals, values, flags };
}
