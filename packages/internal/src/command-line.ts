import { parseArgs } from 'node:util';
import {
  OptionError,
  type OptionRow,
  type OptionValues,
  optionFlag,
  parseOptionValue,
} from './options.js';

/** A parsed command line: positional arguments, checked values, and which options were typed. */
export interface CommandLine<V> {
  positionals: string[];
  /**
   * Each given option's checked value, else its row's default; a switch without one is false,
   * other options without one are absent.
   */
  values: V;
  /** The names of the rows whose flag (or negation) was given. */
  given: ReadonlySet<string>;
}

/**
 * Parses `argv` against a table of options (node:util's tokenizer: `--flag value`,
 * `--flag=value`, `-h`, `--` ends options). Values are checked by their row's type, in order (a
 * repeated flag: the last wins, or all are kept for `multiple` rows). Throws an OptionError that
 * names the flag for an unknown option, a missing or unexpected value, a bad value, or a
 * positional argument where none are allowed.
 */
export function parseCommandLine<const R extends OptionRow>(
  argv: readonly string[],
  rows: readonly R[],
  { allowPositionals = false }: { allowPositionals?: boolean } = {},
): CommandLine<OptionValues<R>> {
  const byFlag = new Map<string, { row: R; negated?: boolean }>();
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const row of rows) {
    const type = row.type.kind === 'boolean' ? 'boolean' : 'string';
    options[optionFlag(row)] = { type, ...(row.short ? { short: row.short } : {}) };
    byFlag.set(optionFlag(row), { row });
    if (row.negation) {
      options[row.negation] = { type: 'boolean' };
      byFlag.set(row.negation, { row, negated: true });
    }
  }
  // Not strict: node's own errors are long and vary by version; the checks below name the flag.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, tokens: true });
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!allowPositionals) {
        throw new OptionError(JSON.stringify(token.value), 'unexpected argument');
      }
      positionals.push(token.value);
      continue;
    }
    const entry = byFlag.get(token.name);
    if (!entry) throw new OptionError(token.rawName, 'unknown option');
    const { row, negated } = entry;
    const flag = `--${token.name}`;
    let value: unknown;
    if (row.type.kind === 'boolean') {
      if (token.inlineValue) throw new OptionError(flag, 'takes no value');
      value = !negated;
    } else {
      // Like node's strict mode: `--out --json` is a missing value, not the value "--json".
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
        throw new OptionError(flag, `needs a value (${flag}=VALUE for one that starts with -)`);
      }
      value = parseOptionValue(row.type, token.value, flag);
    }
    values[row.name] = row.multiple ? [...((values[row.name] as unknown[]) ?? []), value] : value;
    given.add(row.name);
  }
  for (const row of rows) {
    if (given.has(row.name)) continue;
    if (row.default !== undefined) values[row.name] = row.default;
    else if (row.type.kind === 'boolean' && !row.multiple) values[row.name] = false;
  }
  return { positionals, values: values as OptionValues<R>, given };
}
