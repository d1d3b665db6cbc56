// A typed table of command-line options: one row per option gives the parser
// (command-line.ts), the checks of a value (from a flag or a JSON file), `--help` lines and a
// README table. Browser-safe: no Node imports.

/** A value type that checks itself and describes its values (for `--help` and the README). */
export interface CustomType<V> {
  kind: 'custom';
  /** Returns the value, or throws an OptionError naming `name`. */
  parse(value: unknown, name: string): V;
  /** The accepted values, in words. */
  describe: string;
}

/** How an option's value is read and checked. */
export type OptionType =
  | { kind: 'oneOf'; values: readonly string[] }
  | { kind: 'integer' | 'number'; min: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'text' }
  | CustomType<unknown>;

/** The value a type reads: the given union for `oneOf`, the parsed type for `custom`. */
export type ValueOf<T extends OptionType> = T extends {
  kind: 'oneOf';
  values: readonly (infer V)[];
}
  ? V
  : T extends { kind: 'boolean' }
    ? boolean
    : T extends { kind: 'text' }
      ? string
      : T extends CustomType<infer V>
        ? V
        : number;

export const oneOf = <const V extends string>(values: readonly V[]) =>
  ({ kind: 'oneOf', values }) as const;
export const integer = (min: number, max?: number) =>
  ({ kind: 'integer', min, ...(max === undefined ? {} : { max }) }) as const;
export const number = (min: number, max?: number) =>
  ({ kind: 'number', min, ...(max === undefined ? {} : { max }) }) as const;
export const boolean = { kind: 'boolean' } as const;
export const text = { kind: 'text' } as const;
export const custom = <V>(
  describe: string,
  parse: (value: unknown, name: string) => V,
): CustomType<V> => ({ kind: 'custom', describe, parse });

/** One option: the single source of its flag, its checks, its help line and README row. */
export interface OptionRow<N extends string = string, T extends OptionType = OptionType> {
  /** The key of the parsed value (a config field, a camelCase name). */
  name: N;
  /** The flag without `--` (default: `name` in kebab-case, labelSet → label-set). */
  flag?: string;
  type: T;
  /** Applied when the flag is not given; shown in the help. */
  default?: unknown;
  /** One line for `--help` and the README. */
  help: string;
  /** What `--help` shows after the flag (default VALUE; booleans show none). */
  placeholder?: string;
  /** A second flag, without `--`, that sets a boolean to false. */
  negation?: string;
  /** The flag may repeat; the value is the list of the given values. */
  multiple?: boolean;
  /** A one-letter alias, without `-`. */
  short?: string;
}

/** Declares a row, checking its default against its type (`default: 'x'` must be a value). */
export function option<const R extends OptionRow>(
  row: R & { default?: R['multiple'] extends true ? ValueOf<R['type']>[] : ValueOf<R['type']> },
): R {
  return row;
}

/** A text option shown as `--name PLACEHOLDER` (a path, a name), absent unless given. */
export const textOption = <const N extends string>(name: N, placeholder: string, help: string) =>
  option({ name, type: text, placeholder, help });

/** A switch (`--name`), false unless given. */
export const switchOption = <const N extends string>(name: N, help: string) =>
  option({ name, type: boolean, help });

/** `-h, --help`, as every command line has it. */
export const helpOption = option({ name: 'help', type: boolean, short: 'h', help: 'this help' });

type RowValue<R extends OptionRow> = R extends { multiple: true }
  ? ValueOf<R['type']>[]
  : ValueOf<R['type']>;

/** Rows whose value is always there: those with a default, and switches (false unless given). */
type Always = { default: unknown } | { type: { kind: 'boolean' }; multiple?: false };

/** The parsed values of some rows (see Always). */
export type OptionValues<R extends OptionRow> = {
  [X in R as X extends Always ? X['name'] : never]: RowValue<X>;
} & {
  [X in R as X extends Always ? never : X['name']]?: RowValue<X>;
};

/** A value that does not fit its option, or a command line the table does not accept. */
export class OptionError extends Error {
  constructor(
    /** The flag (`--seed`) or field (`seed`) at fault. */
    readonly option: string,
    /** What is wrong, without the name. */
    readonly problem: string,
  ) {
    super(`${option}: ${problem}`);
    this.name = 'OptionError';
  }
}

/** A row's flag, without `--`. */
export function optionFlag(row: OptionRow): string {
  return row.flag ?? row.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Reads a value of a type: a flag's text or a JSON value (`"3"` and `3` are both an integer).
 * Throws an OptionError naming `name` (a flag or a field).
 */
export function parseOptionValue<T extends OptionType>(
  type: T,
  value: unknown,
  name: string,
): ValueOf<T> {
  const fail = (why: string) => new OptionError(name, `${JSON.stringify(value)} ${why}`);
  // Each branch returns a value of the type the branch checked (ValueOf<T> for this T).
  let parsed: unknown;
  switch (type.kind) {
    case 'oneOf':
      if (!type.values.includes(value as string)) {
        throw fail(`is not one of ${type.values.join(', ')}`);
      }
      parsed = value;
      break;
    case 'custom':
      parsed = type.parse(value, name);
      break;
    case 'text':
      if (typeof value !== 'string') throw fail('is not a string');
      parsed = value;
      break;
    case 'boolean':
      if (value === true || value === 'true' || value === '1') parsed = true;
      else if (value === false || value === 'false' || value === '0') parsed = false;
      else throw fail('is not true or false');
      break;
    default: {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      const max = type.max ?? Infinity;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < type.min || n > max) {
        throw fail(`is not ${type.kind === 'integer' ? 'an' : 'a'} ${describeValues(type)}`);
      }
      if (type.kind === 'integer' && !Number.isInteger(n)) {
        throw new OptionError(name, `${n} is not an integer`);
      }
      parsed = n;
    }
  }
  return parsed as ValueOf<T>;
}

/**
 * Checks a whole object against the rows (e.g. a JSON config file): each row's value is parsed
 * and required (errors name `<prefix><name>`), and a key that is no row's and not in `allow` is
 * refused. Returns the rows' values; keys in `allow` are left to the caller.
 */
export function parseOptionObject<R extends OptionRow>(
  rows: readonly R[],
  value: Record<string, unknown>,
  { prefix = '', allow = [] }: { prefix?: string; allow?: readonly string[] } = {},
): OptionValues<R> {
  const known = new Set([...allow, ...rows.map((r) => r.name)]);
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new OptionError(`${prefix}${key}`, 'unknown field');
  }
  return Object.fromEntries(
    rows.map((r) => [r.name, parseOptionValue(r.type, value[r.name], `${prefix}${r.name}`)]),
  ) as OptionValues<R>;
}

/** The accepted values in words ('' for booleans and free text). */
export function describeValues(type: OptionType): string {
  switch (type.kind) {
    case 'oneOf':
      return type.values.join(' | ');
    case 'custom':
      return type.describe;
    case 'boolean':
    case 'text':
      return '';
    default:
      return type.max === undefined
        ? `${type.kind} ≥ ${type.min}`
        : `${type.kind} in [${type.min}, ${type.max}]`;
  }
}

/** A value as help and tables show it: strings bare, the rest as JSON. */
export const showValue = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

const flagsOf = (row: OptionRow) => [optionFlag(row), ...(row.negation ? [row.negation] : [])];

/**
 * `--help` lines, aligned: `  --flag VALUE, --negation  help; values; default …`. `defaults`
 * words a row's default (default: `default <value>`, none for a switch that is off unless
 * given); `width` wraps the text at that many characters (default: no wrapping).
 */
export function optionsHelp<R extends OptionRow>(
  rows: readonly R[],
  {
    defaults = (row) =>
      row.default === undefined || row.default === false
        ? undefined
        : `default ${showValue(row.default)}`,
    width = Infinity,
  }: { defaults?: (row: R) => string | undefined; width?: number } = {},
): string {
  const lines = rows.map((row) => {
    const value = row.type.kind === 'boolean' ? '' : ` ${row.placeholder ?? 'VALUE'}`;
    const short = row.short ? `-${row.short}, ` : '';
    const flag = `${short}--${optionFlag(row)}${value}${row.negation ? `, --${row.negation}` : ''}`;
    const words = [row.help, describeValues(row.type), defaults(row) ?? ''].filter((w) => w);
    return { flag, text: words.join('; ') };
  });
  const indent = Math.max(...lines.map((l) => l.flag.length)) + 4;
  return lines.map((l) => `  ${l.flag}`.padEnd(indent) + wrap(l.text, indent, width)).join('\n');
}

/** Words in lines of at most `width` characters (one long word aside), indented after the first. */
function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join(`\n${' '.repeat(indent)}`);
}

/**
 * A Markdown table: flags, the row's name (when `nameHeader` is given), help with the values,
 * then one column per entry of `columns` (header → cell).
 */
export function optionsMarkdown<R extends OptionRow>(
  rows: readonly R[],
  {
    nameHeader,
    columns = {},
  }: { nameHeader?: string; columns?: Record<string, (row: R) => string> },
): string {
  const headers = [
    'flag',
    ...(nameHeader ? [nameHeader] : []),
    'what (values)',
    ...Object.keys(columns),
  ];
  const cells = (row: R) => {
    const values = describeValues(row.type);
    return [
      flagsOf(row)
        .map((f) => `\`--${f}\``)
        .join(', '),
      ...(nameHeader ? [`\`${row.name}\``] : []),
      `${row.help}${values ? ` (${values.replace(/\|/g, '\\|')})` : ''}`,
      ...Object.values(columns).map((cell) => cell(row)),
    ];
  };
  return [headers, headers.map(() => '---'), ...rows.map(cells)]
    .map((line) => `| ${line.join(' | ')} |`)
    .join('\n');
}
