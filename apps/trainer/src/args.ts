import { parseArgs as parseNodeArgs } from 'node:util';
import { FLAGS } from './config-fields.js';

/** The commands' own options; every other flag is a config field's (config-fields.ts). */
const COMMAND_OPTIONS = {
  help: 'boolean',
  json: 'boolean',
  consistent: 'boolean',
  'steal-lock': 'boolean',
  keras: 'boolean',
  out: 'string',
  'cache-dir': 'string',
  shard: 'string',
  run: 'string',
  checkpoint: 'string',
  split: 'string',
  profile: 'string',
  config: 'string',
  data: 'string',
  'test-csv': 'string',
  'train-csv': 'string',
  patients: 'string',
} as const;

type CommandOptions = typeof COMMAND_OPTIONS;

/** Parsed command line: the command, positional arguments, the commands' options, config flags. */
export interface ParsedArgs {
  command: string | undefined;
  positional: string[];
  options: { [K in keyof CommandOptions]?: CommandOptions[K] extends 'boolean' ? boolean : string };
  /** Config flags (without `--`) as typed; the config table reads and checks them. */
  flags: Record<string, string | boolean>;
}

/** node:util's parser over the commands' options and the config table's flags. */
export function parseArgs(argv: string[]): ParsedArgs {
  const types: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, { spec }] of FLAGS) {
    types[name] = { type: spec.type.type === 'boolean' ? 'boolean' : 'string' };
  }
  for (const [name, type] of Object.entries(COMMAND_OPTIONS)) types[name] = { type };
  types.help!.short = 'h';
  const { values, positionals } = parseNodeArgs({
    args: argv,
    options: types,
    allowPositionals: true,
    strict: true,
  });
  const options: Record<string, string | boolean> = {};
  const flags: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) (name in COMMAND_OPTIONS ? options : flags)[name] = value;
  }
  const [command, ...positional] = positionals;
  return { command, positional, options, flags };
}
