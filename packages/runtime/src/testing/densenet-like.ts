import { fusedBatchNormalization, scopedSeedDropout } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';

/**
 * DenseNet-style classifier built from tf.layers, used by this package's tests and benchmarks
 * as a stand-in for @cihmlc/densenet (same building blocks: BN epsilon 1.001e-5, convolutions
 * without bias, bottleneck layers + concatenation, transitions with average pooling).
 * Not exported from the package.
 */
export interface DenseNetLikeConfig {
  inputSize: number;
  inputChannels: number;
  classes: number;
  growthRate: number;
  /** Bottleneck layers per dense block. */
  blocks: number[];
  stemFilters: number;
  /** Bottleneck width = bottleneckFactor * growthRate (DenseNet: 4). */
  bottleneckFactor: number;
  compression: number;
  /** Filters of the 3x3 conv head before global pooling; 0 = BN + ReLU only (DenseNet-121). */
  headFilters: number;
  dropout: number;
  /** tfjs-layers' own BatchNormalization instead of @cihmlc/densenet's fused one. */
  stockBatchNorm?: boolean;
}

/** The small model: ~0.1M parameters, sized for the trainer's CPU default run. */
export const SMALL_DENSENET: DenseNetLikeConfig = {
  inputSize: 64,
  inputChannels: 3,
  classes: 14,
  growthRate: 12,
  blocks: [4, 4, 4],
  stemFilters: 24,
  bottleneckFactor: 4,
  compression: 0.5,
  headFilters: 64,
  dropout: 0.2,
};

/** DenseNet-121 (Keras / torchvision topology). */
export const DENSENET_121: DenseNetLikeConfig = {
  inputSize: 224,
  inputChannels: 3,
  classes: 14,
  growthRate: 32,
  blocks: [6, 12, 24, 16],
  stemFilters: 64,
  bottleneckFactor: 4,
  compression: 0.5,
  headFilters: 0,
  dropout: 0,
};

const BN_EPSILON = 1.001e-5;

function bnRelu(x: tf.SymbolicTensor, c: DenseNetLikeConfig, name: string): tf.SymbolicTensor {
  const args = { epsilon: BN_EPSILON, name: `${name}_bn` };
  const layer = c.stockBatchNorm
    ? tf.layers.batchNormalization(args)
    : fusedBatchNormalization(args);
  const bn = layer.apply(x);
  return tf.layers
    .activation({ activation: 'relu', name: `${name}_relu` })
    .apply(bn) as tf.SymbolicTensor;
}

function conv(
  x: tf.SymbolicTensor,
  filters: number,
  kernelSize: number,
  name: string,
  strides = 1,
) {
  return tf.layers
    .conv2d({
      filters,
      kernelSize,
      strides,
      padding: kernelSize > 1 ? 'same' : 'valid',
      useBias: false,
      name,
    })
    .apply(x) as tf.SymbolicTensor;
}

/** BN-ReLU-Conv1x1 (bottleneck) then BN-ReLU-Conv3x3 (growth), concatenated to the input. */
function bottleneckLayer(x: tf.SymbolicTensor, c: DenseNetLikeConfig, name: string) {
  let y = bnRelu(x, c, `${name}_0`);
  y = conv(y, c.bottleneckFactor * c.growthRate, 1, `${name}_1_conv`);
  y = bnRelu(y, c, `${name}_1`);
  y = conv(y, c.growthRate, 3, `${name}_2_conv`);
  return tf.layers
    .concatenate({ axis: -1, name: `${name}_concat` })
    .apply([x, y]) as tf.SymbolicTensor;
}

/** BN-ReLU-Conv1x1 (compression) then 2x2 average pooling. */
function transition(x: tf.SymbolicTensor, c: DenseNetLikeConfig, name: string) {
  const channels = x.shape[3] as number;
  let y = bnRelu(x, c, name);
  y = conv(y, Math.floor(channels * c.compression), 1, `${name}_conv`);
  return tf.layers
    .averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` })
    .apply(y) as tf.SymbolicTensor;
}

export function buildDenseNetLike(c: DenseNetLikeConfig): tf.LayersModel {
  const input = tf.input({ shape: [c.inputSize, c.inputSize, c.inputChannels] });
  let x = conv(input, c.stemFilters, 7, 'conv1_conv', 2);
  x = bnRelu(x, c, 'conv1');
  x = tf.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'pool1' })
    .apply(x) as tf.SymbolicTensor;
  c.blocks.forEach((layers, b) => {
    for (let i = 0; i < layers; i++) x = bottleneckLayer(x, c, `conv${b + 2}_block${i + 1}`);
    if (b < c.blocks.length - 1) x = transition(x, c, `pool${b + 2}`);
  });
  if (c.headFilters > 0) {
    x = bnRelu(x, c, 'head_pre');
    x = conv(x, c.headFilters, 3, 'head_conv');
  }
  x = bnRelu(x, c, 'final');
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  if (c.dropout > 0)
    x = scopedSeedDropout({ rate: c.dropout, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: c.classes, activation: 'sigmoid', name: 'predictions' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'densenet_like' });
}

/**
 * The benchmarks' training step as a function of the batch (what captureTrainingStep records):
 * forward in training mode, sigmoid cross-entropy against `y`, backward and the optimizer's
 * update; returns the loss tensor.
 */
export function trainingStepFn(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
): (x: tf.Tensor, y: tf.Tensor) => tf.Scalar {
  return (x, y) =>
    optimizer.minimize(
      () =>
        tf.losses.sigmoidCrossEntropy(
          y,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      true,
    ) as tf.Scalar;
}

/**
 * One training step of the benchmarks (`trainingStepFn`); returns the loss (read back
 * asynchronously, as webgpu needs).
 */
export async function trainingStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
  timing?: StepTiming,
): Promise<number> {
  const t0 = performance.now();
  const loss = trainingStepFn(model, optimizer)(x, y);
  const t1 = performance.now();
  const value = (await loss.data())[0] as number;
  loss.dispose();
  if (timing) {
    timing.encodeMs = t1 - t0;
    timing.readMs = performance.now() - t1;
  }
  return value;
}

/**
 * Where a step's wall time went: running the step's JavaScript (on webgpu: recording and
 * submitting the GPU work) and then waiting for the loss to come back (the GPU finishing).
 */
export interface StepTiming {
  encodeMs: number;
  readMs: number;
}
