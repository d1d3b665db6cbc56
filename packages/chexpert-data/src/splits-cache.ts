import { join } from 'node:path';
import {
  chexpertTaxonomy,
  LABEL_SETS,
  type LabelSet,
  taxonomyForLabelSet,
  UNCERTAINTY_POLICIES,
  type UncertaintyPolicy,
} from '@cihmlc/taxonomy';
import { type PrepareCacheOptions, type PrepareCacheResult, prepareCache } from './cache.js';
import { type Dataset, type DatasetFilters, loadDataset } from './dataset.js';
import { type Cache, CacheError, openCache } from './open-cache.js';

export interface OpenSplitsCacheOptions<S extends string = string> {
  /** Directories the CSV paths are resolved against, first match wins. */
  roots: string[];
  /** The label CSV file of each split, by split name (e.g. { train, valid, test }). */
  csv: Record<S, string>;
  /** Uncertainty policy for -1 values (default 'zeros'). */
  policy?: UncertaintyPolicy;
  /** Output label set (default 'hierarchical21'). */
  labelSet?: LabelSet;
  /** Row filters, the same for every split (default none). */
  filters?: DatasetFilters;
  /** A malformed CSV row: 'abort' (default, a CsvError naming file and line) or 'skip' (logged). */
  onBadRow?: 'abort' | 'skip';
  /** Square image side in pixels (default 320). */
  size?: number;
  /** The folder that holds the caches; each setting gets its own folder in it (splitsCacheName). */
  cacheRoot: string;
  /** Decode threads while preparing (default: available cores; 0 decodes in this thread). */
  workers?: number;
  /** Called after each shard written (the cache's prepare progress). */
  onProgress?: PrepareCacheOptions['onProgress'];
  /** Lines for the user: skipped rows and missing images per split, the cache's status. */
  log?: (line: string) => void;
}

export interface SplitsCache<S extends string = string> {
  /** The open cache; close it when done. */
  cache: Cache;
  /** The datasets read from the CSVs, by split name. */
  datasets: Record<S, Dataset>;
  cacheDir: string;
  /** 'reused': complete and matching; 'resumed': some shards kept; 'built': from scratch. */
  status: PrepareCacheResult['status'];
  /** Why an existing cache in cacheDir was discarded, if one was. */
  discarded?: string;
  /** Seconds spent preparing the cache (or checking that it can be reused). */
  prepareSeconds: number;
}

const SPLIT_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === ''))
    throw new TypeError(`openSplitsCache: ${field}: expected an array of non-empty strings`);
  return [...value];
}

/** The filters with only the keys that are set, so that equal filters give one fingerprint. */
function checkFilters(value: unknown): DatasetFilters {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('openSplitsCache: filters: expected an object');
  const f = value as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (!['frontalOnly', 'projections', 'sex'].includes(key))
      throw new TypeError(`openSplitsCache: filters.${key}: unknown filter`);
  }
  const out: DatasetFilters = {};
  if (f.frontalOnly !== undefined && typeof f.frontalOnly !== 'boolean')
    throw new TypeError('openSplitsCache: filters.frontalOnly: expected a boolean');
  if (f.frontalOnly) out.frontalOnly = true;
  if (f.projections !== undefined)
    out.projections = stringList(f.projections, 'filters.projections');
  if (f.sex !== undefined) out.sex = stringList(f.sex, 'filters.sex');
  return out;
}

type Checked = Required<Omit<OpenSplitsCacheOptions, 'workers' | 'onProgress' | 'log'>> &
  Pick<OpenSplitsCacheOptions, 'workers' | 'onProgress' | 'log'>;

function checkOptions(opts: OpenSplitsCacheOptions): Readonly<Checked> {
  if (typeof opts !== 'object' || opts === null)
    throw new TypeError('openSplitsCache: expected an options object');
  const roots = stringList(opts.roots, 'roots');
  if (roots.length === 0) throw new RangeError('openSplitsCache: roots: no image root given');
  if (typeof opts.csv !== 'object' || opts.csv === null || Array.isArray(opts.csv))
    throw new TypeError('openSplitsCache: csv: expected an object of CSV files by split name');
  const csv: Record<string, string> = {};
  for (const [name, file] of Object.entries(opts.csv)) {
    if (!SPLIT_NAME.test(name))
      throw new RangeError(
        `openSplitsCache: csv: split name "${name}" must be letters, digits, '_', '-' or '.'`,
      );
    if (typeof file !== 'string' || file === '')
      throw new TypeError(`openSplitsCache: csv.${name}: expected a CSV file path`);
    csv[name] = file;
  }
  if (Object.keys(csv).length === 0) throw new RangeError('openSplitsCache: csv: no split given');
  const policy = opts.policy ?? 'zeros';
  if (!UNCERTAINTY_POLICIES.includes(policy))
    throw new RangeError(
      `openSplitsCache: policy: expected one of ${UNCERTAINTY_POLICIES.join(', ')}, got ${String(policy)}`,
    );
  const labelSet = opts.labelSet ?? 'hierarchical21';
  if (!LABEL_SETS.includes(labelSet))
    throw new RangeError(
      `openSplitsCache: labelSet: expected one of ${LABEL_SETS.join(', ')}, got ${String(labelSet)}`,
    );
  const size = opts.size ?? 320;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`openSplitsCache: size: expected a positive integer, got ${size}`);
  if (typeof opts.cacheRoot !== 'string' || opts.cacheRoot === '')
    throw new TypeError('openSplitsCache: cacheRoot: expected a folder path');
  const onBadRow = opts.onBadRow ?? 'abort';
  if (onBadRow !== 'abort' && onBadRow !== 'skip')
    throw new RangeError(
      `openSplitsCache: onBadRow: expected 'abort' or 'skip', got ${String(onBadRow)}`,
    );
  if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 0))
    throw new RangeError(
      `openSplitsCache: workers: expected a non-negative integer, got ${opts.workers}`,
    );
  for (const key of ['onProgress', 'log'] as const) {
    if (opts[key] !== undefined && typeof opts[key] !== 'function')
      throw new TypeError(`openSplitsCache: ${key}: expected a function`);
  }
  return Object.freeze({
    roots,
    csv,
    policy,
    labelSet,
    filters: checkFilters(opts.filters),
    onBadRow,
    size,
    cacheRoot: opts.cacheRoot,
    workers: opts.workers,
    onProgress: opts.onProgress,
    log: opts.log,
  });
}

/**
 * The folder name of a cache of these settings: `cache-<size>-<labelSet>-<policy>`, then
 * `-frontal` for frontal views only, `-proj-<values>` and `-sex-<values>` for those filters.
 * Settings that differ otherwise (other CSVs, another blank policy) share a name: the cache's
 * fingerprint tells them apart, and the cache is rebuilt.
 */
export function splitsCacheName(settings: {
  size: number;
  labelSet: LabelSet;
  policy: UncertaintyPolicy;
  filters?: DatasetFilters;
}): string {
  const f = settings.filters ?? {};
  const safe = (values: string[]) => values.map((v) => v.replace(/[^A-Za-z0-9]/g, '_')).join('+');
  return [
    `cache-${settings.size}-${settings.labelSet}-${settings.policy}`,
    f.frontalOnly ? '-frontal' : '',
    f.projections ? `-proj-${safe(f.projections)}` : '',
    f.sex ? `-sex-${safe(f.sex)}` : '',
  ].join('');
}

/**
 * Reads the label CSV of each split with one uncertainty policy, label set and filters, then
 * prepares (or reuses) the image cache of those splits in `cacheRoot/splitsCacheName(…)` and
 * opens it. Skipped bad rows and missing images are reported through `log`; a split without a
 * usable image is an error naming its CSV; the opened cache must have the prepared fingerprint
 * and the label set's outputs.
 */
export async function openSplitsCache<S extends string>(
  options: OpenSplitsCacheOptions<S>,
): Promise<SplitsCache<S>> {
  const o = checkOptions(options);
  const log = o.log ?? (() => {});
  const datasets: Record<string, Dataset> = {};
  for (const [name, csv] of Object.entries(o.csv)) {
    const d = await loadDataset({
      csv,
      roots: o.roots,
      name,
      policy: o.policy,
      labelSet: o.labelSet,
      filters: o.filters,
      csvOptions: { onBadRow: o.onBadRow },
    });
    const r = d.report;
    if (r.badRows || r.missingImages)
      log(`  ${name}: ${r.badRows} bad rows skipped, ${r.missingImages} missing images skipped`);
    if (d.paths.length === 0)
      throw new Error(`${d.csvFile}: no usable images in the ${name} split`);
    datasets[name] = d;
  }
  const cacheDir = join(o.cacheRoot, splitsCacheName(o));
  const started = performance.now();
  const prepared = await prepareCache({
    cacheDir,
    splits: datasets,
    size: o.size,
    ...(o.workers === undefined ? {} : { workers: o.workers }),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const prepareSeconds = (performance.now() - started) / 1000;
  if (prepared.discarded) log(`  previous cache discarded: ${prepared.discarded}`);
  log(
    `  image cache ${prepared.status} (${cacheDir}, ${o.size}×${o.size}) in ${prepareSeconds.toFixed(1)} s`,
  );
  const cache = await openCache(cacheDir, { expectFingerprint: prepared.index.fingerprint });
  const outputs = taxonomyForLabelSet(chexpertTaxonomy, o.labelSet).outputLabels;
  if (cache.outputLabels.join('|') !== outputs.join('|')) {
    await cache.close();
    throw new CacheError(`${cacheDir}: cache labels do not match the ${o.labelSet} outputs`);
  }
  const result: SplitsCache<S> = {
    cache,
    // Every key of o.csv (the caller's S) got its dataset above.
    datasets: datasets as Record<S, Dataset>,
    cacheDir,
    status: prepared.status,
    prepareSeconds,
  };
  if (prepared.discarded) result.discarded = prepared.discarded;
  return result;
}
