import { type Cache, datasetSplitFiles, openSplitsCache } from '@cihmlc/chexpert-data';
import { chexpertTaxonomy, type Taxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import type { RunConfig } from './config.js';

export type Log = (line: string) => void;

/** Reads the label files, applies policy and label set, and prepares (or reuses) the image cache. */
export async function prepareData(
  config: RunConfig,
  cacheRoot: string,
  log: Log,
): Promise<{ cache: Cache; taxonomy: Taxonomy }> {
  const { roots, csv } = await datasetSplitFiles(config.data, log);
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
