import { DENSENET_PRESET_NAMES, resolveVariant } from '@cihmlc/densenet';
import { PENALTY_FORMULAS, PENALTY_MODES, PENALTY_TYPES } from '@cihmlc/hbce-loss';
import { BACKEND_NAMES } from '@cihmlc/runtime';
import { LABEL_SETS, UNCERTAINTY_POLICIES } from '@cihmlc/taxonomy';
import type { RunConfig } from './config.js';

/** The config fields that flags, config files and profiles set (`profile` and `data` aside). */
export type FieldName = Exclude<keyof RunConfig, 'profile' | 'data'>;

/** How a field's value is read and checked. */
export type FieldType =
  | { type: 'enum'; values: readonly string[] }
  | { type: 'number' | 'integer'; min: number; max?: number }
  | { type: 'boolean' }
  /** A DenseNet preset name or a `blocks=…` spec string (@cihmlc/densenet's `resolveVariant`). */
  | { type: 'variant' };

/** One row of the table: the single source of the parser, `--help`, the README and the checks. */
export type ConfigField = {
  field: FieldName;
  /** The command-line flag, without `--`. */
  flag: string;
  /** One line for `--help` and the README. */
  help: string;
  /** A second flag that sets the field to false (booleans only), without `--`. */
  negation?: string;
} & FieldType;

const enumOf = (values: readonly string[]) => ({ type: 'enum', values }) as const;
const integer = (min: number, max?: number) =>
  ({ type: 'integer', min, ...(max === undefined ? {} : { max }) }) as const;
const number = (min: number, max?: number) =>
  ({ type: 'number', min, ...(max === undefined ? {} : { max }) }) as const;
const boolean = { type: 'boolean' } as const;

export const CONFIG_FIELDS: readonly ConfigField[] = [
  { field: 'labelSet', flag: 'label-set', help: 'output labels', ...enumOf(LABEL_SETS) },
  {
    field: 'uncertainty',
    flag: 'uncertainty',
    help: 'uncertain (-1) labels: U-Zeros, U-Ones, or U-Ignore (masked in the loss)',
    ...enumOf(UNCERTAINTY_POLICIES),
  },
  { field: 'frontalOnly', flag: 'frontal-only', help: 'frontal views only', ...boolean },
  {
    field: 'penalty',
    flag: 'penalty',
    help: 'hierarchical penalty (hierarchical21 only)',
    ...enumOf(PENALTY_TYPES),
  },
  { field: 'lambda', flag: 'lambda', help: 'penalty scale λ', ...number(0) },
  { field: 'beta', flag: 'beta', help: 'fixed penalty β', ...number(0) },
  {
    field: 'fixedIgnoresLambda',
    flag: 'fixed-ignores-lambda',
    help: "the reference code's fixed mode (w = β)",
    ...boolean,
  },
  {
    field: 'penaltyFormula',
    flag: 'penalty-formula',
    help: 'data-driven penalty: complement (the code) or ratio (Eq. 4 as printed)',
    ...enumOf(PENALTY_FORMULAS),
  },
  {
    field: 'lossMode',
    flag: 'loss-mode',
    help: 'indicator (the paper: no gradient) or a differentiable surrogate',
    ...enumOf(PENALTY_MODES),
  },
  {
    field: 'variant',
    flag: 'variant',
    help: 'DenseNet backbone: a preset or a blocks=… spec',
    type: 'variant',
  },
  {
    field: 'headFilters',
    flag: 'head-filters',
    help: "filters of the head's 3×3 conv",
    ...integer(1),
  },
  {
    field: 'denseUnits',
    flag: 'dense-units',
    help: "units of the head's dense layer",
    ...integer(1),
  },
  {
    field: 'batchNormMomentum',
    flag: 'bn-momentum',
    help: 'batch-norm momentum (Keras 0.99)',
    ...number(0, 0.999999),
  },
  {
    field: 'imageSize',
    flag: 'image-size',
    help: 'square input size in pixels',
    ...integer(16, 1024),
  },
  { field: 'batchSize', flag: 'batch-size', help: 'images per training step', ...integer(1, 4096) },
  { field: 'epochs', flag: 'epochs', help: 'maximum epochs', ...integer(1) },
  { field: 'learningRate', flag: 'lr', help: "Adam's learning rate", ...number(0) },
  { field: 'lrFactor', flag: 'lr-factor', help: 'reduce-LR-on-plateau factor', ...number(0, 1) },
  {
    field: 'lrPatience',
    flag: 'lr-patience',
    help: 'reduce-LR-on-plateau patience',
    ...integer(0),
  },
  { field: 'minLearningRate', flag: 'min-lr', help: 'lowest learning rate', ...number(0) },
  {
    field: 'earlyStoppingPatience',
    flag: 'patience',
    help: 'early-stopping patience (epochs)',
    ...integer(0),
  },
  {
    field: 'augment',
    flag: 'augment',
    negation: 'no-augment',
    help: 'flips, brightness ±0.1, contrast 0.9–1.1 (training only)',
    ...boolean,
  },
  {
    field: 'seed',
    flag: 'seed',
    help: 'seed of weights, shuffling, augmentation, dropout',
    ...integer(0),
  },
  {
    field: 'backend',
    flag: 'backend',
    help: 'TF.js backend',
    ...enumOf(['auto', ...BACKEND_NAMES]),
  },
  {
    field: 'maxBatchesPerEpoch',
    flag: 'max-batches',
    help: 'stop each epoch after N batches (0: all)',
    ...integer(0),
  },
  {
    field: 'replay',
    flag: 'replay',
    help: 'webgpu: record the training step once and replay it (same results, less host time)',
    ...boolean,
  },
  { field: 'mcSamples', flag: 'mc-samples', help: 'Monte Carlo dropout passes', ...integer(1) },
];

/** Thrown for a config value that does not fit its field. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`config ${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Reads a value (a flag's string or a JSON value) of a type, or throws a ConfigError naming it. */
export function parseValue(spec: FieldType, value: unknown, name: string): unknown {
  switch (spec.type) {
    case 'enum':
      if (!spec.values.includes(value as string)) {
        throw new ConfigError(
          name,
          `${JSON.stringify(value)} is not one of ${spec.values.join(', ')}`,
        );
      }
      return value;
    case 'variant':
      try {
        resolveVariant(value as never);
      } catch (err) {
        throw new ConfigError(name, (err as Error).message);
      }
      if (typeof value !== 'string') throw new ConfigError(name, 'must be a name or a spec string');
      return value;
    case 'boolean':
      if (value === true || value === 'true' || value === '1') return true;
      if (value === false || value === 'false' || value === '0') return false;
      throw new ConfigError(name, `${JSON.stringify(value)} is not true or false`);
    default: {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      const max = spec.max ?? Infinity;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < spec.min || n > max) {
        throw new ConfigError(
          name,
          `${JSON.stringify(value)} is not a number in [${spec.min}, ${max}]`,
        );
      }
      if (spec.type === 'integer' && !Number.isInteger(n)) {
        throw new ConfigError(name, `${n} is not an integer`);
      }
      return n;
    }
  }
}

/** Flag (without `--`) → its field and the value it means when it takes none. */
export const FLAGS: ReadonlyMap<string, { spec: ConfigField; fixed?: boolean }> = new Map(
  CONFIG_FIELDS.flatMap((spec) => [
    [spec.flag, { spec }] as const,
    ...(spec.negation ? [[spec.negation, { spec, fixed: false }] as const] : []),
  ]),
);

/** Flags that never take a value: the booleans and their negations. */
export const BOOLEAN_CONFIG_FLAGS: readonly string[] = CONFIG_FIELDS.flatMap((s) =>
  s.type === 'boolean' ? [s.flag, ...(s.negation ? [s.negation] : [])] : [],
);

function valuesText(spec: ConfigField): string {
  if (spec.type === 'enum') return spec.values.join(' | ');
  if (spec.type === 'boolean') return '';
  if (spec.type === 'variant') {
    return `${DENSENET_PRESET_NAMES.join(' | ')} | blocks=6-12-24-16,growthRate=32,initialFilters=64`;
  }
  return spec.max === undefined
    ? `${spec.type} ≥ ${spec.min}`
    : `${spec.type} in [${spec.min}, ${spec.max}]`;
}

function flagText(spec: ConfigField): string {
  const negation = spec.negation ? `, --${spec.negation}` : '';
  return `--${spec.flag}${spec.type === 'boolean' ? '' : ' VALUE'}${negation}`;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The config flags for `--help`: flag, values, help and the defaults of two profiles. */
export function configHelp(defaults: {
  synthetic: Omit<RunConfig, 'data'>;
  paper: Omit<RunConfig, 'data'>;
}): string {
  const width = Math.max(...CONFIG_FIELDS.map((s) => flagText(s).length)) + 2;
  return CONFIG_FIELDS.map((spec) => {
    const values = valuesText(spec);
    const d = `default ${show(defaults.synthetic[spec.field])} (paper ${show(defaults.paper[spec.field])})`;
    return `  ${flagText(spec).padEnd(width)}${spec.help}${values ? `; ${values}` : ''}; ${d}`;
  }).join('\n');
}

/** The README's configuration table (Markdown), made from the same rows. */
export function configTableMarkdown(defaults: {
  synthetic: Omit<RunConfig, 'data'>;
  paper: Omit<RunConfig, 'data'>;
}): string {
  const rows = CONFIG_FIELDS.map((spec) => {
    const values = valuesText(spec).replace(/\|/g, '\\|');
    const flags = [spec.flag, ...(spec.negation ? [spec.negation] : [])]
      .map((f) => `\`--${f}\``)
      .join(', ');
    return `| ${flags} | \`${spec.field}\` | ${spec.help}${values ? ` (${values})` : ''} | ${show(defaults.synthetic[spec.field])} | ${show(defaults.paper[spec.field])} |`;
  });
  return [
    '| flag | config field | what (values) | `synthetic` | `paper` |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
