import fs from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeJsonAtomicSync } from '@cihmlc/internal/node';
import { generateSyntheticDataset } from './generate.js';

/** The file in a dataset folder that records how `ensureSyntheticDataset` generated it. */
export const SYNTHETIC_MARKER = 'cihmlc-synthetic.json';

export interface EnsureSyntheticOptions {
  /** The dataset folder. */
  dir: string;
  patients: number;
  seed: number;
  /** Progress lines (what is generated where, then the image counts and time). */
  log?: (line: string) => void;
}

export interface EnsuredSyntheticDataset {
  dir: string;
  /** True when this call generated the dataset, false when it reused it. */
  generated: boolean;
  /** The label files (`train.csv`, `valid.csv`, `test_labels.csv`). */
  files: { train: string; valid: string; test: string };
}

/**
 * The synthetic dataset of `patients` and `seed` in `dir`: generated once (into a temporary
 * folder renamed into place when complete, with a `cihmlc-synthetic.json` marker) and reused by
 * later calls with the same parameters. A folder holding another synthetic dataset, or anything
 * else, is an error (it is never overwritten).
 */
export async function ensureSyntheticDataset(
  options: EnsureSyntheticOptions,
): Promise<EnsuredSyntheticDataset> {
  const { dir, patients, seed } = options;
  const log = options.log ?? (() => {});
  const result = (generated: boolean): EnsuredSyntheticDataset => ({
    dir,
    generated,
    files: {
      train: path.join(dir, 'train.csv'),
      valid: path.join(dir, 'valid.csv'),
      test: path.join(dir, 'test_labels.csv'),
    },
  });
  const marker = path.join(dir, SYNTHETIC_MARKER);
  if (fs.existsSync(marker)) {
    const found = readJsonFile<{ patients: number; seed: number }>(marker);
    if (found.patients === patients && found.seed === seed) return result(false);
    throw new Error(
      `${dir} holds a synthetic dataset of ${found.patients} patients (seed ${found.seed}), not ${patients} (seed ${seed}); choose another folder or delete it`,
    );
  }
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new Error(`${dir} exists and is not a synthetic dataset folder of this tool`);
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  log(
    `generating the synthetic CheXpert-format dataset (${patients} patients, seed ${seed}) in ${dir}`,
  );
  const started = Date.now();
  const summary = await generateSyntheticDataset({ outDir: tmp, patients, seed });
  writeJsonAtomicSync(path.join(tmp, SYNTHETIC_MARKER), { patients, seed, images: summary.images });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  log(
    `  ${summary.images.train} train, ${summary.images.valid} valid, ${summary.images.test} test images in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result(true);
}
