import fs from 'node:fs';
import path from 'node:path';
import { type Cache, openSplitsCache } from '@cihmlc/chexpert-data';
import { ensureSyntheticDataset } from '@cihmlc/chexpert-data/synthetic';
import { chexpertTaxonomy, type Taxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import type { DataConfig, RunConfig } from './config.js';

export type Log = (line: string) => void;

/** Fails early, before a run directory is created, when a real dataset's label files are missing. */
export function assertDataAvailable(data: DataConfig): void {
  if (data.kind !== 'chexpert') return;
  for (const f of [data.trainCsv, data.validCsv, data.testCsv].filter(Boolean) as string[]) {
    if (!fs.existsSync(f)) throw new Error(`missing dataset file ${f}`);
  }
}

/** The image roots and the three splits' label files of a dataset config. */
async function datasetFiles(
  data: DataConfig,
  log: Log,
): Promise<{ roots: string[]; train: string; valid: string; test: string }> {
  if (data.kind === 'synthetic') {
    const { dir, files } = await ensureSyntheticDataset({ ...data, log });
    return { roots: [dir, path.dirname(dir)], ...files };
  }
  assertDataAvailable(data);
  return {
    roots: [data.root],
    train: data.trainCsv,
    valid: data.validCsv,
    // Without CheXlocalize's test labels, CheXpert's validation set is the only labelled
    // held-out set: it then serves as the test split too (and the report says so).
    test: data.testCsv ?? data.validCsv,
  };
}

/** Reads the label files, applies policy and label set, and prepares (or reuses) the image cache. */
export async function prepareData(
  config: RunConfig,
  cacheRoot: string,
  log: Log,
): Promise<{ cache: Cache; taxonomy: Taxonomy }> {
  const { roots, ...csv } = await datasetFiles(config.data, log);
  // Shard progress on one terminal line, cleared before the next log line.
  let progressShown = false;
  const { cache } = await openSplitsCache({
    roots,
    csv,
    policy: config.uncertainty,
    labelSet: config.labelSet,
    filters: config.frontalOnly ? { frontalOnly: true } : {},
    size: config.imageSize,
    cacheRoot,
    onProgress: ({ split, shard, shards }) => {
      if (!process.stderr.isTTY) return;
      process.stderr.write(`\r  caching ${split} ${shard}/${shards}\u001b[K`);
      progressShown = true;
    },
    log: (line) => {
      if (progressShown) process.stderr.write('\r\u001b[K');
      progressShown = false;
      log(line);
    },
  });
  return { cache, taxonomy: taxonomyForLabelSet(chexpertTaxonomy, config.labelSet) };
}
