// @cihmlc/chexpert-data — CheXpert label CSVs, image pipeline, preprocessed cache and batches,
// and a synthetic CheXpert-format dataset.

export {
  type AugmentConfig,
  type AugmentParams,
  augmentBatch,
  augmentImage,
  augmentParams,
  DEFAULT_AUGMENT,
  toModelInput,
} from './augment.js';
export {
  CACHE_FORMAT_VERSION,
  type CacheIndex,
  type CacheShard,
  type CacheSplitIndex,
  cacheFingerprint,
  type PrepareCacheOptions,
  type PrepareCacheResult,
  prepareCache,
  SHARD_HEADER_BYTES,
  SHARD_MAGIC,
} from './cache.js';
export {
  type BadRow,
  CsvError,
  type LabelCsv,
  type LabelCsvFormat,
  METADATA_COLUMNS,
  type ReadLabelCsvOptions,
  readLabelCsv,
} from './csv.js';
export {
  assertPatientDisjoint,
  type Dataset,
  type DatasetFilters,
  type DatasetReport,
  type LabelStatistic,
  type LoadDatasetOptions,
  labelStatistics,
  loadDataset,
  MissingImagesError,
  type PatientSplitFractions,
  patientIdFromPath,
  resolveImagePath,
  splitByPatient,
  subsetDataset,
} from './dataset.js';
export {
  assertDatasetFiles,
  chexpertFolderSource,
  type DatasetSource,
  type DatasetSplitFiles,
  datasetSplitFiles,
  parseDatasetSource,
} from './dataset-source.js';
export {
  DecodePool,
  type DecodePoolOptions,
  defaultWorkerScript,
  WorkerPool,
  workerScriptAvailable,
} from './decode-pool.js';
export {
  decodeAndResize,
  ImageDecodeError,
  isGrayRgba,
  loadImage,
  type ResizedImage,
  resizeBilinear,
  toFloatRgb,
} from './image.js';
export { type ImageBatch, loadImageBatch } from './image-batch.js';
export {
  type BatchArrays,
  type BatchOptions,
  type Cache,
  type CachedSplit,
  CacheError,
  type OpenCacheOptions,
  openCache,
  type TensorBatch,
} from './open-cache.js';
export { preprocessRgba } from './preprocess.js';
export {
  type OpenSplitsCacheOptions,
  openSplitsCache,
  type SplitsCache,
  splitsCacheName,
} from './splits-cache.js';
// The synthetic CheXpert-format generator lives in `@cihmlc/chexpert-data/synthetic`.
