export {
  BATCH_NORM_TRAINING_KERNELS,
  type BatchNormTrainingInputs,
  type BatchNormTrainingPath,
  type BatchNormTrainingResult,
  batchNormTraining,
  batchNormTrainingPath,
} from './batch-norm-training.js';
export { DENSENET_BN_EPSILON } from './blocks.js';
export {
  type ClassifierOptions,
  createClassifier,
  GRADCAM_LAYER_NAME,
  HEAD_LAYER_NAMES,
} from './classifier.js';
export {
  assertDenseNetInput,
  createDenseNet,
  type DenseNetOptions,
  type ImageShape,
} from './densenet.js';
export {
  type BatchNormalizationArgs,
  FusedBatchNormalization,
  fusedBatchNormalization,
} from './fused-batch-normalization.js';
export {
  type ClassifierFromKerasOptions,
  classifierFromKeras,
  describeKerasClassifier,
  type KerasClassifierRequest,
  type KerasClassifierSettings,
  type KerasClassifierShape,
} from './keras-classifier.js';
export {
  type KerasClassifierArchitecture,
  kerasClassifierArchitecture,
} from './keras-model-config.js';
export {
  encodeKerasWeights,
  type KerasArchive,
  type KerasWeightsLayout,
  kerasLayerKeys,
  type LoadKerasWeightsOptions,
  type LoadKerasWeightsReport,
  loadKerasWeights,
  readKerasArchive,
} from './keras-weights.js';
export { LEGACY_HEAD_LAYER_NAMES, layerNameAliases } from './layer-names.js';
export {
  checkModelFits,
  type LoadModelFolderOptions,
  loadModelFolder,
  MODEL_FOLDER_FORMAT,
  MODEL_FOLDER_MANIFEST,
  MODEL_FOLDER_PREPROCESSING,
  MODEL_FOLDER_VERSION,
  type ModelFolder,
  type ModelFolderBest,
  ModelFolderError,
  type ModelFolderManifest,
  type ModelFolderManifestFields,
  type ModelFolderPreprocessing,
  type ModelFolderSource,
  modelFolderManifest,
  parseModelFolderManifest,
} from './model-folder.js';
export {
  bufferedFetch,
  type FileListLike,
  type LoadModelOptions,
  loadModelFrom,
  MODEL_JSON,
  type ModelInMemory,
  type ModelSource,
  type ModelSourceOptions,
  modelArtifactsFromMemory,
  modelHandler,
  saveModelTo,
} from './model-sources.js';
export { type MovingAverageUpdateInputs, movingAverageUpdate } from './moving-average.js';
export { countParams, type ParamCounts } from './params.js';
export {
  dropoutDraws,
  mixSeed,
  scopedSeedDropout,
  seededDropout,
  withDropoutSeed,
} from './seeded-dropout.js';
export {
  DENSENET_PRESET_NAMES,
  DENSENET_PRESETS,
  type DenseNetConfig,
  type DenseNetPresetName,
  type DenseNetVariant,
  type DenseNetVariantSpec,
  kerasModelName,
  resolveVariant,
  variantName,
} from './variants.js';
export {
  assignWeights,
  type EncodedWeights,
  encodeWeights,
  type LoadWeightsOptions,
  type LoadWeightsReport,
  loadWeightsFromMemory,
  loadWeightsFromUrl,
  type SaveWeightsOptions,
  WEIGHTS_FORMAT,
  WEIGHTS_JSON,
} from './weight-checkpoints.js';
export type { WeightShards } from './weights-manifest.js';
