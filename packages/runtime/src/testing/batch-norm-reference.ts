import { batchNormTraining, movingAverageUpdate } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { seededValues } from './numerics.js';

export const BATCH_NORM_OUTPUTS = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'] as const;

/**
 * One training-mode batch norm over a seeded NHWC activation, on the active backend, through
 * densenet's fused path (`fused`: batchNormTraining and movingAverageUpdate, i.e. this package's
 * kernels where registered) or tfjs's stock ops (tf.moments + tf.batchNorm, tfjs-core's
 * gradients, three ops for the moving average): [y, mean, variance, dx, dgamma, dbeta] of
 * Σ w·f(BN(x)) with f = ReLU when `relu` (its gradient then goes through the Relu override), then
 * the moving variance after one update from 1 when `movingAverage`. Values are read back
 * asynchronously (webgpu-safe).
 */
export async function batchNormOutputs(
  fused: boolean,
  shape: [number, number, number, number],
  options: { offset?: number; relu?: boolean; movingAverage?: boolean } = {},
): Promise<Float32Array[]> {
  const C = shape[3];
  const size = shape.reduce((a, b) => a * b, 1);
  const eps = 1.001e-5;
  const tensors = tf.tidy(() => {
    const x = tf.tensor4d(
      seededValues(size, 31).map((v) => v * 2 + (options.offset ?? 0)),
      shape,
    );
    const w = tf.tensor4d(seededValues(size, 32), shape);
    const g = tf.tensor1d(seededValues(C, 33).map((v) => v + 1.5));
    const b = tf.tensor1d(seededValues(C, 34));
    const forward = (xt: tf.Tensor, gt: tf.Tensor, bt: tf.Tensor) => {
      if (fused)
        return batchNormTraining({
          x: xt,
          gamma: gt as tf.Tensor1D,
          beta: bt as tf.Tensor1D,
          epsilon: eps,
        });
      const { mean, variance } = tf.moments(xt, [0, 1, 2]);
      return { y: tf.batchNorm(xt, mean, variance, bt, gt, eps), mean, variance };
    };
    const stats = forward(x, g, b);
    const grads = tf.grads((xt: tf.Tensor, gt: tf.Tensor, bt: tf.Tensor) => {
      const y = forward(xt, gt, bt).y;
      return tf.sum(tf.mul(options.relu ? tf.relu(y) : y, w));
    })([x, g, b]);
    const out = [stats.y, stats.mean, stats.variance, ...grads];
    if (options.movingAverage) {
      const ones = tf.onesLike(stats.variance);
      out.push(
        fused
          ? movingAverageUpdate({ moving: ones, value: stats.variance, decay: 0.01 })
          : tf.sub(ones, tf.mul(tf.sub(ones, stats.variance), 0.01)),
      );
    }
    return out;
  });
  const values = await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(tensors);
  return values;
}
