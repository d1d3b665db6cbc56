import fs from 'node:fs';
import path from 'node:path';
import {
  type Cache,
  type Dataset,
  loadDataset,
  openCache,
  prepareCache,
} from '@cihmlc/chexpert-data';
import { ensureSyntheticDataset } from '@cihmlc/chexpert-data/synthetic';
import { chexpertTaxonomy, type Taxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import type { DataConfig, RunConfig } from './config.js';

export type Log = (line: string) => void;

/** The CSV files and image roots of a dataset config. */
export interface DatasetFiles {
  roots: string[];
  train: string;
  valid: string;
  test: string;
}

/** Fails early, before a run directory is created, when a real dataset's label files are missing. */
export function assertDataAvailable(data: DataConfig): void {
  if (data.kind !== 'chexpert') return;
  for (const f of [data.trainCsv, data.validCsv, data.testCsv].filter(Boolean) as string[]) {
    if (!fs.existsSync(f)) throw new Error(`missing dataset file ${f}`);
  }
}

export async function datasetFiles(data: DataConfig, log: Log): Promise<DatasetFiles> {
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

export interface PreparedData {
  cache: Cache;
  taxonomy: Taxonomy;
  datasets: Record<'train' | 'valid' | 'test', Dataset>;
}

/** Reads the label files, applies policy and label set, and prepares (or reuses) the image cache. */
export async function prepareData(
  config: RunConfig,
  cacheRoot: string,
  log: Log,
): Promise<PreparedData> {
  const files = await datasetFiles(config.data, log);
  const taxonomy = taxonomyForLabelSet(chexpertTaxonomy, config.labelSet);
  const common = {
    roots: files.roots,
    policy: config.uncertainty,
    labelSet: config.labelSet,
    filters: config.frontalOnly ? { frontalOnly: true } : {},
  } as const;
  const datasets = {
    train: await loadDataset({ ...common, csv: files.train, name: 'train' }),
    valid: await loadDataset({ ...common, csv: files.valid, name: 'valid' }),
    test: await loadDataset({ ...common, csv: files.test, name: 'test' }),
  };
  for (const [split, d] of Object.entries(datasets)) {
    const r = d.report;
    if (r.badRows || r.missingImages) {
      log(`  ${split}: ${r.badRows} bad rows skipped, ${r.missingImages} missing images skipped`);
    }
    if (d.paths.length === 0)
      throw new Error(`${d.csvFile}: no usable images in the ${split} split`);
  }
  const cacheDir = path.join(
    cacheRoot,
    `cache-${config.imageSize}-${config.labelSet}-${config.uncertainty}${config.frontalOnly ? '-frontal' : ''}`,
  );
  const started = Date.now();
  const result = await prepareCache({
    cacheDir,
    splits: datasets,
    size: config.imageSize,
    onProgress: ({ split, shard, shards }) => {
      if (process.stderr.isTTY)
        process.stderr.write(`\r  caching ${split} ${shard}/${shards}\u001b[K`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
  if (result.discarded) log(`  previous cache discarded: ${result.discarded}`);
  log(
    `  image cache ${result.status} (${cacheDir}, ${config.imageSize}×${config.imageSize}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const cache = await openCache(cacheDir, { expectFingerprint: result.index.fingerprint });
  if (cache.outputLabels.join('|') !== taxonomy.outputLabels.join('|')) {
    throw new Error(`${cacheDir}: cache labels do not match the ${config.labelSet} outputs`);
  }
  return { cache, taxonomy, datasets };
}
