import {
  helpOption,
  integer,
  type OptionValues,
  option,
  switchOption,
  text,
  textOption,
} from '@cihmlc/internal';
import { parseCommandLine } from '@cihmlc/internal/node';
import { CONFIG_FIELDS, type ConfigValues } from './config-fields.js';

// Short names for the table's rows: a path or name (`--out DIR`), a switch (`--keras`), and a
// path or name with a default (`--cache-dir DIR`).
const path = textOption;
const flag = switchOption;
const pathOr = <const N extends string>(
  name: N,
  placeholder: string,
  value: string,
  help: string,
) => option({ name, type: text, placeholder, default: value, help });

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
  pathOr('cacheDir', 'DIR', '.cache/cihmlc', 'where the synthetic dataset and image caches live'),
  option({ name: 'patients', type: integer(10), default: 1200, help: 'synthetic dataset size' }),
  path('run', 'DIR', 'the run directory of evaluate, explain, predict and export'),
  pathOr(
    'checkpoint',
    'VALUE',
    'best-loss',
    "the run's checkpoint: best-loss, best-auroc or a checkpoint folder",
  ),
  pathOr('split', 'VALUE', 'test', 'evaluate: test or valid'),
  pathOr('shard', 'I/N', '0/1', 'grid: shard I of N'),
  flag('keras', 'export: Keras 3 weights (FILE.weights.h5)'),
  flag('consistent', 'predict: probabilities follow the hierarchy'),
  flag('stealLock', 'take over a run locked by a worker that died on another machine'),
  helpOption,
];

/** Parsed command line: the command, positional arguments, the commands' options, config flags. */
export interface ParsedArgs {
  command: string | undefined;
  positional: string[];
  options: OptionValues<(typeof COMMAND_OPTIONS)[number]>;
  /** The config flags given, checked. */
  config: Partial<ConfigValues>;
}

/** The command line, checked against the commands' options and the config table's flags. */
export function parseArgs(argv: string[]): ParsedArgs {
  const rows = [...COMMAND_OPTIONS, ...CONFIG_FIELDS];
  const { positionals, values, given } = parseCommandLine(argv, rows, { allowPositionals: true });
  const config = Object.fromEntries(
    CONFIG_FIELDS.filter((r) => given.has(r.name)).map((r) => [r.name, values[r.name]]),
  );
  const [command, ...positional] = positionals;
  return { command, positional, options: values, config };
}
