export {
  BATCH_NORM_TRAINING_KERNELS,
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
  type FileSystemHandlerOptions,
  fileSystemHandler,
  MODEL_JSON,
} from './file-system-handler.js';
export {
  type BatchNormalizationArgs,
  FusedBatchNormalization,
  fusedBatchNormalization,
} from './fused-batch-normalization.js';
export { type LoadModelOptions, loadModel, saveModel } from './model-files.js';
export { movingAverageUpdate } from './moving-average.js';
export { countParams, type ParamCounts } from './params.js';
export { mixSeed, scopedSeedDropout, seededDropout, withDropoutSeed } from './seeded-dropout.js';
export {
  DENSENET_PRESET_NAMES,
  DENSENET_PRESETS,
  type DenseNetConfig,
  type DenseNetPresetName,
  type DenseNetVariant,
  kerasModelName,
  resolveVariant,
} from './variants.js';
export {
  type LoadWeightsOptions,
  type LoadWeightsReport,
  loadWeights,
  type SaveWeightsOptions,
  saveWeights,
  WEIGHTS_FORMAT,
  WEIGHTS_JSON,
} from './weight-checkpoints.js';
