import * as tf from '@tensorflow/tfjs';
import {
  assertDenseNetInput,
  buildContext,
  denseNetFeatures,
  type ImageShape,
  validateInputShape,
} from './densenet.js';
import { fusedBatchNormalization } from './fused-batch-normalization.js';
import { HEAD_DEFAULTS } from './head-defaults.js';
import { GRADCAM_LAYER_NAME, HEAD_LAYER_NAMES } from './layer-names.js';
import { scopedSeedDropout } from './seeded-dropout.js';
import { type DenseNetVariant, kerasModelName, resolveVariant } from './variants.js';

export { GRADCAM_LAYER_NAME, HEAD_LAYER_NAMES };

export interface ClassifierOptions {
  variant: DenseNetVariant;
  inputShape: ImageShape;
  /** Number of sigmoid outputs (one per label). */
  numOutputs: number;
  /** Dropout rate before the output layer (default 0.5). */
  dropoutRate?: number;
  /** Filters of the head's 3×3 convolution (default 512). */
  headFilters?: number;
  /** Units of the head's hidden dense layer (default 128). */
  denseUnits?: number;
  /**
   * Seed for every Glorot-uniform kernel, making initialisation reproducible; omit for unseeded
   * random initialisation. Dropout masks are seeded per call by `withDropoutSeed`.
   */
  seed?: number;
  /** BatchNormalization momentum of backbone and head (default 0.99, Keras's). */
  batchNormMomentum?: number;
  /** Model name; defaults to `${backbone name}_classifier`. */
  name?: string;
}

function assertPositiveInteger(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`createClassifier: ${field} must be a positive integer, got ${value}`);
  }
}

/**
 * DenseNet backbone plus the paper's head: Conv2D 3×3 same ReLU (`top_conv2d`), BatchNormalization,
 * GlobalAveragePooling2D (`top_gap2d`), Dense ReLU, Dropout, Dense sigmoid (`top_pred`): the authors'
 * Keras layer names. One flat model, so the
 * backbone's weights keep their Keras names and `top_conv2d` is directly reachable.
 */
export function createClassifier(options: ClassifierOptions): tf.LayersModel {
  const {
    numOutputs,
    dropoutRate = HEAD_DEFAULTS.dropoutRate,
    headFilters = HEAD_DEFAULTS.headFilters,
    denseUnits = HEAD_DEFAULTS.denseUnits,
  } = options;
  assertPositiveInteger(numOutputs, 'numOutputs');
  assertPositiveInteger(headFilters, 'headFilters');
  assertPositiveInteger(denseUnits, 'denseUnits');
  if (!(dropoutRate >= 0 && dropoutRate < 1)) {
    throw new RangeError(`createClassifier: dropoutRate must be in [0, 1), got ${dropoutRate}`);
  }
  const config = resolveVariant(options.variant);
  assertDenseNetInput(config, options.inputShape);
  const ctx = buildContext(options.seed, options.batchNormMomentum);
  const init = ctx.init;

  const input = tf.input({ shape: validateInputShape(options.inputShape), name: 'input_1' });
  let x = denseNetFeatures(input, config, ctx);
  x = tf.layers
    .conv2d({
      filters: headFilters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(),
      name: HEAD_LAYER_NAMES.conv,
    })
    .apply(x) as tf.SymbolicTensor;
  // TF.js's default epsilon (1e-3) here, as the head has always had.
  x = fusedBatchNormalization({
    axis: -1,
    momentum: ctx.batchNormMomentum,
    name: HEAD_LAYER_NAMES.batchNorm,
  }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .globalAveragePooling2d({ name: HEAD_LAYER_NAMES.pool })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({
      units: denseUnits,
      activation: 'relu',
      kernelInitializer: init(),
      name: HEAD_LAYER_NAMES.dense,
    })
    .apply(x) as tf.SymbolicTensor;
  // No fixed seed (a seeded TF.js dropout draws the same mask on every call): masks follow the
  // caller's withDropoutSeed scope, per training step.
  x = scopedSeedDropout({ rate: dropoutRate, name: HEAD_LAYER_NAMES.dropout }).apply(
    x,
  ) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      units: numOutputs,
      activation: 'sigmoid',
      kernelInitializer: init(),
      name: HEAD_LAYER_NAMES.predictions,
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({
    inputs: input,
    outputs: output,
    name: options.name ?? `${kerasModelName(config)}_classifier`,
  });
}
