import {
  BATCH_NORM_TRAINING_KERNELS,
  batchNormTraining,
  batchNormTrainingPath,
  movingAverageUpdate,
} from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeError, seededValues, useBackend } from '../testing/numerics.js';
import {
  BATCH_NORM_FORWARD_KERNEL,
  BATCH_NORM_GRAD_KERNEL,
  MOVING_AVERAGE_KERNEL,
} from './batch-norm.js';
import { type RegisteredKernels, registerTrainingKernels } from './register-training-kernels.js';

/** Relative error with the scale floored at 1 (the gradients here are of order 1). */
const relErr = (got: ArrayLike<number>, want: ArrayLike<number>) => relativeError(got, want, 1);

interface Case {
  shape: number[];
  offset: number;
  epsilon: number;
}

const CASES: Case[] = [
  { shape: [2, 3, 3, 1], offset: 0, epsilon: 1.001e-5 },
  { shape: [3, 5, 7, 4], offset: 2, epsilon: 1e-3 },
  { shape: [1, 1, 1, 3], offset: 0, epsilon: 1e-3 },
  { shape: [5, 2], offset: -1, epsilon: 1.001e-5 },
  { shape: [1, 7, 3, 5], offset: 0, epsilon: 1.001e-5 },
  { shape: [2, 4, 4, 9], offset: 30, epsilon: 1.001e-5 },
  { shape: [4, 9, 9, 17], offset: -3, epsilon: 1e-3 },
];
const label = (c: Case) => `[${c.shape.join(',')}] offset ${c.offset} eps ${c.epsilon}`;

function data(c: Case) {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const channels = c.shape[c.shape.length - 1] as number;
  const x = seededValues(n, 1, 3).map((v) => v + c.offset);
  const gamma = seededValues(channels, 2, 0.5).map((v) => v + 1);
  const beta = seededValues(channels, 3);
  const w = seededValues(n, 4);
  return { x, gamma, beta, w, channels };
}

/** Σ w·BN(x) in float64 from the definition (two-pass mean, biased variance). */
function lossF64(d: ReturnType<typeof asF64>, epsilon: number): number {
  const { x, gamma, beta, w, channels } = d;
  const rows = x.length / channels;
  let loss = 0;
  for (let c = 0; c < channels; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x[r * channels + c] as number;
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += ((x[r * channels + c] as number) - mean) ** 2;
    variance /= rows;
    const invStd = 1 / Math.sqrt(variance + epsilon);
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      loss +=
        (w[i] as number) *
        ((gamma[c] as number) * ((x[i] as number) - mean) * invStd + (beta[c] as number));
    }
  }
  return loss;
}

function asF64(d: ReturnType<typeof data>) {
  return {
    x: Float64Array.from(d.x),
    gamma: Float64Array.from(d.gamma),
    beta: Float64Array.from(d.beta),
    w: Float64Array.from(d.w),
    channels: d.channels,
  };
}

/** Central differences in float64 of Σ w·BN(x) with respect to x, gamma and beta. */
function finiteDifferences(c: Case, d: ReturnType<typeof data>): Float64Array[] {
  const f = asF64(d);
  return [f.x, f.gamma, f.beta].map((arg) => {
    const grad = new Float64Array(arg.length);
    for (let i = 0; i < arg.length; i++) {
      const keep = arg[i] as number;
      const h = 1e-5 * Math.max(1, Math.abs(keep));
      arg[i] = keep + h;
      const up = lossF64(f, c.epsilon);
      arg[i] = keep - h;
      const down = lossF64(f, c.epsilon);
      arg[i] = keep;
      grad[i] = (up - down) / (2 * h);
    }
    return grad;
  });
}

type Grads = Float32Array[];

function gradsOf(
  c: Case,
  d: ReturnType<typeof data>,
  forward: (x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor,
): Grads {
  return tf.tidy(() => {
    const x = tf.tensor(d.x, c.shape);
    const w = tf.tensor(d.w, c.shape);
    const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(forward(xx, gg as tf.Tensor1D, bb as tf.Tensor1D), w));
    return tf
      .grads(f)([x, tf.tensor1d(d.gamma), tf.tensor1d(d.beta)])
      .map((g) => g.dataSync() as Float32Array);
  });
}

const fused = (c: Case) => (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) =>
  batchNormTraining({ x, gamma: g, beta: b, epsilon: c.epsilon }).y;

/** tfjs-layers' stock training path: tf.moments + tf.batchNorm and tfjs-core's gradients. */
const stock = (c: Case) => (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => {
  const { mean, variance } = tf.moments(
    x,
    Array.from({ length: x.rank - 1 }, (_, i) => i),
  );
  return tf.batchNorm(x, mean, variance, b, g, c.epsilon);
};

it("kernel names agree with @cihmlc/densenet's BATCH_NORM_TRAINING_KERNELS", () => {
  expect(BATCH_NORM_FORWARD_KERNEL).toBe(BATCH_NORM_TRAINING_KERNELS.forward);
  expect(BATCH_NORM_GRAD_KERNEL).toBe(BATCH_NORM_TRAINING_KERNELS.grad);
  expect(MOVING_AVERAGE_KERNEL).toBe(BATCH_NORM_TRAINING_KERNELS.movingAverage);
});

describe.each(['cpu', 'wasm'] as const)('fused batch-norm kernels on %s', (backend) => {
  let registration: RegisteredKernels | undefined;
  afterAll(() => registration?.restore());

  it("are what densenet's batchNormTraining runs once registered", async () => {
    await useBackend(backend);
    expect(batchNormTrainingPath()).toEqual({
      forward: 'composite',
      grad: 'composite',
      movingAverage: 'composite',
    });
    registration = registerTrainingKernels(backend);
    expect(registration.kernels).toEqual(
      expect.arrayContaining([
        BATCH_NORM_FORWARD_KERNEL,
        BATCH_NORM_GRAD_KERNEL,
        MOVING_AVERAGE_KERNEL,
      ]),
    );
    expect(batchNormTrainingPath()).toEqual({
      forward: 'kernel',
      grad: 'kernel',
      movingAverage: 'kernel',
    });
  });

  it('moving average: float32 result of moving − (moving − value)·decay, rejects bad inputs', () => {
    const n = 37;
    const moving = seededValues(n, 5, 4);
    const value = seededValues(n, 6, 4).map((v) => v + 1);
    for (const decay of [0.01, 0.1, 1, 0]) {
      const got = tf.tidy(() =>
        (
          tf
            .engine()
            .runKernel(
              MOVING_AVERAGE_KERNEL,
              { moving: tf.tensor1d(moving), value: tf.tensor1d(value) },
              { decay },
            ) as tf.Tensor
        ).dataSync(),
      );
      // The same float32 steps as the composite tf ops (sub, mul by float32 decay, sub), in JS.
      const f = Math.fround;
      const want = moving.map((m, i) => f(m - f(f(m - (value[i] as number)) * f(decay))));
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    const mismatched = () =>
      tf.engine().runKernel(
        MOVING_AVERAGE_KERNEL,
        { moving: tf.zeros([3]), value: tf.zeros([4]) },
        {
          decay: 0.1,
        },
      );
    expect(mismatched).toThrow(RangeError);
    expect(mismatched).toThrow(/CihmlcMovingAverage: value has shape \[4\], moving has \[3\]/);
    // movingAverageUpdate (densenet) takes the kernel; same values as its composite fallback.
    const composite = tf.tidy(() =>
      tf
        .sub(tf.tensor1d(moving), tf.mul(tf.sub(tf.tensor1d(moving), tf.tensor1d(value)), 0.01))
        .dataSync(),
    );
    const viaKernel = tf.tidy(() =>
      movingAverageUpdate({
        moving: tf.tensor1d(moving),
        value: tf.tensor1d(value),
        decay: 0.01,
      }).dataSync(),
    );
    expect(Array.from(viaKernel)).toEqual(Array.from(composite));
  });

  it.each(CASES)('forward: statistics and output vs float64 %s', (c) => {
    const d = data(c);
    const f = asF64(d);
    const rows = f.x.length / f.channels;
    const out = tf.tidy(() => {
      const [y, mean, variance] = tf
        .engine()
        .runKernel(
          BATCH_NORM_FORWARD_KERNEL,
          { x: tf.tensor(d.x, c.shape), gamma: tf.tensor1d(d.gamma), beta: tf.tensor1d(d.beta) },
          { epsilon: c.epsilon },
        ) as tf.Tensor[];
      expect(y?.shape).toEqual(c.shape);
      return [y, mean, variance].map((t) => (t as tf.Tensor).dataSync());
    });
    const mean = new Float64Array(f.channels);
    const variance = new Float64Array(f.channels);
    f.x.forEach((v, i) => {
      mean[i % f.channels] = (mean[i % f.channels] as number) + v / rows;
    });
    f.x.forEach((v, i) => {
      const k = i % f.channels;
      variance[k] = (variance[k] as number) + (v - (mean[k] as number)) ** 2 / rows;
    });
    const y = f.x.map((v, i) => {
      const k = i % f.channels;
      return (
        ((f.gamma[k] as number) * (v - (mean[k] as number))) /
          Math.sqrt((variance[k] as number) + c.epsilon) +
        (f.beta[k] as number)
      );
    });
    expect(relErr(out[1] as Float32Array, mean), `${label(c)} mean`).toBeLessThan(1e-6);
    expect(relErr(out[2] as Float32Array, variance), `${label(c)} variance`).toBeLessThan(1e-5);
    expect(relErr(out[0] as Float32Array, y), `${label(c)} y`).toBeLessThan(1e-5);
  });

  it.each(CASES)('gradients vs tfjs-core’s BN gradient and float64 finite differences %s', (c) => {
    const d = data(c);
    const got = gradsOf(c, d, fused(c));
    const want = gradsOf(c, d, stock(c));
    const fd = finiteDifferences(c, d);
    for (let k = 0; k < 3; k++) {
      expect(
        relErr(got[k] as Float32Array, want[k] as Float32Array),
        `${label(c)} #${k} stock`,
      ).toBeLessThan(2e-5);
      expect(
        relErr(got[k] as Float32Array, fd[k] as Float64Array),
        `${label(c)} #${k} fd`,
      ).toBeLessThan(1e-4);
    }
  });

  it('leaks no tensors in a training step', () => {
    const c = CASES[1] as Case;
    const d = data(c);
    gradsOf(c, d, fused(c)); // warm-up allocations
    const before = tf.memory().numTensors;
    gradsOf(c, d, fused(c));
    expect(tf.memory().numTensors).toBe(before);
  });
});
