import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from './batch-norm-training.js';
import { movingAverageUpdate } from './moving-average.js';

export type BatchNormalizationArgs = NonNullable<
  Parameters<typeof tf.layers.batchNormalization>[0]
>;
type BatchNormalizationLayer = ReturnType<typeof tf.layers.batchNormalization>;
type Kwargs = Record<string, unknown>;

/** The fields of tfjs-layers' BatchNormalization that its (private) typings hide. */
interface BatchNormalizationState {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/**
 * tfjs-layers' BatchNormalization class, looked up in the serialization registry (where
 * tfjs-layers registers it) rather than by building a throwaway layer, which would advance the
 * auto-naming counter of user models.
 */
function stockBatchNormalization(): new (args?: BatchNormalizationArgs) => BatchNormalizationLayer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization;
  if (entry)
    return entry[0] as unknown as new (
      args?: BatchNormalizationArgs,
    ) => BatchNormalizationLayer;
  return tf.layers.batchNormalization({ name: 'cihmlc_probe' }).constructor as new (
    args?: BatchNormalizationArgs,
  ) => BatchNormalizationLayer;
}

/**
 * tfjs-layers' BatchNormalization with a fused training path: in training mode, over the last
 * axis, with centre and scale (every DenseNet BN), the batch statistics, the normalisation and
 * its gradient go through `batchNormTraining` (one forward and one backward kernel per layer
 * where a backend registers them). Everything else is the stock layer's: the weights gamma,
 * beta, moving_mean and moving_variance, the moving-average update
 * `moving −= (moving − batch) · (1 − momentum)` with the biased batch variance (as one kernel
 * where a backend registers it: `movingAverageUpdate`), inference, other
 * axes, and serialisation: its class name is `BatchNormalization`, so saved models are plain
 * Keras/TF.js BatchNormalization layers (and load as stock layers).
 */
export class FusedBatchNormalization extends stockBatchNormalization() {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const state = this as unknown as BatchNormalizationState;
    const fused =
      kwargs?.training === true &&
      input !== undefined &&
      input.rank >= 2 &&
      input.dtype === 'float32' &&
      (state.axis === -1 || state.axis === input.rank - 1) &&
      state.center &&
      state.scale;
    if (!fused) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining({
        x: input,
        gamma: state.gamma.read() as tf.Tensor1D,
        beta: state.beta.read() as tf.Tensor1D,
        epsilon: state.epsilon,
      });
      const decay = 1 - state.momentum;
      state.movingMean.write(
        movingAverageUpdate({ moving: state.movingMean.read(), value: mean, decay }),
      );
      state.movingVariance.write(
        movingAverageUpdate({ moving: state.movingVariance.read(), value: variance, decay }),
      );
      return y;
    });
  }
}

/** A `FusedBatchNormalization` layer (same arguments as tf.layers.batchNormalization). */
export function fusedBatchNormalization(
  args: BatchNormalizationArgs = {},
): FusedBatchNormalization {
  return new FusedBatchNormalization(args);
}
