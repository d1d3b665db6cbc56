import { describe, expect, it } from 'vitest';
import {
  boolean,
  custom,
  helpOption,
  integer,
  number,
  OptionError,
  type OptionValues,
  oneOf,
  option,
  optionFlag,
  optionsHelp,
  optionsMarkdown,
  parseOptionObject,
  parseOptionValue,
  switchOption,
  text,
  textOption,
} from './options.js';

const error = (f: () => unknown): OptionError => {
  try {
    f();
  } catch (err) {
    if (err instanceof OptionError) return err;
    throw err;
  }
  throw new Error('did not throw');
};

const even = custom('an even integer', (value, name) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n % 2 !== 0) throw new OptionError(name, `${value} is odd`);
  return n;
});

const CHECK = option({ name: 'check', type: boolean, help: 'only look' });
const ROWS = [
  option({ name: 'labelSet', type: oneOf(['flat14', 'hierarchical21']), help: 'labels' }),
  option({ name: 'lr', flag: 'learning-rate', type: number(0, 1), default: 0.5, help: 'rate' }),
  option({ name: 'augment', type: boolean, default: true, help: 'flip', negation: 'no-augment' }),
  option({ name: 'out', type: text, placeholder: 'DIR', help: 'where' }),
  option({ name: 'size', type: integer(16), default: 32, help: 'pixels', short: 's' }),
  option({ name: 'pair', type: even, help: 'two by two' }),
];

describe('option values', () => {
  it('reads each type from text or JSON, and refuses what does not fit, naming the option', () => {
    expect(parseOptionValue(oneOf(['a', 'b']), 'b', '--x')).toBe('b');
    expect(error(() => parseOptionValue(oneOf(['a', 'b']), 'c', '--x')).message).toBe(
      '--x: "c" is not one of a, b',
    );
    expect(parseOptionValue(integer(1, 9), '3', '--n')).toBe(3);
    expect(parseOptionValue(integer(1, 9), 9, 'n')).toBe(9);
    expect(error(() => parseOptionValue(integer(1, 9), '10', '--n')).message).toBe(
      '--n: "10" is not an integer in [1, 9]',
    );
    expect(error(() => parseOptionValue(integer(1), '2.5', '--n')).message).toBe(
      '--n: 2.5 is not an integer',
    );
    expect(error(() => parseOptionValue(integer(0), '', '--n')).message).toBe(
      '--n: "" is not an integer ≥ 0',
    );
    expect(parseOptionValue(number(0), '1e-4', '--lr')).toBe(1e-4);
    expect(error(() => parseOptionValue(number(0), 'x', 'lr')).option).toBe('lr');
    expect(error(() => parseOptionValue(number(0), -1, 'lr')).problem).toBe(
      '-1 is not a number ≥ 0',
    );
    for (const yes of [true, 'true', '1']) expect(parseOptionValue(boolean, yes, 'b')).toBe(true);
    for (const no of [false, 'false', '0']) expect(parseOptionValue(boolean, no, 'b')).toBe(false);
    expect(error(() => parseOptionValue(boolean, 'yes', 'b')).message).toBe(
      'b: "yes" is not true or false',
    );
    expect(parseOptionValue(text, 'a b', '--t')).toBe('a b');
    expect(error(() => parseOptionValue(text, 3, 't')).message).toBe('t: 3 is not a string');
    expect(parseOptionValue(even, '4', '--pair')).toBe(4);
    expect(error(() => parseOptionValue(even, '3', '--pair')).message).toBe('--pair: 3 is odd');
  });

  it('OptionError keeps the option and the problem apart', () => {
    const e = new OptionError('seed', 'is odd');
    expect([e.option, e.problem, e.message, e instanceof Error]).toEqual([
      'seed',
      'is odd',
      'seed: is odd',
      true,
    ]);
  });

  it('flags default to the name in kebab-case', () => {
    expect(ROWS.map(optionFlag)).toEqual([
      'label-set',
      'learning-rate',
      'augment',
      'out',
      'size',
      'pair',
    ]);
  });

  it('types the values of a table: rows with a default are always there', () => {
    const values: OptionValues<(typeof ROWS)[number]> = { lr: 0.1, augment: false, size: 16 };
    const switches: OptionValues<typeof CHECK> = { check: false };
    // @ts-expect-error: a switch (false unless given) is always there
    const none: OptionValues<typeof CHECK> = {};
    const labelSet: 'flat14' | 'hierarchical21' | undefined = values.labelSet;
    const pair: number | undefined = values.pair;
    expect([labelSet, pair, values.lr, switches.check, none]).toEqual([
      undefined,
      undefined,
      0.1,
      false,
      {},
    ]);
    // @ts-expect-error: a default must be one of the type's values
    option({ name: 'x', type: oneOf(['a']), default: 'b', help: '' });
  });
});

describe('help and Markdown', () => {
  it('aligns one help line per row: flags, help, values, default', () => {
    expect(optionsHelp(ROWS)).toBe(
      [
        '  --label-set VALUE        labels; flat14 | hierarchical21',
        '  --learning-rate VALUE    rate; number in [0, 1]; default 0.5',
        '  --augment, --no-augment  flip; default true',
        '  --out DIR                where',
        '  -s, --size VALUE         pixels; integer ≥ 16; default 32',
        '  --pair VALUE             two by two; an even integer',
      ].join('\n'),
    );
    expect(optionsHelp(ROWS.slice(1, 3), { defaults: (row) => `was ${row.name}` })).toBe(
      [
        '  --learning-rate VALUE    rate; number in [0, 1]; was lr',
        '  --augment, --no-augment  flip; was augment',
      ].join('\n'),
    );
  });

  it('does not show the default of a switch that is off unless given', () => {
    const check = option({ name: 'check', type: boolean, default: false, help: 'only look' });
    expect(optionsHelp([check])).toBe('  --check  only look');
  });

  it('wraps the text at a width, under the text column', () => {
    expect(optionsHelp(ROWS.slice(4, 5), { width: 30 })).toBe(
      [
        '  -s, --size VALUE  pixels;',
        `${' '.repeat(20)}integer ≥`,
        `${' '.repeat(20)}16;`,
        `${' '.repeat(20)}default 32`,
      ].join('\n'),
    );
  });

  it('makes a Markdown table, escaping | in the values, with extra columns', () => {
    expect(
      optionsMarkdown(ROWS.slice(0, 3), {
        nameHeader: 'field',
        columns: { default: (row) => ('default' in row ? String(row.default) : '') },
      }),
    ).toBe(
      [
        '| flag | field | what (values) | default |',
        '| --- | --- | --- | --- |',
        '| `--label-set` | `labelSet` | labels (flat14 \\| hierarchical21) |  |',
        '| `--learning-rate` | `lr` | rate (number in [0, 1]) | 0.5 |',
        '| `--augment`, `--no-augment` | `augment` | flip | true |',
      ].join('\n'),
    );
    expect(optionsMarkdown(ROWS.slice(3, 4), {}).split('\n')[2]).toBe('| `--out` | where |');
  });
});

describe('parseOptionObject', () => {
  const rows = [
    option({ name: 'lr', type: number(0, 1), help: 'rate' }),
    option({ name: 'labelSet', type: oneOf(['flat14', 'hierarchical21']), help: 'labels' }),
  ];

  it('parses every row, JSON numbers and numeric text alike', () => {
    expect(parseOptionObject(rows, { lr: 0.5, labelSet: 'flat14' })).toEqual({
      lr: 0.5,
      labelSet: 'flat14',
    });
    expect(
      parseOptionObject(rows, { lr: '0.25', labelSet: 'flat14', data: {} }, { allow: ['data'] }),
    ).toEqual({ lr: 0.25, labelSet: 'flat14' });
  });

  it('names a bad, missing or unknown field with the prefix', () => {
    const cfg = { prefix: 'config ' };
    expect(() => parseOptionObject(rows, { lr: 2, labelSet: 'flat14' }, cfg)).toThrow(
      'config lr: 2 is not a number in [0, 1]',
    );
    expect(() => parseOptionObject(rows, { lr: 0.1 }, cfg)).toThrow(
      /^config labelSet: undefined is not one of flat14, hierarchical21$/,
    );
    const unknown = error(() =>
      parseOptionObject(rows, { lr: 0.1, labelSet: 'flat14', lR: 1 }, cfg),
    );
    expect([unknown.option, unknown.problem]).toEqual(['config lR', 'unknown field']);
  });
});

describe('row shorthands', () => {
  it('are the rows they stand for', () => {
    expect(textOption('out', 'DIR', 'where')).toEqual(
      option({ name: 'out', type: text, placeholder: 'DIR', help: 'where' }),
    );
    expect(switchOption('dryRun', 'only look')).toEqual(
      option({ name: 'dryRun', type: boolean, help: 'only look' }),
    );
    expect(helpOption).toEqual(
      option({ name: 'help', type: boolean, short: 'h', help: 'this help' }),
    );
    expect(optionsHelp([helpOption, switchOption('dryRun', 'only look')])).toBe(
      '  -h, --help  this help\n  --dry-run   only look',
    );
  });
});
