import * as tf from '@tensorflow/tfjs';
import {
  type BuildContext,
  denseBlock,
  finalNormalization,
  KERAS_BN_MOMENTUM,
  stem,
  transitionBlock,
} from './blocks.js';
import { glorotUniformSource } from './initializers.js';
import {
  type DenseNetConfig,
  type DenseNetVariant,
  kerasModelName,
  resolveVariant,
} from './variants.js';

/** Image input shape, channels last: [height, width, channels]. */
export type ImageShape = readonly [height: number, width: number, channels: number];

export interface DenseNetOptions {
  variant: DenseNetVariant;
  inputShape: ImageShape;
  /** Model name; defaults to Keras's (densenet121/169/201, else densenet). */
  name?: string;
  /** Seed for the Glorot-uniform kernels; omit for unseeded random initialisation. */
  seed?: number;
  /**
   * Momentum of every BatchNormalization's moving statistics (default 0.99, Keras's). Short
   * trainings of small models (hundreds of steps) track the weights better with e.g. 0.9.
   */
  batchNormMomentum?: number;
}

/** Validates the momentum option and bundles what every layer is built with. */
export function buildContext(
  seed: number | undefined,
  batchNormMomentum: number | undefined,
): BuildContext {
  const momentum = batchNormMomentum ?? KERAS_BN_MOMENTUM;
  if (!(momentum >= 0 && momentum < 1)) {
    throw new RangeError(`DenseNet: batchNormMomentum must be in [0, 1), got ${momentum}`);
  }
  return { init: glorotUniformSource(seed), batchNormMomentum: momentum };
}

/** Validates [height, width, channels] and returns it as a mutable array. */
export function validateInputShape(inputShape: unknown): [number, number, number] {
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 3 ||
    !inputShape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
  ) {
    throw new RangeError(
      `DenseNet: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`,
    );
  }
  return [inputShape[0], inputShape[1], inputShape[2]];
}

/** Spatial size after the stem and every transition, or the stage at which it would vanish. */
function finalSpatialSize(size: number, transitions: number): number {
  size = Math.floor((size + 6 - 7) / 2) + 1; // ZeroPadding(3) + Conv 7×7/2
  size = Math.floor((size + 2 - 3) / 2) + 1; // ZeroPadding(1) + MaxPool 3×3/2
  for (let i = 0; i < transitions; i++) {
    size = Math.floor(size / 2); // AvgPool 2×2/2, valid
  }
  return size;
}

function assertInputLargeEnough(shape: [number, number, number], config: DenseNetConfig): void {
  const transitions = config.blocks.length - 1;
  for (const [axis, size] of [
    ['height', shape[0]],
    ['width', shape[1]],
  ] as const) {
    if (finalSpatialSize(size, transitions) < 1) {
      throw new RangeError(
        `DenseNet: inputShape ${axis} ${size} is too small for ${config.blocks.length} dense blocks (the stem divides by 4 and each of the ${transitions} transitions by 2)`,
      );
    }
  }
}

/**
 * Wires the DenseNet backbone onto `input` and returns its last feature map (after the final
 * BN-ReLU): the Keras applications graph with include_top=False, layer for layer.
 */
export function denseNetFeatures(
  input: tf.SymbolicTensor,
  config: DenseNetConfig,
  ctx: BuildContext,
): tf.SymbolicTensor {
  let x = stem(input, config.initialFilters, ctx);
  config.blocks.forEach((layers, i) => {
    // Keras numbers stages from 2: dense blocks conv2, conv3, …; transitions pool2, pool3, …
    x = denseBlock(x, layers, config.growthRate, `conv${i + 2}`, ctx);
    if (i < config.blocks.length - 1) {
      x = transitionBlock(x, `pool${i + 2}`, ctx);
    }
  });
  return finalNormalization(x, ctx);
}

/** Creates the DenseNet backbone without top, like `keras.applications.DenseNet121(include_top=False)`. */
export function createDenseNet(options: DenseNetOptions): tf.LayersModel {
  const config = resolveVariant(options.variant);
  const inputShape = validateInputShape(options.inputShape);
  assertInputLargeEnough(inputShape, config);
  const input = tf.input({ shape: inputShape, name: 'input_1' });
  const output = denseNetFeatures(
    input,
    config,
    buildContext(options.seed, options.batchNormMomentum),
  );
  return tf.model({ inputs: input, outputs: output, name: options.name ?? kerasModelName(config) });
}

/** Checks that a configuration accepts an input shape, without building anything. */
export function assertDenseNetInput(variant: DenseNetVariant, inputShape: ImageShape): void {
  assertInputLargeEnough(validateInputShape(inputShape), resolveVariant(variant));
}
