import { describe, expect, test } from 'vitest';
import { parseArgs } from '../../cli/args.js';
import { UsageError } from '../../spec/config.js';

const table = { kernel: 'value', json: 'flag', help: 'flag' } as const;

describe('parseArgs', () => {
  test('--x value, --x=value, flags, positionals, and -- ends options', () => {
    const a = parseArgs(['list', '--kernel', '6.7', '--json', 'x', '--', '--not-an-option'], table, 'vdpa-mc t');
    expect(a.values.get('kernel')).toBe('6.7');
    expect(a.flags.has('json')).toBe(true);
    expect(a.positionals).toEqual(['list', 'x', '--not-an-option']);
    expect(parseArgs(['--kernel=rfc-v2'], table, 'c').values.get('kernel')).toBe('rfc-v2');
    expect(parseArgs(['--kernel=a=b'], table, 'c').values.get('kernel')).toBe('a=b');
  });

  test('an option given twice is refused (value or flag); -h is --help; a negative number is a value', () => {
    expect(() => parseArgs(['--kernel', '6.1', '--kernel', '6.6'], table, 'c')).toThrow(/option --kernel is given twice/);
    expect(() => parseArgs(['--json', '--kernel=6.1', '--json'], table, 'c')).toThrow(/option --json is given twice/);
    expect(parseArgs(['--kernel', '6.6', '--json'], table, 'c').values.get('kernel')).toBe('6.6');
    expect(parseArgs(['-h', '--help'], table, 'c').flags.has('help')).toBe(true);
    expect(parseArgs(['-h'], table, 'c').flags.has('help')).toBe(true);
    expect(parseArgs(['--kernel', '-3'], table, 'c').values.get('kernel')).toBe('-3');
    expect(parseArgs(['--kernel=--json'], table, 'c').values.get('kernel')).toBe('--json');
    expect(parseArgs(['-', '--'], table, 'c').positionals).toEqual(['-']);
  });

  test.each([
    [['--bogus'], /unknown option --bogus \(accepted: --kernel, --json, --help\)/],
    [['--bogus=1'], /unknown option --bogus /],
    [['-x'], /unknown option -x /],
    [['--kernel'], /option --kernel needs a value/],
    [['--kernel', '--json'], /option --kernel needs a value/],
    [['--json=yes'], /option --json takes no value \(got "yes"\)/],
    [['--help=1'], /option --help takes no value/],
    // util.parseArgs splits a group of short options: the unknown one is named
    [['-hx'], /unknown option -x /],
    [['-3'], /unknown option -3 /],
  ])('%j is a UsageError', (argv, message) => {
    expect(() => parseArgs(argv, table, 'vdpa-mc t')).toThrow(UsageError);
    expect(() => parseArgs(argv, table, 'vdpa-mc t')).toThrow(message);
  });

  test('an inherited property name is not an option', () => {
    expect(() => parseArgs(['--toString'], table, 'c')).toThrow(/unknown option --toString/);
  });
});
