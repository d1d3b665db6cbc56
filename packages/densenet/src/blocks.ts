import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormalization } from './fused-batch-normalization.js';
import type { KernelInitializerSource } from './initializers.js';

/** What every layer of one model is built with: kernel initialisers and BN momentum. */
export interface BuildContext {
  init: KernelInitializerSource;
  /** BatchNormalization momentum of the moving statistics (Keras: 0.99). */
  batchNormMomentum: number;
}

/** Keras DenseNet's BatchNormalization epsilon (TF.js's default is 1e-3). */
export const DENSENET_BN_EPSILON = 1.001e-5;

type Tensor = tf.SymbolicTensor;

/** Keras's BatchNormalization momentum (TF.js's default too). */
export const KERAS_BN_MOMENTUM = 0.99;

export function batchNorm(name: string, ctx: BuildContext): tf.layers.Layer {
  return fusedBatchNormalization({
    axis: -1,
    epsilon: DENSENET_BN_EPSILON,
    momentum: ctx.batchNormMomentum,
    name,
  });
}

function relu(name: string): tf.layers.Layer {
  return tf.layers.activation({ activation: 'relu', name });
}

function conv(
  filters: number,
  kernelSize: number,
  name: string,
  ctx: BuildContext,
  options: { strides?: number; padding?: 'valid' | 'same' } = {},
): tf.layers.Layer {
  return tf.layers.conv2d({
    filters,
    kernelSize,
    strides: options.strides ?? 1,
    padding: options.padding ?? 'valid',
    useBias: false,
    kernelInitializer: ctx.init(),
    name,
  });
}

function channelsOf(x: Tensor): number {
  const channels = x.shape[x.shape.length - 1];
  if (typeof channels !== 'number') {
    throw new Error(`DenseNet: tensor ${x.name} has an unknown channel count`);
  }
  return channels;
}

/**
 * Stem: ZeroPadding(3), Conv 7×7/2, BN, ReLU, ZeroPadding(1), MaxPool 3×3/2 (Keras names
 * conv1/conv, conv1/bn, conv1/relu, pool1; the padding layers are unnamed in Keras and get the
 * names Keras would auto-assign in a fresh session).
 */
export function stem(x: Tensor, filters: number, ctx: BuildContext): Tensor {
  x = tf.layers.zeroPadding2d({ padding: 3, name: 'zero_padding2d' }).apply(x) as Tensor;
  x = conv(filters, 7, 'conv1/conv', ctx, { strides: 2 }).apply(x) as Tensor;
  x = batchNorm('conv1/bn', ctx).apply(x) as Tensor;
  x = relu('conv1/relu').apply(x) as Tensor;
  x = tf.layers.zeroPadding2d({ padding: 1, name: 'zero_padding2d_1' }).apply(x) as Tensor;
  return tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }).apply(x) as Tensor;
}

/**
 * One bottleneck layer of a dense block: BN-ReLU-Conv1×1(4·growth)-BN-ReLU-Conv3×3(growth), its
 * output concatenated to its input (names `${name}_0_bn` … `${name}_concat`).
 */
export function convBlock(x: Tensor, growthRate: number, name: string, ctx: BuildContext): Tensor {
  let y = batchNorm(`${name}_0_bn`, ctx).apply(x) as Tensor;
  y = relu(`${name}_0_relu`).apply(y) as Tensor;
  y = conv(4 * growthRate, 1, `${name}_1_conv`, ctx).apply(y) as Tensor;
  y = batchNorm(`${name}_1_bn`, ctx).apply(y) as Tensor;
  y = relu(`${name}_1_relu`).apply(y) as Tensor;
  y = conv(growthRate, 3, `${name}_2_conv`, ctx, { padding: 'same' }).apply(y) as Tensor;
  return tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([x, y]) as Tensor;
}

/** A dense block of `layers` bottleneck layers named `${name}_block1`, `${name}_block2`, … */
export function denseBlock(
  x: Tensor,
  layers: number,
  growthRate: number,
  name: string,
  ctx: BuildContext,
): Tensor {
  for (let i = 1; i <= layers; i++) {
    x = convBlock(x, growthRate, `${name}_block${i}`, ctx);
  }
  return x;
}

/** Transition: BN-ReLU-Conv1×1(floor(channels/2))-AvgPool 2×2/2 (names `${name}_bn` … `${name}_pool`). */
export function transitionBlock(x: Tensor, name: string, ctx: BuildContext): Tensor {
  x = batchNorm(`${name}_bn`, ctx).apply(x) as Tensor;
  x = relu(`${name}_relu`).apply(x) as Tensor;
  // Keras computes int(channels * 0.5): floor for odd channel counts.
  x = conv(Math.floor(channelsOf(x) * 0.5), 1, `${name}_conv`, ctx).apply(x) as Tensor;
  return tf.layers
    .averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` })
    .apply(x) as Tensor;
}

/** Final BN-ReLU after the last dense block (Keras names `bn`, `relu`). */
export function finalNormalization(x: Tensor, ctx: BuildContext): Tensor {
  x = batchNorm('bn', ctx).apply(x) as Tensor;
  return relu('relu').apply(x) as Tensor;
}
