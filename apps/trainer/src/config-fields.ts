import {
  DENSENET_PRESET_NAMES,
  type DenseNetPresetName,
  type DenseNetVariantSpec,
  resolveVariant,
} from '@cihmlc/densenet';
import { PENALTY_FORMULAS, PENALTY_MODES, PENALTY_TYPES } from '@cihmlc/hbce-loss';
import {
  boolean,
  custom,
  integer,
  number,
  OptionError,
  type OptionType,
  type OptionValues,
  oneOf,
  option,
  optionsHelp,
  optionsMarkdown,
  showValue,
  type ValueOf,
} from '@cihmlc/internal';
import { BACKEND_NAMES, type BackendRequest } from '@cihmlc/runtime';
import { LABEL_SETS, UNCERTAINTY_POLICIES } from '@cihmlc/taxonomy';

/** A DenseNet preset name or a `blocks=…` spec string (@cihmlc/densenet's `resolveVariant`). */
const variant = custom(
  `${DENSENET_PRESET_NAMES.join(' | ')} | blocks=6-12-24-16,growthRate=32,initialFilters=64`,
  (value, name): DenseNetPresetName | DenseNetVariantSpec => {
    if (typeof value !== 'string') {
      throw new OptionError(name, `${JSON.stringify(value)} is not a preset name or a spec string`);
    }
    try {
      resolveVariant(value as DenseNetPresetName);
    } catch (err) {
      throw new OptionError(name, (err as Error).message);
    }
    return value as DenseNetPresetName;
  },
);
const backends: readonly BackendRequest[] = ['auto', ...BACKEND_NAMES];

/** A row: field, type, the `paper` default, help; `flag` where it is not the field in kebab-case. */
function row<const N extends string, const T extends OptionType>(
  name: N,
  type: T,
  value: ValueOf<T>,
  help: string,
  more: { flag?: string; negation?: string } = {},
) {
  return option({ name, type, default: value, help, ...more });
}

/**
 * The config fields: the single source of the flags, `--help`, the README table and the
 * config.json checks. Each default is the `paper` profile's value (method-notes §4).
 */
export const CONFIG_FIELDS = [
  row('labelSet', oneOf(LABEL_SETS), 'hierarchical21', 'output labels'),
  row(
    'uncertainty',
    oneOf(UNCERTAINTY_POLICIES),
    'zeros',
    'uncertain (-1) labels: U-Zeros, U-Ones, or U-Ignore (masked in the loss)',
  ),
  row('frontalOnly', boolean, false, 'frontal views only'),
  row('penalty', oneOf(PENALTY_TYPES), 'data-driven', 'hierarchical penalty (hierarchical21 only)'),
  row('lambda', number(0), 0.5, 'penalty scale λ'),
  row('beta', number(0), 1, 'fixed penalty β'),
  row('fixedIgnoresLambda', boolean, false, "the reference code's fixed mode (w = β)"),
  row(
    'penaltyFormula',
    oneOf(PENALTY_FORMULAS),
    'complement',
    'data-driven penalty: complement (the code) or ratio (Eq. 4 as printed)',
  ),
  row(
    'lossMode',
    oneOf(PENALTY_MODES),
    'indicator',
    'indicator (the paper: no gradient) or a differentiable surrogate',
  ),
  row('variant', variant, 'densenet121', 'DenseNet backbone: a preset or a blocks=… spec'),
  row('headFilters', integer(1), 512, "filters of the head's 3×3 conv"),
  row('denseUnits', integer(1), 128, "units of the head's dense layer"),
  row('batchNormMomentum', number(0, 0.999999), 0.99, 'batch-norm momentum (Keras 0.99)', {
    flag: 'bn-momentum',
  }),
  row('imageSize', integer(16, 1024), 320, 'square input size in pixels'),
  row('batchSize', integer(1, 4096), 16, 'images per training step'),
  row('epochs', integer(1), 100, 'maximum epochs'),
  row('learningRate', number(0), 1e-4, "Adam's learning rate", { flag: 'lr' }),
  row('lrFactor', number(0, 1), 0.9, 'reduce-LR-on-plateau factor'),
  row('lrPatience', integer(0), 1, 'reduce-LR-on-plateau patience'),
  row('minLearningRate', number(0), 1e-8, 'lowest learning rate', { flag: 'min-lr' }),
  row('earlyStoppingPatience', integer(0), 3, 'early-stopping patience (epochs)', {
    flag: 'patience',
  }),
  row('augment', boolean, true, 'flips, brightness ±0.1, contrast 0.9–1.1 (training only)', {
    negation: 'no-augment',
  }),
  row('seed', integer(0), 2408, 'seed of weights, shuffling, augmentation, dropout'),
  row('backend', oneOf(backends), 'auto', 'TF.js backend'),
  row('maxBatchesPerEpoch', integer(0), 0, 'stop each epoch after N batches (0: all)', {
    flag: 'max-batches',
  }),
  row(
    'replay',
    boolean,
    false,
    'webgpu: record the training step once and replay it (same results, less host time)',
  ),
  row('mcSamples', integer(1), 10, 'Monte Carlo dropout passes'),
];

type Row = (typeof CONFIG_FIELDS)[number];

/** The config fields that flags, config files and profiles set (`profile` and `data` aside). */
export type ConfigValues = OptionValues<Row>;

/** The `paper` profile's values, from the table. */
export const DEFAULT_VALUES = Object.fromEntries(
  CONFIG_FIELDS.map((f) => [f.name, f.default]),
) as ConfigValues;

/** A config value that does not fit its field: `config <field>: <problem>`. */
export class ConfigError extends OptionError {
  constructor(field: string, problem: string) {
    super(`config ${field}`, problem);
    this.name = 'ConfigError';
  }
}

/** The config flags for `--help`, with the defaults of two profiles. */
export function configHelp(synthetic: ConfigValues, paper: ConfigValues): string {
  return optionsHelp(CONFIG_FIELDS, {
    defaults: (r) => `default ${showValue(synthetic[r.name])} (paper ${showValue(paper[r.name])})`,
  });
}

/** The README's configuration table (Markdown), made from the same rows. */
export function configTableMarkdown(synthetic: ConfigValues, paper: ConfigValues): string {
  return optionsMarkdown(CONFIG_FIELDS, {
    nameHeader: 'config field',
    columns: {
      '`synthetic`': (r) => showValue(synthetic[r.name]),
      '`paper`': (r) => showValue(paper[r.name]),
    },
  });
}
