import fs from 'node:fs';
import path from 'node:path';
import { type DatasetSource, parseDatasetSource } from '@cihmlc/chexpert-data';
import { parseOptionObject } from '@cihmlc/internal';
import { readJsonFile } from '@cihmlc/internal/node';
import { CONFIG_FIELDS, ConfigError, type ConfigValues, DEFAULT_VALUES } from './config-fields.js';

export { ConfigError } from './config-fields.js';

/** A run's settings: a profile's values with a config file's fields and flags over them. */
export type RunConfig = { profile: string; data: DatasetSource } & ConfigValues;

/**
 * Named starting points. `paper` is method-notes §4 (DenseNet-121 at 320×320: the table's
 * defaults); `synthetic` is the embedded default, a small DenseNet on the generated dataset.
 */
export const PROFILES: Record<string, Omit<RunConfig, 'data'>> = {
  // Measured on a 2-core machine (wasm backend): ~100 training images/s (~40 with the other
  // core busy), 10 epochs of 1,659 images in ~3 minutes, test weighted AUROC ≈ 0.91.
  synthetic: {
    profile: 'synthetic',
    ...DEFAULT_VALUES,
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
  paper: { profile: 'paper', ...DEFAULT_VALUES },
};

/** Validates a complete config value (e.g. read back from a run directory). */
export function validateConfig(value: Record<string, unknown>): RunConfig {
  let dataConfig: DatasetSource;
  try {
    dataConfig = parseDatasetSource(value.data, 'data');
  } catch (err) {
    const [field, why] = (err as Error).message.split(/: (.*)/s);
    throw new ConfigError(field!, why!);
  }
  const fields = parseOptionObject(CONFIG_FIELDS, value, {
    prefix: 'config ',
    allow: ['profile', 'data'],
  });
  const profile = typeof value.profile === 'string' ? value.profile : 'custom';
  const config: RunConfig = { profile, data: dataConfig, ...fields };
  if (config.labelSet !== 'hierarchical21' && config.penalty !== 'none') {
    throw new ConfigError(
      'penalty',
      `label set ${config.labelSet} has no hierarchy: use penalty "none"`,
    );
  }
  return config;
}

/** The checked config of a run folder (its config.json), with errors naming the file. */
export function readRunConfig(runDir: string): RunConfig {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${runDir} is not a run directory (no config.json)`);
  try {
    return validateConfig(readJsonFile<Record<string, unknown>>(file));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/**
 * Builds a run config: profile defaults, then a config file's fields, then the flags' values
 * (checked by the parser); the data is `data`, else the config file's, else `defaultData`.
 */
export function resolveConfig(input: {
  profile?: string | undefined;
  file?: Record<string, unknown>;
  values?: Partial<ConfigValues>;
  data?: DatasetSource | undefined;
  defaultData: DatasetSource;
}): RunConfig {
  const name = input.profile ?? (input.file?.profile as string | undefined) ?? 'synthetic';
  const profile = PROFILES[name];
  const known = Object.keys(PROFILES).join(', ');
  if (!profile) throw new ConfigError('profile', `unknown profile "${name}" (${known})`);
  const merged: Record<string, unknown> = { ...profile, ...input.file, ...input.values };
  merged.profile = name;
  merged.data = input.data ?? merged.data ?? input.defaultData;
  return validateConfig(merged);
}
