import { boolean, integer, type OptionValues, option, optionFlag, text } from '@cihmlc/internal';
import { parseCommandLine } from '@cihmlc/internal/node';
import { CONFIG_FIELDS, type ConfigValues } from './config-fields.js';

const dir = { type: text, placeholder: 'DIR' } as const;
const file = { type: text, placeholder: 'FILE' } as const;

/** The commands' own options; every other flag is a config field's (config-fields.ts). */
export const COMMAND_OPTIONS = [
  option({
    name: 'out',
    ...dir,
    help: 'run directory (train, default job) or grid directory (grid, report)',
  }),
  option({
    name: 'data',
    ...dir,
    help: 'an extracted CheXpert-v1.0(-small) folder instead of the synthetic data',
  }),
  option({
    name: 'testCsv',
    ...file,
    help: 'test labels (CheXlocalize) for --data; default: valid.csv',
  }),
  option({
    name: 'trainCsv',
    ...file,
    help: 'training labels for --data, e.g. the VisualCheXbert labels the paper trains on; default: train.csv',
  }),
  option({
    name: 'profile',
    type: text,
    placeholder: 'NAME',
    help: 'synthetic (default) | paper (DenseNet-121, 320 px, batch 16, Adam 1e-4)',
  }),
  option({ name: 'config', ...file, help: 'JSON with any config fields (flags override it)' }),
  option({
    name: 'cacheDir',
    ...dir,
    default: '.cache/cihmlc',
    help: 'where the synthetic dataset and image caches live',
  }),
  option({
    name: 'patients',
    type: integer(10),
    placeholder: 'N',
    default: 1200,
    help: 'synthetic dataset size',
  }),
  option({
    name: 'run',
    ...dir,
    help: 'the run directory of evaluate, explain, predict and export',
  }),
  option({
    name: 'checkpoint',
    type: text,
    placeholder: 'NAME',
    default: 'best-loss',
    help: "the run's checkpoint: best-loss, best-auroc or a checkpoint folder",
  }),
  option({
    name: 'split',
    type: text,
    placeholder: 'NAME',
    default: 'test',
    help: 'evaluate: test or valid',
  }),
  option({
    name: 'shard',
    type: text,
    placeholder: 'I/N',
    default: '0/1',
    help: 'grid: run the I-th of N shards',
  }),
  option({ name: 'keras', type: boolean, help: 'export: Keras 3 weights (FILE.weights.h5)' }),
  option({
    name: 'consistent',
    type: boolean,
    help: 'predict: make probabilities follow the hierarchy',
  }),
  option({
    name: 'stealLock',
    type: boolean,
    help: 'take over a run locked by a worker that died on another machine',
  }),
  option({ name: 'help', type: boolean, short: 'h', help: 'this help' }),
];

/** Parsed command line: the command, positional arguments, the commands' options, config flags. */
export interface ParsedArgs {
  command: string | undefined;
  positional: string[];
  options: OptionValues<(typeof COMMAND_OPTIONS)[number]>;
  /** The config flags given, checked. */
  config: Partial<ConfigValues>;
  /** The same keyed by flag (without `--`), as text; resolveConfig applies them. */
  flags: Record<string, string | boolean>;
}

/** The command line, checked against the commands' options and the config table's flags. */
export function parseArgs(argv: string[]): ParsedArgs {
  const { positionals, values, given } = parseCommandLine(
    argv,
    [...COMMAND_OPTIONS, ...CONFIG_FIELDS],
    {
      allowPositionals: true,
    },
  );
  const config: Record<string, unknown> = {};
  const flags: Record<string, string | boolean> = {};
  for (const row of CONFIG_FIELDS.filter((r) => given.has(r.name))) {
    const value = values[row.name];
    config[row.name] = value;
    flags[optionFlag(row)] = typeof value === 'boolean' ? value : String(value);
  }
  const [command, ...positional] = positionals;
  return { command, positional, options: values, config, flags };
}
