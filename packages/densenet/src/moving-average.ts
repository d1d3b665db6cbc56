import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAINING_KERNELS, batchNormTrainingPath } from './batch-norm-training.js';

export interface MovingAverageUpdateInputs {
  /** The moving statistic (float32). */
  moving: tf.Tensor;
  /** This batch's statistic (float32, moving's shape). */
  value: tf.Tensor;
  /** 1 − momentum. */
  decay: number;
}

/**
 * The batch-norm moving-statistics update `moving − (moving − value) · decay` (Keras's, with
 * decay = 1 − momentum), as one kernel where the active backend registers
 * BATCH_NORM_TRAINING_KERNELS.movingAverage, else as the three tf ops tfjs-layers uses. The
 * kernel is not a gradient op: inside a gradient tape the composite ops would each save their
 * inputs (a clone per input) and, on webgpu, upload `decay` as a new scalar buffer — per layer,
 * twice, every step (DenseNet-121: 726 kernels, 1,452 clones and 242 uploads per step).
 *
 * `moving` and `value` are float32 tensors of one shape; the result is a new tensor (assign it
 * to the moving variable).
 */
export function movingAverageUpdate({
  moving,
  value,
  decay,
}: MovingAverageUpdateInputs): tf.Tensor {
  if (moving.dtype !== 'float32' || value.dtype !== 'float32') {
    throw new TypeError(
      `movingAverageUpdate: moving and value must be float32, got ${moving.dtype} and ${value.dtype}`,
    );
  }
  if (moving.shape.join(',') !== value.shape.join(',')) {
    throw new RangeError(
      `movingAverageUpdate: value has shape [${value.shape.join(', ')}], moving has [${moving.shape.join(', ')}]`,
    );
  }
  if (!Number.isFinite(decay)) {
    throw new RangeError(`movingAverageUpdate: decay must be a finite number, got ${decay}`);
  }
  if (batchNormTrainingPath().movingAverage === 'kernel') {
    return tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAINING_KERNELS.movingAverage,
        { moving, value },
        { decay },
      ) as tf.Tensor;
  }
  return tf.tidy(() => tf.sub(moving, tf.mul(tf.sub(moving, value), decay)));
}
