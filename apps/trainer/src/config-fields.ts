import {
  DENSENET_PRESET_NAMES,
  type DenseNetPresetName,
  type DenseNetVariantSpec,
  resolveVariant,
} from '@cihmlc/densenet';
import { PENALTY_FORMULAS, PENALTY_MODES, PENALTY_TYPES } from '@cihmlc/hbce-loss';
import { BACKEND_NAMES, type BackendRequest } from '@cihmlc/runtime';
import { LABEL_SETS, UNCERTAINTY_POLICIES } from '@cihmlc/taxonomy';

/** How a field's value is read and checked. */
export type FieldType =
  | { type: 'enum'; values: readonly string[] }
  | { type: 'number' | 'integer'; min: number; max?: number }
  | { type: 'boolean' }
  /** A DenseNet preset name or a `blocks=…` spec string (@cihmlc/densenet's `resolveVariant`). */
  | { type: 'variant' };

/** The value a field type reads: the packages' own unions for enums. */
export type ValueOf<T extends FieldType> = T extends { type: 'enum'; values: readonly (infer V)[] }
  ? V
  : T extends { type: 'boolean' }
    ? boolean
    : T extends { type: 'variant' }
      ? DenseNetPresetName | DenseNetVariantSpec
      : number;

/** One row of the table: the single source of the parser, `--help`, the README and the checks. */
export interface ConfigField<F extends string = string, T extends FieldType = FieldType> {
  field: F;
  /** The command-line flag, without `--`. */
  flag: string;
  /** One line for `--help` and the README. */
  help: string;
  type: T;
  /** The value of the `paper` profile (method-notes §4); `synthetic` overrides some. */
  default: ValueOf<T>;
  /** A second flag that sets the field to false (booleans only), without `--`. */
  negation?: string;
}

function row<const F extends string, const T extends FieldType>(
  field: F,
  flag: string,
  type: T,
  defaultValue: ValueOf<T>,
  help: string,
  negation?: string,
): ConfigField<F, T> {
  return { field, flag, help, type, default: defaultValue, ...(negation ? { negation } : {}) };
}

const oneOf = <const V extends string>(values: readonly V[]) => ({ type: 'enum', values }) as const;
const integer = (min: number, max?: number) =>
  ({ type: 'integer', min, ...(max === undefined ? {} : { max }) }) as const;
const number = (min: number, max?: number) =>
  ({ type: 'number', min, ...(max === undefined ? {} : { max }) }) as const;
const boolean = { type: 'boolean' } as const;
const backends: readonly BackendRequest[] = ['auto', ...BACKEND_NAMES];

export const CONFIG_FIELDS = [
  row('labelSet', 'label-set', oneOf(LABEL_SETS), 'hierarchical21', 'output labels'),
  row(
    'uncertainty',
    'uncertainty',
    oneOf(UNCERTAINTY_POLICIES),
    'zeros',
    'uncertain (-1) labels: U-Zeros, U-Ones, or U-Ignore (masked in the loss)',
  ),
  row('frontalOnly', 'frontal-only', boolean, false, 'frontal views only'),
  row(
    'penalty',
    'penalty',
    oneOf(PENALTY_TYPES),
    'data-driven',
    'hierarchical penalty (hierarchical21 only)',
  ),
  row('lambda', 'lambda', number(0), 0.5, 'penalty scale λ'),
  row('beta', 'beta', number(0), 1, 'fixed penalty β'),
  row(
    'fixedIgnoresLambda',
    'fixed-ignores-lambda',
    boolean,
    false,
    "the reference code's fixed mode (w = β)",
  ),
  row(
    'penaltyFormula',
    'penalty-formula',
    oneOf(PENALTY_FORMULAS),
    'complement',
    'data-driven penalty: complement (the code) or ratio (Eq. 4 as printed)',
  ),
  row(
    'lossMode',
    'loss-mode',
    oneOf(PENALTY_MODES),
    'indicator',
    'indicator (the paper: no gradient) or a differentiable surrogate',
  ),
  row(
    'variant',
    'variant',
    { type: 'variant' },
    'densenet121',
    'DenseNet backbone: a preset or a blocks=… spec',
  ),
  row('headFilters', 'head-filters', integer(1), 512, "filters of the head's 3×3 conv"),
  row('denseUnits', 'dense-units', integer(1), 128, "units of the head's dense layer"),
  row(
    'batchNormMomentum',
    'bn-momentum',
    number(0, 0.999999),
    0.99,
    'batch-norm momentum (Keras 0.99)',
  ),
  row('imageSize', 'image-size', integer(16, 1024), 320, 'square input size in pixels'),
  row('batchSize', 'batch-size', integer(1, 4096), 16, 'images per training step'),
  row('epochs', 'epochs', integer(1), 100, 'maximum epochs'),
  row('learningRate', 'lr', number(0), 1e-4, "Adam's learning rate"),
  row('lrFactor', 'lr-factor', number(0, 1), 0.9, 'reduce-LR-on-plateau factor'),
  row('lrPatience', 'lr-patience', integer(0), 1, 'reduce-LR-on-plateau patience'),
  row('minLearningRate', 'min-lr', number(0), 1e-8, 'lowest learning rate'),
  row('earlyStoppingPatience', 'patience', integer(0), 3, 'early-stopping patience (epochs)'),
  row(
    'augment',
    'augment',
    boolean,
    true,
    'flips, brightness ±0.1, contrast 0.9–1.1 (training only)',
    'no-augment',
  ),
  row('seed', 'seed', integer(0), 2408, 'seed of weights, shuffling, augmentation, dropout'),
  row('backend', 'backend', oneOf(backends), 'auto', 'TF.js backend'),
  row(
    'maxBatchesPerEpoch',
    'max-batches',
    integer(0),
    0,
    'stop each epoch after N batches (0: all)',
  ),
  row(
    'replay',
    'replay',
    boolean,
    false,
    'webgpu: record the training step once and replay it (same results, less host time)',
  ),
  row('mcSamples', 'mc-samples', integer(1), 10, 'Monte Carlo dropout passes'),
];

type Row = (typeof CONFIG_FIELDS)[number];

/** The config fields that flags, config files and profiles set (`profile` and `data` aside). */
export type ConfigValues = { [R in Row as R['field']]: ValueOf<R['type']> };

/** A field's row, with its value type. */
export function configField<F extends Row['field']>(field: F): Extract<Row, { field: F }> {
  return CONFIG_FIELDS.find((r) => r.field === field) as Extract<Row, { field: F }>;
}

/** The `paper` profile's values, from the table. */
export const DEFAULT_VALUES = Object.fromEntries(
  CONFIG_FIELDS.map((f) => [f.field, f.default]),
) as ConfigValues;

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
export function parseValue<T extends FieldType>(spec: T, value: unknown, name: string): ValueOf<T> {
  const fail = (why: string) => new ConfigError(name, `${JSON.stringify(value)} ${why}`);
  switch (spec.type) {
    case 'enum':
      if (!spec.values.includes(value as string)) {
        throw fail(`is not one of ${spec.values.join(', ')}`);
      }
      return value as ValueOf<T>;
    case 'variant':
      if (typeof value !== 'string') throw fail('is not a preset name or a spec string');
      try {
        resolveVariant(value as DenseNetPresetName);
      } catch (err) {
        throw new ConfigError(name, (err as Error).message);
      }
      return value as ValueOf<T>;
    case 'boolean':
      if (value === true || value === 'true' || value === '1') return true as ValueOf<T>;
      if (value === false || value === 'false' || value === '0') return false as ValueOf<T>;
      throw fail('is not true or false');
    default: {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      const max = spec.max ?? Infinity;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < spec.min || n > max) {
        throw fail(`is not a number in [${spec.min}, ${max}]`);
      }
      if (spec.type === 'integer' && !Number.isInteger(n)) {
        throw new ConfigError(name, `${n} is not an integer`);
      }
      return n as ValueOf<T>;
    }
  }
}

/** Flag (without `--`) → its field and the value it means when it takes none. */
export const FLAGS: ReadonlyMap<string, { spec: ConfigField; fixed?: boolean }> = new Map(
  CONFIG_FIELDS.flatMap((spec: ConfigField) => [
    [spec.flag, { spec }] as const,
    ...(spec.negation ? [[spec.negation, { spec, fixed: false }] as const] : []),
  ]),
);

/** Flags that never take a value: the booleans and their negations. */
export const BOOLEAN_CONFIG_FLAGS: readonly string[] = CONFIG_FIELDS.flatMap((s: ConfigField) =>
  s.type.type === 'boolean' ? [s.flag, ...(s.negation ? [s.negation] : [])] : [],
);

function valuesText({ type: t }: ConfigField): string {
  if (t.type === 'enum') return t.values.join(' | ');
  if (t.type === 'boolean') return '';
  if (t.type === 'variant') {
    return `${DENSENET_PRESET_NAMES.join(' | ')} | blocks=6-12-24-16,growthRate=32,initialFilters=64`;
  }
  return t.max === undefined ? `${t.type} ≥ ${t.min}` : `${t.type} in [${t.min}, ${t.max}]`;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** Each row's flags, values text and the defaults of two profiles, for --help and the README. */
function describeRows(synthetic: ConfigValues, paper: ConfigValues) {
  return CONFIG_FIELDS.map((spec: ConfigField) => ({
    spec,
    flags: [spec.flag, ...(spec.negation ? [spec.negation] : [])],
    values: valuesText(spec),
    synthetic: show(synthetic[spec.field as keyof ConfigValues]),
    paper: show(paper[spec.field as keyof ConfigValues]),
  }));
}

/** The config flags for `--help`: flag, values, help and the defaults of two profiles. */
export function configHelp(synthetic: ConfigValues, paper: ConfigValues): string {
  const rows = describeRows(synthetic, paper).map((r) => ({
    ...r,
    flag: `--${r.spec.flag}${r.spec.type.type === 'boolean' ? '' : ' VALUE'}${r.spec.negation ? `, --${r.spec.negation}` : ''}`,
  }));
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  return rows
    .map(
      (r) =>
        `  ${r.flag.padEnd(width)}${r.spec.help}${r.values ? `; ${r.values}` : ''}; default ${r.synthetic} (paper ${r.paper})`,
    )
    .join('\n');
}

/** The README's configuration table (Markdown), made from the same rows. */
export function configTableMarkdown(synthetic: ConfigValues, paper: ConfigValues): string {
  return [
    '| flag | config field | what (values) | `synthetic` | `paper` |',
    '| --- | --- | --- | --- | --- |',
    ...describeRows(synthetic, paper).map((r) => {
      const values = r.values ? ` (${r.values.replace(/\|/g, '\\|')})` : '';
      const flags = r.flags.map((f) => `\`--${f}\``).join(', ');
      return `| ${flags} | \`${r.spec.field}\` | ${r.spec.help}${values} | ${r.synthetic} | ${r.paper} |`;
    }),
  ].join('\n');
}
