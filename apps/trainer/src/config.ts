import { resolveVariant } from '@cihmlc/densenet';
import type { LabelSet, UncertaintyPolicy } from '@cihmlc/taxonomy';

/** Where the images and labels come from. */
export type DataConfig =
  | {
      kind: 'synthetic';
      /** Generated once and reused (default: a cache folder under the output directory). */
      dir: string;
      patients: number;
      seed: number;
    }
  | {
      kind: 'chexpert';
      /** The folder that holds CheXpert-v1.0(-small)/ (image paths in the CSVs are relative to it). */
      root: string;
      trainCsv: string;
      validCsv: string;
      /** Optional test labels (CheXlocalize release); without it the validation split is the test split. */
      testCsv?: string;
    };

export interface RunConfig {
  profile: string;
  data: DataConfig;
  labelSet: LabelSet;
  uncertainty: UncertaintyPolicy;
  frontalOnly: boolean;
  penalty: 'none' | 'fixed' | 'data-driven';
  lambda: number;
  beta: number;
  fixedIgnoresLambda: boolean;
  penaltyFormula: 'complement' | 'ratio';
  lossMode: 'indicator' | 'differentiable';
  variant: string;
  /** Filters of the head's 3×3 convolution (paper: 512) and units of its dense layer (128). */
  headFilters: number;
  denseUnits: number;
  /** BatchNormalization momentum (Keras 0.99; small, short runs track better with 0.9). */
  batchNormMomentum: number;
  imageSize: number;
  batchSize: number;
  epochs: number;
  learningRate: number;
  lrFactor: number;
  lrPatience: number;
  minLearningRate: number;
  earlyStoppingPatience: number;
  augment: boolean;
  seed: number;
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  /** Stop an epoch after this many batches (0: all); for smoke tests and time-boxed runs. */
  maxBatchesPerEpoch: number;
  mcSamples: number;
}

const base: Omit<RunConfig, 'profile' | 'data'> = {
  labelSet: 'hierarchical21',
  uncertainty: 'zeros',
  frontalOnly: false,
  penalty: 'data-driven',
  lambda: 0.5,
  beta: 1,
  fixedIgnoresLambda: false,
  penaltyFormula: 'complement',
  lossMode: 'indicator',
  variant: 'densenet121',
  headFilters: 512,
  denseUnits: 128,
  batchNormMomentum: 0.99,
  imageSize: 320,
  batchSize: 16,
  epochs: 100,
  learningRate: 1e-4,
  lrFactor: 0.9,
  lrPatience: 1,
  minLearningRate: 1e-8,
  earlyStoppingPatience: 3,
  augment: true,
  seed: 2408,
  backend: 'auto',
  maxBatchesPerEpoch: 0,
  mcSamples: 10,
};

/**
 * Named starting points. `synthetic` is the embedded default (a small DenseNet on the generated
 * dataset, minutes on a laptop CPU); `paper` is method-notes §4 (DenseNet-121 at 320×320).
 */
export const PROFILES: Record<string, Omit<RunConfig, 'data'>> = {
  // Measured on a 2-core machine (wasm backend): ~100 training images/s (~40 with the other
  // core busy), 10 epochs of 1,659 images in ~3 minutes, test weighted AUROC ≈ 0.91.
  synthetic: {
    ...base,
    profile: 'synthetic',
    variant: 'tiny',
    headFilters: 64,
    denseUnits: 32,
    batchNormMomentum: 0.9,
    imageSize: 64,
    batchSize: 32,
    epochs: 10,
    learningRate: 1e-3,
    earlyStoppingPatience: 4,
  },
  paper: { ...base, profile: 'paper' },
};

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`config ${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

const oneOf = <T extends string>(field: string, value: unknown, allowed: readonly T[]): T => {
  if (!allowed.includes(value as T)) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
};

const number = (field: string, value: unknown, min: number, max = Infinity): number => {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not a number in [${min}, ${max}]`);
  }
  return n;
};

const integer = (field: string, value: unknown, min: number, max = Infinity): number => {
  const n = number(field, value, min, max);
  if (!Number.isInteger(n)) throw new ConfigError(field, `${n} is not an integer`);
  return n;
};

const bool = (field: string, value: unknown): boolean => {
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new ConfigError(field, `${JSON.stringify(value)} is not true or false`);
};

/** Validates a complete config value (e.g. read back from a run directory). */
export function validateConfig(value: Record<string, unknown>): RunConfig {
  const data = value.data as Record<string, unknown> | undefined;
  if (!data || typeof data !== 'object') throw new ConfigError('data', 'missing');
  let dataConfig: DataConfig;
  if (data.kind === 'synthetic') {
    if (typeof data.dir !== 'string') throw new ConfigError('data.dir', 'must be a path');
    dataConfig = {
      kind: 'synthetic',
      dir: data.dir,
      patients: integer('data.patients', data.patients, 10),
      seed: integer('data.seed', data.seed, 0),
    };
  } else if (data.kind === 'chexpert') {
    for (const f of ['root', 'trainCsv', 'validCsv'] as const) {
      if (typeof data[f] !== 'string') throw new ConfigError(`data.${f}`, 'must be a path');
    }
    dataConfig = {
      kind: 'chexpert',
      root: data.root as string,
      trainCsv: data.trainCsv as string,
      validCsv: data.validCsv as string,
      ...(typeof data.testCsv === 'string' ? { testCsv: data.testCsv } : {}),
    };
  } else {
    throw new ConfigError('data.kind', `${JSON.stringify(data.kind)} is not synthetic or chexpert`);
  }
  const config: RunConfig = {
    profile: typeof value.profile === 'string' ? value.profile : 'custom',
    data: dataConfig,
    labelSet: oneOf('labelSet', value.labelSet, ['flat14', 'flat15', 'hierarchical21'] as const),
    uncertainty: oneOf('uncertainty', value.uncertainty, ['zeros', 'ones', 'ignore'] as const),
    frontalOnly: bool('frontalOnly', value.frontalOnly),
    penalty: oneOf('penalty', value.penalty, ['none', 'fixed', 'data-driven'] as const),
    lambda: number('lambda', value.lambda, 0),
    beta: number('beta', value.beta, 0),
    fixedIgnoresLambda: bool('fixedIgnoresLambda', value.fixedIgnoresLambda),
    penaltyFormula: oneOf('penaltyFormula', value.penaltyFormula, ['complement', 'ratio'] as const),
    lossMode: oneOf('lossMode', value.lossMode, ['indicator', 'differentiable'] as const),
    variant: String(value.variant),
    headFilters: integer('headFilters', value.headFilters, 1),
    denseUnits: integer('denseUnits', value.denseUnits, 1),
    batchNormMomentum: number('batchNormMomentum', value.batchNormMomentum, 0, 0.999999),
    imageSize: integer('imageSize', value.imageSize, 16, 1024),
    batchSize: integer('batchSize', value.batchSize, 1, 4096),
    epochs: integer('epochs', value.epochs, 1),
    learningRate: number('learningRate', value.learningRate, 0),
    lrFactor: number('lrFactor', value.lrFactor, 0, 1),
    lrPatience: integer('lrPatience', value.lrPatience, 0),
    minLearningRate: number('minLearningRate', value.minLearningRate, 0),
    earlyStoppingPatience: integer('earlyStoppingPatience', value.earlyStoppingPatience, 0),
    augment: bool('augment', value.augment),
    seed: integer('seed', value.seed, 0),
    backend: oneOf('backend', value.backend, [
      'auto',
      'tensorflow',
      'webgpu',
      'wasm',
      'cpu',
    ] as const),
    maxBatchesPerEpoch: integer('maxBatchesPerEpoch', value.maxBatchesPerEpoch, 0),
    mcSamples: integer('mcSamples', value.mcSamples, 1),
  };
  try {
    resolveVariant(config.variant as never);
  } catch (err) {
    throw new ConfigError('variant', (err as Error).message);
  }
  if (config.labelSet !== 'hierarchical21' && config.penalty !== 'none') {
    throw new ConfigError(
      'penalty',
      `label set ${config.labelSet} has no hierarchy: use penalty "none"`,
    );
  }
  return config;
}

/** Flag names (kebab-case on the command line) → config fields. */
const FLAG_FIELDS: Record<string, string> = {
  'label-set': 'labelSet',
  uncertainty: 'uncertainty',
  'frontal-only': 'frontalOnly',
  penalty: 'penalty',
  lambda: 'lambda',
  beta: 'beta',
  'fixed-ignores-lambda': 'fixedIgnoresLambda',
  'penalty-formula': 'penaltyFormula',
  'loss-mode': 'lossMode',
  variant: 'variant',
  'head-filters': 'headFilters',
  'dense-units': 'denseUnits',
  'bn-momentum': 'batchNormMomentum',
  'image-size': 'imageSize',
  'batch-size': 'batchSize',
  epochs: 'epochs',
  lr: 'learningRate',
  'lr-factor': 'lrFactor',
  'lr-patience': 'lrPatience',
  'min-lr': 'minLearningRate',
  patience: 'earlyStoppingPatience',
  augment: 'augment',
  seed: 'seed',
  backend: 'backend',
  'max-batches': 'maxBatchesPerEpoch',
  'mc-samples': 'mcSamples',
};

export const CONFIG_FLAGS = Object.keys(FLAG_FIELDS);

/**
 * Builds a run config: profile defaults, then a config file's fields, then command-line flags.
 * `data` decides the dataset: a CheXpert folder, or the synthetic dataset in `syntheticDir`.
 */
export function resolveConfig(input: {
  profile?: string;
  file?: Record<string, unknown>;
  flags?: Record<string, string | boolean>;
  data?: string;
  syntheticDir: string;
  syntheticPatients?: number;
}): RunConfig {
  const profileName = input.profile ?? (input.file?.profile as string | undefined) ?? 'synthetic';
  const profile = PROFILES[profileName];
  if (!profile) {
    throw new ConfigError(
      'profile',
      `unknown profile "${profileName}" (${Object.keys(PROFILES).join(', ')})`,
    );
  }
  const merged: Record<string, unknown> = {
    ...profile,
    ...(input.file ?? {}),
    profile: profileName,
  };
  for (const [flag, value] of Object.entries(input.flags ?? {})) {
    const field = FLAG_FIELDS[flag];
    if (!field) throw new ConfigError(`--${flag}`, 'unknown option');
    merged[field] = value;
  }
  if (input.data) {
    merged.data = chexpertLayout(input.data);
  } else if (!merged.data) {
    merged.data = {
      kind: 'synthetic',
      dir: input.syntheticDir,
      patients: input.syntheticPatients ?? 1200,
      seed: 7,
    };
  }
  return validateConfig(merged);
}

/** The CSV files of an extracted CheXpert-v1.0(-small) folder. */
export function chexpertLayout(dir: string): DataConfig {
  return {
    kind: 'chexpert',
    root: `${dir}/..`,
    trainCsv: `${dir}/train.csv`,
    validCsv: `${dir}/valid.csv`,
  };
}
