import fs from 'node:fs';
import path from 'node:path';

/**
 * Where a dataset's images and label files come from, as a plain value a run's config can keep:
 * the generated synthetic dataset, or an extracted CheXpert folder.
 */
export type DatasetSource =
  | {
      kind: 'synthetic';
      /** Generated once and reused (`ensureSyntheticDataset`). */
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
      /** Test labels (the CheXlocalize release); without them the validation split is the test split. */
      testCsv?: string;
    };

/** The image roots and the label file of each split of a source. */
export interface DatasetSplitFiles {
  roots: string[];
  csv: { train: string; valid: string; test: string };
}

/**
 * The source of an extracted CheXpert-v1.0(-small) folder: its `train.csv` and `valid.csv`
 * (or other label files, e.g. VisualCheXbert's training labels and CheXlocalize's test labels).
 */
export function chexpertFolderSource(
  dir: string,
  files: { trainCsv?: string | undefined; testCsv?: string | undefined } = {},
): DatasetSource {
  return {
    kind: 'chexpert',
    root: `${dir}/..`,
    trainCsv: files.trainCsv ?? `${dir}/train.csv`,
    validCsv: `${dir}/valid.csv`,
    ...(files.testCsv ? { testCsv: files.testCsv } : {}),
  };
}

/**
 * Checks a dataset source read from JSON; errors are TypeError/RangeError naming the field
 * (`<field>.kind`, `<field>.dir`, …).
 */
export function parseDatasetSource(value: unknown, field = 'data'): DatasetSource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${field}: missing (expected an object with a kind)`);
  }
  const v = value as Record<string, unknown>;
  const text = (key: string) => {
    if (typeof v[key] !== 'string' || v[key] === '') {
      throw new TypeError(`${field}.${key}: must be a path`);
    }
    return v[key] as string;
  };
  const integer = (key: string, min: number) => {
    const n = v[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
      throw new RangeError(`${field}.${key}: ${JSON.stringify(n)} is not an integer ≥ ${min}`);
    }
    return n;
  };
  if (v.kind === 'synthetic') {
    return {
      kind: 'synthetic',
      dir: text('dir'),
      patients: integer('patients', 1),
      seed: integer('seed', 0),
    };
  }
  if (v.kind === 'chexpert') {
    return {
      kind: 'chexpert',
      root: text('root'),
      trainCsv: text('trainCsv'),
      validCsv: text('validCsv'),
      ...(v.testCsv === undefined ? {} : { testCsv: text('testCsv') }),
    };
  }
  throw new RangeError(`${field}.kind: ${JSON.stringify(v.kind)} is not synthetic or chexpert`);
}

/**
 * Fails early (before anything is written) when a CheXpert source's label files are missing; a
 * synthetic source is generated on demand and always passes.
 */
export function assertDatasetFiles(source: DatasetSource): void {
  if (source.kind !== 'chexpert') return;
  for (const file of [source.trainCsv, source.validCsv, source.testCsv]) {
    if (file !== undefined && !fs.existsSync(file)) throw new Error(`missing dataset file ${file}`);
  }
}

/**
 * The image roots and the three splits' label files of a source, for `openSplitsCache`: a
 * synthetic source is generated first if it is not there yet (`ensureSyntheticDataset`); a
 * CheXpert source without test labels uses its validation split as the test split, as the only
 * labelled held-out set.
 */
export async function datasetSplitFiles(
  source: DatasetSource,
  log: (line: string) => void = () => {},
): Promise<DatasetSplitFiles> {
  if (source.kind === 'synthetic') {
    // Loaded on demand: the generator is the `./synthetic` subpath's, not this entry's.
    const { ensureSyntheticDataset } = await import('./synthetic/ensure.js');
    const { dir, files } = await ensureSyntheticDataset({ ...source, log });
    return { roots: [dir, path.dirname(dir)], csv: files };
  }
  assertDatasetFiles(source);
  const { root, trainCsv, validCsv, testCsv } = source;
  return { roots: [root], csv: { train: trainCsv, valid: validCsv, test: testCsv ?? validCsv } };
}
