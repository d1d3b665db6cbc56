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
  type OptionValues,
  oneOf,
  option,
  optionsHelp,
  optionsMarkdown,
  showValue,
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

/**
 * The config fields: the single source of the flags, `--help`, the README table and the
 * config.json checks. Each default is the `paper` profile's value (method-notes §4).
 */
export const CONFIG_FIELDS = [
  option({
    name: 'labelSet',
    type: oneOf(LABEL_SETS),
    default: 'hierarchical21',
    help: 'output labels',
  }),
  option({
    name: 'uncertainty',
    type: oneOf(UNCERTAINTY_POLICIES),
    default: 'zeros',
    help: 'uncertain (-1) labels: U-Zeros, U-Ones, or U-Ignore (masked in the loss)',
  }),
  option({ name: 'frontalOnly', type: boolean, default: false, help: 'frontal views only' }),
  option({
    name: 'penalty',
    type: oneOf(PENALTY_TYPES),
    default: 'data-driven',
    help: 'hierarchical penalty (hierarchical21 only)',
  }),
  option({ name: 'lambda', type: number(0), default: 0.5, help: 'penalty scale λ' }),
  option({ name: 'beta', type: number(0), default: 1, help: 'fixed penalty β' }),
  option({
    name: 'fixedIgnoresLambda',
    type: boolean,
    default: false,
    help: "the reference code's fixed mode (w = β)",
  }),
  option({
    name: 'penaltyFormula',
    type: oneOf(PENALTY_FORMULAS),
    default: 'complement',
    help: 'data-driven penalty: complement (the code) or ratio (Eq. 4 as printed)',
  }),
  option({
    name: 'lossMode',
    type: oneOf(PENALTY_MODES),
    default: 'indicator',
    help: 'indicator (the paper: no gradient) or a differentiable surrogate',
  }),
  option({
    name: 'variant',
    type: variant,
    default: 'densenet121',
    help: 'DenseNet backbone: a preset or a blocks=… spec',
  }),
  option({
    name: 'headFilters',
    type: integer(1),
    default: 512,
    help: "filters of the head's 3×3 conv",
  }),
  option({
    name: 'denseUnits',
    type: integer(1),
    default: 128,
    help: "units of the head's dense layer",
  }),
  option({
    name: 'batchNormMomentum',
    flag: 'bn-momentum',
    type: number(0, 0.999999),
    default: 0.99,
    help: 'batch-norm momentum (Keras 0.99)',
  }),
  option({
    name: 'imageSize',
    type: integer(16, 1024),
    default: 320,
    help: 'square input size in pixels',
  }),
  option({
    name: 'batchSize',
    type: integer(1, 4096),
    default: 16,
    help: 'images per training step',
  }),
  option({ name: 'epochs', type: integer(1), default: 100, help: 'maximum epochs' }),
  option({
    name: 'learningRate',
    flag: 'lr',
    type: number(0),
    default: 1e-4,
    help: "Adam's learning rate",
  }),
  option({
    name: 'lrFactor',
    type: number(0, 1),
    default: 0.9,
    help: 'reduce-LR-on-plateau factor',
  }),
  option({
    name: 'lrPatience',
    type: integer(0),
    default: 1,
    help: 'reduce-LR-on-plateau patience',
  }),
  option({
    name: 'minLearningRate',
    flag: 'min-lr',
    type: number(0),
    default: 1e-8,
    help: 'lowest learning rate',
  }),
  option({
    name: 'earlyStoppingPatience',
    flag: 'patience',
    type: integer(0),
    default: 3,
    help: 'early-stopping patience (epochs)',
  }),
  option({
    name: 'augment',
    type: boolean,
    default: true,
    help: 'flips, brightness ±0.1, contrast 0.9–1.1 (training only)',
    negation: 'no-augment',
  }),
  option({
    name: 'seed',
    type: integer(0),
    default: 2408,
    help: 'seed of weights, shuffling, augmentation, dropout',
  }),
  option({ name: 'backend', type: oneOf(backends), default: 'auto', help: 'TF.js backend' }),
  option({
    name: 'maxBatchesPerEpoch',
    flag: 'max-batches',
    type: integer(0),
    default: 0,
    help: 'stop each epoch after N batches (0: all)',
  }),
  option({
    name: 'replay',
    type: boolean,
    default: false,
    help: 'webgpu: record the training step once and replay it (same results, less host time)',
  }),
  option({ name: 'mcSamples', type: integer(1), default: 10, help: 'Monte Carlo dropout passes' }),
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
