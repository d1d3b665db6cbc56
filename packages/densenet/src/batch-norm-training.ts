import { CUSTOM_KERNEL_NAMES } from '@cihmlc/internal';
import * as tf from '@tensorflow/tfjs';

/**
 * Kernel names of the fused training-mode batch normalisation. This package never registers
 * them; a backend package may (e.g. @cihmlc/runtime's registerTrainingKernels for cpu and wasm),
 * and `batchNormTraining` then runs one kernel forward and one backward per layer. Where a name
 * is not registered for the active backend, the same computation runs as composite tf ops.
 *
 * Contract (x is float32, channels last, C = x.shape[rank - 1], N = x.size / C; sums and means
 * run over every axis but the last):
 *
 * - `forward`: inputs `{ x, gamma: [C], beta: [C] }`, attrs `{ epsilon }`; outputs
 *   `[y (x's shape), mean [C], variance [C]]` with `variance` the biased batch variance and
 *   `y = gamma · (x − mean) / sqrt(variance + epsilon) + beta`.
 * - `grad`: inputs `{ dy, x, mean, variance, gamma }`, attrs `{ epsilon }`; outputs
 *   `[dx (x's shape), dgamma [C], dbeta [C]]` with invstd = 1 / sqrt(variance + epsilon),
 *   x̂ = (x − mean) · invstd, dbeta = Σ dy, dgamma = Σ dy·x̂ and
 *   dx = gamma · invstd / N · (N·dy − dbeta − x̂ · dgamma).
 * - `movingAverage`: inputs `{ moving, value }` (float32, same shape), attrs `{ decay }`; output
 *   `moving − (moving − value) · decay` (the moving-statistics update; see `movingAverageUpdate`).
 */
export const BATCH_NORM_TRAINING_KERNELS = {
  forward: CUSTOM_KERNEL_NAMES.batchNormForward,
  grad: CUSTOM_KERNEL_NAMES.batchNormGrad,
  movingAverage: CUSTOM_KERNEL_NAMES.movingAverage,
} as const;

export interface BatchNormTrainingResult {
  /** The normalised, scaled and shifted batch (x's shape). */
  y: tf.Tensor;
  /** Per-channel batch mean, [C] (not differentiable: for the moving averages). */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance, [C] (not differentiable: for the moving averages). */
  variance: tf.Tensor1D;
}

/** How `batchNormTraining` computes each direction on a backend: its kernel, or composite ops. */
export interface BatchNormTrainingPath {
  forward: 'kernel' | 'composite';
  grad: 'kernel' | 'composite';
  movingAverage: 'kernel' | 'composite';
}

export interface BatchNormTrainingInputs {
  /** The batch, channels last (rank ≥ 2, float32). */
  x: tf.Tensor;
  /** Per-channel scale, [C]. */
  gamma: tf.Tensor1D;
  /** Per-channel offset, [C]. */
  beta: tf.Tensor1D;
  /** Added to the variance (> 0). */
  epsilon: number;
}

/** Which path `batchNormTraining` takes on `backend` (default: the active backend). */
export function batchNormTrainingPath(backend: string = tf.getBackend()): BatchNormTrainingPath {
  const has = (name: string) => tf.getKernel(name, backend) !== undefined;
  return {
    forward: has(BATCH_NORM_TRAINING_KERNELS.forward) ? 'kernel' : 'composite',
    grad: has(BATCH_NORM_TRAINING_KERNELS.grad) ? 'kernel' : 'composite',
    movingAverage: has(BATCH_NORM_TRAINING_KERNELS.movingAverage) ? 'kernel' : 'composite',
  };
}

function reductionAxes(rank: number): number[] {
  return Array.from({ length: rank - 1 }, (_, i) => i);
}

function compositeForward(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  // The same ops as tfjs-layers' stock training path, so the composite path matches it exactly.
  const { mean, variance } = tf.moments(x, reductionAxes(x.rank));
  const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
  return [y, mean, variance];
}

function compositeGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor,
  epsilon: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const axes = reductionAxes(x.rank);
  const n = x.size / (x.shape[x.rank - 1] as number);
  const invStd = tf.rsqrt(tf.add(variance, epsilon));
  const xHat = tf.mul(tf.sub(x, mean), invStd);
  const dBeta = tf.sum(dy, axes);
  const dGamma = tf.sum(tf.mul(dy, xHat), axes);
  // dx = gamma·invstd · (dy − Σdy/N − x̂·Σ(dy·x̂)/N)
  const centred = tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(xHat, tf.div(dGamma, n)));
  const dx = tf.mul(centred, tf.mul(gamma, invStd));
  return [dx, dGamma, dBeta];
}

function assertInputs(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): void {
  if (x.rank < 2) throw new RangeError(`batchNormTraining: x must have rank >= 2, got ${x.rank}`);
  const channels = x.shape[x.rank - 1] as number;
  for (const [name, t] of [
    ['x', x],
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t.dtype !== 'float32') {
      throw new TypeError(`batchNormTraining: ${name} must be float32, got ${t.dtype}`);
    }
  }
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t.rank !== 1 || t.shape[0] !== channels) {
      throw new RangeError(
        `batchNormTraining: ${name} must have shape [${channels}], got [${t.shape.join(', ')}]`,
      );
    }
  }
  if (!(epsilon > 0))
    throw new RangeError(`batchNormTraining: epsilon must be > 0, got ${epsilon}`);
}

/**
 * Training-mode batch normalisation over every axis but the last (channels-last), as one
 * differentiable op: `y = gamma · (x − mean) / sqrt(variance + epsilon) + beta` with the batch's
 * own mean and biased variance, which are returned too (for the moving averages). The gradient
 * is the closed form (see BATCH_NORM_TRAINING_KERNELS) with respect to x, gamma and beta, as one
 * kernel when the active backend registers it, else as composite ops. Same result as
 * tf.moments + tf.batchNorm and their gradients, in far fewer kernels.
 *
 * `mean` and `variance` belong to the caller's scope like any op output.
 */
export function batchNormTraining({
  x,
  gamma,
  beta,
  epsilon,
}: BatchNormTrainingInputs): BatchNormTrainingResult {
  assertInputs(x, gamma, beta, epsilon);
  const path = batchNormTrainingPath();
  const { forward, grad } = BATCH_NORM_TRAINING_KERNELS;
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] =
      path.forward === 'kernel'
        ? (tf
            .engine()
            .runKernel(forward, { x: xIn, gamma: gammaIn, beta: betaIn }, { epsilon }) as [
            tf.Tensor,
            tf.Tensor,
            tf.Tensor,
          ])
        : compositeForward(xIn, gammaIn, betaIn, epsilon);
    save([xIn, gammaIn, mean, variance]);
    // customGrad's value is one tensor; the statistics leave its scope kept, and are handed to
    // the caller's scope below.
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sGamma, sMean, sVariance] = saved as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        if (path.grad === 'kernel') {
          return tf
            .engine()
            .runKernel(
              grad,
              { dy, x: sx, mean: sMean, variance: sVariance, gamma: sGamma },
              { epsilon },
            ) as tf.Tensor[];
        }
        return compositeGrad(dy, sx, sMean, sVariance, sGamma, epsilon);
      },
    };
  });
  const y = op(x, gamma, beta);
  const [keptMean, keptVariance] = stats as [tf.Tensor1D, tf.Tensor1D];
  // Identity shares the data: these two are tracked by the caller's scope, the kept ones go.
  const mean = tf.clone(keptMean);
  const variance = tf.clone(keptVariance);
  keptMean.dispose();
  keptVariance.dispose();
  return { y, mean, variance };
}
