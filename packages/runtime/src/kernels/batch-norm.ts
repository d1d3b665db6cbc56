import type * as tf from '@tensorflow/tfjs';
import type { BackendOps } from './backend-ops.js';

/**
 * Kernel names of the fused training-mode batch normalisation that @cihmlc/densenet's
 * `batchNormTraining` runs when the active backend registers them (its
 * BATCH_NORM_TRAINING_KERNELS; this package's tests check that the names agree). Inputs,
 * attributes and outputs are documented there; in short, over every axis but the last:
 * forward `{x, gamma, beta}, {epsilon}` → `[y, mean, variance (biased)]`, and grad
 * `{dy, x, mean, variance, gamma}, {epsilon}` → `[dx, dgamma, dbeta]`.
 */
export const BATCH_NORM_FORWARD_KERNEL = 'CihmlcBatchNormForward';
export const BATCH_NORM_GRAD_KERNEL = 'CihmlcBatchNormGrad';

function channelsAndRows(x: tf.TensorInfo, kernel: string): [channels: number, rows: number] {
  if (x.shape.length < 2) throw new Error(`${kernel}: x must have rank >= 2`);
  if (x.dtype !== 'float32') throw new Error(`${kernel}: x must be float32, got ${x.dtype}`);
  const channels = x.shape[x.shape.length - 1] as number;
  const size = x.shape.reduce((a, b) => a * b, 1);
  return [channels, channels === 0 ? 0 : size / channels];
}

function assertChannelVector(t: tf.TensorInfo, name: string, channels: number, kernel: string) {
  if (t.dtype !== 'float32' || t.shape.length !== 1 || t.shape[0] !== channels) {
    throw new Error(
      `${kernel}: ${name} must be float32 [${channels}], got ${t.dtype} [${t.shape}]`,
    );
  }
}

/**
 * Forward pass on cpu / wasm memory: two sweeps over x (per-channel sums in float64 around a
 * per-channel shift, then y = x·scale + offset). Returns [y, mean, variance].
 */
export function batchNormForwardOnHost(
  ops: BackendOps,
  inputs: { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo },
  epsilon: number,
): tf.TensorInfo[] {
  const kernel = BATCH_NORM_FORWARD_KERNEL;
  const { x, gamma, beta } = inputs;
  const [C, rows] = channelsAndRows(x, kernel);
  assertChannelVector(gamma, 'gamma', C, kernel);
  assertChannelVector(beta, 'beta', C, kernel);
  const yInfo = ops.allocateHost([...x.shape]);
  const meanInfo = ops.allocateHost([C]);
  const varianceInfo = ops.allocateHost([C]);
  // Views only after every allocation: a wasm allocation may move the heap.
  const xv = ops.hostView(x);
  const yv = ops.hostView(yInfo);
  const meanV = ops.hostView(meanInfo);
  const varianceV = ops.hostView(varianceInfo);
  const gammaV = ops.hostView(gamma);
  const betaV = ops.hostView(beta);

  // Shifting by the first row keeps E[d²] − E[d]² accurate when |mean| ≫ std.
  const shift = new Float64Array(C);
  const sum = new Float64Array(C);
  const sumSq = new Float64Array(C);
  if (rows > 0) for (let c = 0; c < C; c++) shift[c] = xv[c] as number;
  for (let r = 0, base = 0; r < rows; r++, base += C) {
    for (let c = 0; c < C; c++) {
      const d = (xv[base + c] as number) - (shift[c] as number);
      sum[c] = (sum[c] as number) + d;
      sumSq[c] = (sumSq[c] as number) + d * d;
    }
  }
  const scale = new Float64Array(C);
  const offset = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const m = rows > 0 ? (sum[c] as number) / rows : 0;
    const variance = rows > 0 ? Math.max(0, (sumSq[c] as number) / rows - m * m) : 0;
    const mean = (shift[c] as number) + m;
    meanV[c] = mean;
    varianceV[c] = variance;
    const s = (gammaV[c] as number) / Math.sqrt(variance + epsilon);
    scale[c] = s;
    offset[c] = (betaV[c] as number) - mean * s;
  }
  for (let r = 0, base = 0; r < rows; r++, base += C) {
    for (let c = 0; c < C; c++) {
      const i = base + c;
      yv[i] = (xv[i] as number) * (scale[c] as number) + (offset[c] as number);
    }
  }
  return [yInfo, meanInfo, varianceInfo];
}

/**
 * Backward pass on cpu / wasm memory: one sweep for Σdy and Σdy·(x − mean) per channel, one for
 * dx = a·dy + b·x + k with per-channel a, b, k from the closed form. Returns [dx, dgamma, dbeta].
 */
export function batchNormGradOnHost(
  ops: BackendOps,
  inputs: {
    dy: tf.TensorInfo;
    x: tf.TensorInfo;
    mean: tf.TensorInfo;
    variance: tf.TensorInfo;
    gamma: tf.TensorInfo;
  },
  epsilon: number,
): tf.TensorInfo[] {
  const kernel = BATCH_NORM_GRAD_KERNEL;
  const { dy, x, mean, variance, gamma } = inputs;
  const [C, rows] = channelsAndRows(x, kernel);
  if (dy.dtype !== 'float32' || dy.shape.join() !== x.shape.join()) {
    throw new Error(`${kernel}: dy must be float32 [${x.shape}], got ${dy.dtype} [${dy.shape}]`);
  }
  assertChannelVector(mean, 'mean', C, kernel);
  assertChannelVector(variance, 'variance', C, kernel);
  assertChannelVector(gamma, 'gamma', C, kernel);
  const dxInfo = ops.allocateHost([...x.shape]);
  const dGammaInfo = ops.allocateHost([C]);
  const dBetaInfo = ops.allocateHost([C]);
  const xv = ops.hostView(x);
  const dyv = ops.hostView(dy);
  const dxv = ops.hostView(dxInfo);
  const dGammaV = ops.hostView(dGammaInfo);
  const dBetaV = ops.hostView(dBetaInfo);
  const meanV = ops.hostView(mean);
  const varianceV = ops.hostView(variance);
  const gammaV = ops.hostView(gamma);

  const m = new Float64Array(C);
  for (let c = 0; c < C; c++) m[c] = meanV[c] as number;
  const sumDy = new Float64Array(C);
  const sumDyX = new Float64Array(C);
  for (let r = 0, base = 0; r < rows; r++, base += C) {
    for (let c = 0; c < C; c++) {
      const g = dyv[base + c] as number;
      sumDy[c] = (sumDy[c] as number) + g;
      sumDyX[c] = (sumDyX[c] as number) + g * ((xv[base + c] as number) - (m[c] as number));
    }
  }
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  const k = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const invStd = 1 / Math.sqrt((varianceV[c] as number) + epsilon);
    const dBeta = sumDy[c] as number;
    const dGamma = (sumDyX[c] as number) * invStd;
    dBetaV[c] = dBeta;
    dGammaV[c] = dGamma;
    // dx = γ·invstd·(dy − Σdy/N − x̂·Σ(dy·x̂)/N), x̂ = (x − mean)·invstd
    const ac = (gammaV[c] as number) * invStd;
    const bc = rows > 0 ? (-ac * invStd * dGamma) / rows : 0;
    a[c] = ac;
    b[c] = bc;
    k[c] = (rows > 0 ? (-ac * dBeta) / rows : 0) - bc * (m[c] as number);
  }
  for (let r = 0, base = 0; r < rows; r++, base += C) {
    for (let c = 0; c < C; c++) {
      const i = base + c;
      dxv[i] =
        (a[c] as number) * (dyv[i] as number) +
        (b[c] as number) * (xv[i] as number) +
        (k[c] as number);
    }
  }
  return [dxInfo, dGammaInfo, dBetaInfo];
}
