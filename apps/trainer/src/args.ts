import { boolean, integer, type OptionValues, option, optionFlag, text } from '@cihmlc/internal';
import { parseCommandLine } from '@cihmlc/internal/node';
import { CONFIG_FIELDS, type ConfigValues } from './config-fields.js';

/** A path or name option (`--out DIR`). */
const path = <const N extends string>(name: N, placeholder: string, help: string) =>
  option({ name, type: text, placeholder, help });

/** A switch (`--keras`). */
const flag = <const N extends string>(name: N, help: string) =>
  option({ name, type: boolean, help });

/** The commands' own options; every other flag is a config field's (config-fields.ts). */
export const COMMAND_OPTIONS = [
  path('out', 'DIR', 'run directory (train, default job) or grid directory (grid, report)'),
  path('data', 'DIR', 'an extracted CheXpert-v1.0(-small) folder instead of the synthetic data'),
  path('testCsv', 'FILE', 'test labels (CheXlocalize) for --data; default: valid.csv'),
  path(
    'trainCsv',
    'FILE',
    'training labels for --data, e.g. the VisualCheXbert labels the paper trains on; default: train.csv',
  ),
  path(
    'profile',
    'NAME',
    'synthetic (default) | paper (DenseNet-121, 320 px, batch 16, Adam 1e-4)',
  ),
  path('config', 'FILE', 'JSON with any config fields (flags override it)'),
  option({
    name: 'cacheDir',
    type: text,
    placeholder: 'DIR',
    default: '.cache/cihmlc',
    help: 'where the synthetic dataset and image caches live',
  }),
  option({ name: 'patients', type: integer(10), default: 1200, help: 'synthetic dataset size' }),
  path('run', 'DIR', 'the run directory of evaluate, explain, predict and export'),
  option({
    name: 'checkpoint',
    type: text,
    default: 'best-loss',
    help: "the run's checkpoint: best-loss, best-auroc or a checkpoint folder",
  }),
  option({ name: 'split', type: text, default: 'test', help: 'evaluate: test or valid' }),
  option({
    name: 'shard',
    type: text,
    placeholder: 'I/N',
    default: '0/1',
    help: 'grid: shard I of N',
  }),
  flag('keras', 'export: Keras 3 weights (FILE.weights.h5)'),
  option({
    name: 'consistent',
    type: boolean,
    help: 'predict: probabilities follow the hierarchy',
  }),
  flag('stealLock', 'take over a run locked by a worker that died on another machine'),
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
  const rows = [...COMMAND_OPTIONS, ...CONFIG_FIELDS];
  const { positionals, values, given } = parseCommandLine(argv, rows, { allowPositionals: true });
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
