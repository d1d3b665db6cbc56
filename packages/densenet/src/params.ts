import type * as tf from '@tensorflow/tfjs';

/** Parameter counts as Keras's model.summary() reports them. */
export interface ParamCounts {
  total: number;
  trainable: number;
  /** BatchNormalization moving means and variances. */
  nonTrainable: number;
}

function sizeOf(weights: readonly tf.LayerVariable[]): number {
  return weights.reduce((sum, w) => sum + w.shape.reduce((n: number, d) => n * (d ?? 0), 1), 0);
}

export function countParams(model: tf.LayersModel): ParamCounts {
  const trainable = sizeOf(model.trainableWeights);
  const nonTrainable = sizeOf(model.nonTrainableWeights);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}
