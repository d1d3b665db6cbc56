import type { DenseNetPresetName, DenseNetVariantSpec } from '@cihmlc/densenet';
import type { PenaltyFormula, PenaltyMode, PenaltyType } from '@cihmlc/hbce-loss';
import type { BackendRequest } from '@cihmlc/runtime';
import type { LabelSet, UncertaintyPolicy } from '@cihmlc/taxonomy';
import { CONFIG_FIELDS, ConfigError, FLAGS, parseValue } from './config-fields.js';

export { ConfigError } from './config-fields.js';

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
  penalty: PenaltyType;
  lambda: number;
  beta: number;
  fixedIgnoresLambda: boolean;
  penaltyFormula: PenaltyFormula;
  lossMode: PenaltyMode;
  variant: DenseNetPresetName | DenseNetVariantSpec;
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
  backend: BackendRequest;
  /** Stop an epoch after this many batches (0: all); for smoke tests and time-boxed runs. */
  maxBatchesPerEpoch: number;
  mcSamples: number;
  /** webgpu: record the training step once and replay it (@cihmlc/training's `replay`). */
  replay: boolean;
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
  replay: false,
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
      patients: parseValue({ type: 'integer', min: 10 }, data.patients, 'data.patients') as number,
      seed: parseValue({ type: 'integer', min: 0 }, data.seed, 'data.seed') as number,
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
  const known = new Set<string>(['profile', 'data', ...CONFIG_FIELDS.map((f) => f.field)]);
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new ConfigError(key, 'unknown config field');
  }
  const fields: Record<string, unknown> = {};
  for (const spec of CONFIG_FIELDS)
    fields[spec.field] = parseValue(spec, value[spec.field], spec.field);
  const config = {
    profile: typeof value.profile === 'string' ? value.profile : 'custom',
    data: dataConfig,
    ...fields,
  } as RunConfig;
  if (config.labelSet !== 'hierarchical21' && config.penalty !== 'none') {
    throw new ConfigError(
      'penalty',
      `label set ${config.labelSet} has no hierarchy: use penalty "none"`,
    );
  }
  return config;
}

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
    const entry = FLAGS.get(flag);
    if (!entry) throw new ConfigError(`--${flag}`, 'unknown option');
    merged[entry.spec.field] = parseValue(entry.spec, entry.fixed ?? value, `--${flag}`);
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
