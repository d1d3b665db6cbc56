import type * as tf from '@tensorflow/tfjs';

/** What `selectBackend({ backend: 'auto' })` weighs when it chooses between tensorflow and wasm. */
export interface TrainingWorkload {
  /**
   * Multiply-add FLOPs of one training step (forward + backward ≈ 3 × forward) of the
   * convolution and dense layers for the whole batch; `estimateTrainingFlops` computes it.
   */
  flopsPerStep: number;
}

function product(dims: readonly (number | null)[]): number {
  return dims.reduce<number>((n, d) => n * (d ?? 1), 1);
}

/** The layer's (first) output shape without the batch dimension. */
function outputDims(layer: tf.layers.Layer): (number | null)[] {
  const shape = layer.outputShape as (number | null)[] | (number | null)[][];
  const first = Array.isArray(shape[0])
    ? (shape[0] as (number | null)[])
    : (shape as (number | null)[]);
  return first.slice(1);
}

/** Forward multiply-add FLOPs per example of one layer (convolutions and dense layers; 0 otherwise). */
function forwardFlops(layer: tf.layers.Layer): number {
  const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (Array.isArray(nested)) return nested.reduce((n, l) => n + forwardFlops(l), 0);
  const kernel = layer.getWeights(false)[0];
  if (!kernel) return 0;
  const out = outputDims(layer);
  switch (layer.getClassName()) {
    case 'Conv2D':
    case 'DepthwiseConv2D': // kernel [kh, kw, in, out or multiplier]: every output pixel uses it all
      return 2 * product(out.slice(0, -1)) * product(kernel.shape);
    case 'Conv2DTranspose':
    case 'SeparableConv2D':
    case 'Conv1D':
      return 2 * product(out) * product(kernel.shape.slice(0, -1));
    case 'Dense': // kernel [in, units], applied at every leading position
      return 2 * product(out.slice(0, -1)) * product(kernel.shape);
    default:
      return 0;
  }
}

/**
 * Estimates a training step's FLOPs from a built model (layer shapes only; no tensors are
 * created): 3 × the forward multiply-adds of its convolutions and dense layers × `batchSize`.
 * Pass the result as `selectBackend({ workload })`. Element-wise layers (batch norm,
 * activations, pooling) are not counted; they scale with the same activations.
 */
export function estimateTrainingFlops(model: tf.LayersModel, batchSize: number): TrainingWorkload {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(
      `estimateTrainingFlops: batchSize must be a positive integer; got ${batchSize}`,
    );
  }
  const forward = model.layers.reduce((n, layer) => n + forwardFlops(layer), 0);
  return { flopsPerStep: 3 * forward * batchSize };
}
