import { seededValues } from '@cihmlc/internal';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_NORM_TRAINING_KERNELS,
  batchNormTraining,
  batchNormTrainingPath,
} from './batch-norm-training.js';
import { useCpuBackend } from './test-backend.js';

beforeAll(useCpuBackend);

/** Deterministic uniform values in [-1, 1) (mulberry32). */
function values(n: number, seed: number): Float64Array {
  return Float64Array.from(seededValues(n, seed));
}

/**
 * max |got − want| / max |want|, the scale floored at 1 (these gradients are of order 1): where a
 * gradient is zero in exact arithmetic (a single-row batch's dx), float32 noise of ~1e-6 must not
 * count as a relative error of 1.
 */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return diff / Math.max(scale, 1);
}

interface Case {
  shape: number[];
  /** Added to x, to test large means. */
  offset: number;
  epsilon: number;
}

const CASES: Case[] = [
  { shape: [2, 3, 3, 1], offset: 0, epsilon: 1.001e-5 },
  { shape: [3, 5, 7, 4], offset: 2, epsilon: 1e-3 },
  { shape: [1, 1, 1, 3], offset: 0, epsilon: 1e-3 }, // one value per channel: variance 0
  { shape: [5, 2], offset: -1, epsilon: 1.001e-5 },
  { shape: [4, 3, 5], offset: 0, epsilon: 1e-3 },
  { shape: [2, 4, 4, 9], offset: 30, epsilon: 1.001e-5 },
];

/** The inputs of one case as float64 arrays (float32-representable) and as tensors. */
function inputs(c: Case) {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const channels = c.shape[c.shape.length - 1] as number;
  const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  const x = f32(values(n, 1).map((v) => 3 * v + c.offset));
  const gamma = f32(values(channels, 2).map((v) => 1 + 0.5 * v));
  const beta = f32(values(channels, 3));
  const w = f32(values(n, 4)); // loss = Σ w·y, so dL/dy = w
  return {
    x,
    gamma,
    beta,
    w,
    channels,
    tensors: {
      x: tf.tensor(Float32Array.from(x), c.shape),
      gamma: tf.tensor1d(Float32Array.from(gamma)),
      beta: tf.tensor1d(Float32Array.from(beta)),
      w: tf.tensor(Float32Array.from(w), c.shape),
    },
  };
}

/** Σ w·BN(x) in float64, straight from the definition (two-pass mean and biased variance). */
function lossF64(
  x: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  w: Float64Array,
  channels: number,
  epsilon: number,
): number {
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
      const y = (gamma[c] as number) * ((x[i] as number) - mean) * invStd + (beta[c] as number);
      loss += (w[i] as number) * y;
    }
  }
  return loss;
}

/** Central differences of lossF64 with respect to every element of x, gamma and beta. */
function finiteDifferences(c: Case, d: ReturnType<typeof inputs>): Float64Array[] {
  const args = [d.x, d.gamma, d.beta];
  return args.map((arg) => {
    const grad = new Float64Array(arg.length);
    for (let i = 0; i < arg.length; i++) {
      const keep = arg[i] as number;
      const h = 1e-5 * Math.max(1, Math.abs(keep));
      arg[i] = keep + h;
      const up = lossF64(d.x, d.gamma, d.beta, d.w, d.channels, c.epsilon);
      arg[i] = keep - h;
      const down = lossF64(d.x, d.gamma, d.beta, d.w, d.channels, c.epsilon);
      arg[i] = keep;
      grad[i] = (up - down) / (2 * h);
    }
    return grad;
  });
}

type Grads = [Float32Array, Float32Array, Float32Array];

function fusedGrads(c: Case, t: ReturnType<typeof inputs>['tensors']): Grads {
  const f = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
    tf.sum(
      tf.mul(
        batchNormTraining({
          x,
          gamma: gamma as tf.Tensor1D,
          beta: beta as tf.Tensor1D,
          epsilon: c.epsilon,
        }).y,
        t.w,
      ),
    );
  const grads = tf.grads(f)([t.x, t.gamma, t.beta]);
  const out = grads.map((g) => g.dataSync() as Float32Array) as Grads;
  tf.dispose(grads);
  return out;
}

/** tfjs-layers' training path: tf.moments + tf.batchNorm, differentiated by tfjs-core. */
function stockGrads(c: Case, t: ReturnType<typeof inputs>['tensors']): Grads {
  const axes = Array.from({ length: c.shape.length - 1 }, (_, i) => i);
  const f = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, c.epsilon);
    return tf.sum(tf.mul(y, t.w));
  };
  const grads = tf.grads(f)([t.x, t.gamma, t.beta]);
  const out = grads.map((g) => g.dataSync() as Float32Array) as Grads;
  tf.dispose(grads);
  return out;
}

const label = (c: Case) => `[${c.shape.join(',')}] offset ${c.offset} eps ${c.epsilon}`;

describe('batchNormTraining (composite path)', () => {
  it('has no kernels registered by this package', () => {
    expect(batchNormTrainingPath('cpu')).toEqual({
      forward: 'composite',
      grad: 'composite',
      movingAverage: 'composite',
    });
  });

  it.each(CASES)('forward matches float64 statistics and tf.batchNorm: %s', (c) => {
    const d = inputs(c);
    const { y, mean, variance } = batchNormTraining({
      x: d.tensors.x,
      gamma: d.tensors.gamma,
      beta: d.tensors.beta,
      epsilon: c.epsilon,
    });
    const rows = d.x.length / d.channels;
    const wantMean = new Float64Array(d.channels);
    const wantVar = new Float64Array(d.channels);
    for (let i = 0; i < d.x.length; i++) {
      const c = i % d.channels;
      wantMean[c] = (wantMean[c] as number) + (d.x[i] as number) / rows;
    }
    for (let i = 0; i < d.x.length; i++) {
      const c = i % d.channels;
      wantVar[c] =
        (wantVar[c] as number) + ((d.x[i] as number) - (wantMean[c] as number)) ** 2 / rows;
    }
    expect(mean.shape).toEqual([d.channels]);
    expect(y.shape).toEqual(c.shape);
    expect(relErr(mean.dataSync(), wantMean)).toBeLessThan(1e-6);
    // Relative to the largest variance, floored at 1 (single-row batches have variance 0).
    expect(relErr(variance.dataSync(), wantVar)).toBeLessThan(1e-5);
    const yWant = tf.batchNorm(
      d.tensors.x,
      mean,
      variance,
      d.tensors.beta,
      d.tensors.gamma,
      c.epsilon,
    );
    expect(relErr(y.dataSync(), yWant.dataSync())).toBeLessThan(1e-6);
    tf.dispose([y, mean, variance, yWant, ...Object.values(d.tensors)]);
  });

  it.each(CASES)(
    'gradients match tfjs-core’s BN gradient and float64 finite differences: %s',
    (c) => {
      const d = inputs(c);
      const fused = fusedGrads(c, d.tensors);
      const stock = stockGrads(c, d.tensors);
      const fd = finiteDifferences(c, d);
      for (let k = 0; k < 3; k++) {
        expect(
          relErr(fused[k] as Float32Array, stock[k] as Float32Array),
          `${label(c)} arg ${k} vs stock`,
        ).toBeLessThan(2e-5);
        expect(
          relErr(fused[k] as Float32Array, fd[k] as Float64Array),
          `${label(c)} arg ${k} vs fd`,
        ).toBeLessThan(1e-4);
      }
      tf.dispose(Object.values(d.tensors));
    },
  );

  it('leaves no tensors behind but its three outputs', () => {
    const d = inputs(CASES[1] as Case);
    const before = tf.memory().numTensors;
    const out = batchNormTraining({
      x: d.tensors.x,
      gamma: d.tensors.gamma,
      beta: d.tensors.beta,
      epsilon: 1e-3,
    });
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([out.y, out.mean, out.variance]);
    const grads = tf.grads((x: tf.Tensor) =>
      tf.sum(
        batchNormTraining({ x, gamma: d.tensors.gamma, beta: d.tensors.beta, epsilon: 1e-3 }).y,
      ),
    )([d.tensors.x]);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([...grads, ...Object.values(d.tensors)]);
  });

  it('rejects inputs it cannot normalise', () => {
    const x = tf.zeros([2, 3]);
    expect(() =>
      batchNormTraining({
        x,
        gamma: tf.ones([2]) as tf.Tensor1D,
        beta: tf.zeros([3]),
        epsilon: 1e-3,
      }),
    ).toThrow(/gamma must have shape \[3\]/);
    expect(() =>
      batchNormTraining({
        x,
        gamma: tf.ones([2]) as tf.Tensor1D,
        beta: tf.zeros([3]),
        epsilon: 1e-3,
      }),
    ).toThrow(RangeError);
    expect(() =>
      batchNormTraining({
        x: tf.zeros([3]),
        gamma: tf.ones([3]),
        beta: tf.zeros([3]),
        epsilon: 1e-3,
      }),
    ).toThrow(/rank/);
    expect(() =>
      batchNormTraining({
        x: tf.zeros([3]),
        gamma: tf.ones([3]),
        beta: tf.zeros([3]),
        epsilon: 1e-3,
      }),
    ).toThrow(RangeError);
    expect(() =>
      batchNormTraining({ x, gamma: tf.ones([3]), beta: tf.zeros([3]), epsilon: 0 }),
    ).toThrow(/epsilon/);
    expect(() =>
      batchNormTraining({ x, gamma: tf.ones([3]), beta: tf.zeros([3]), epsilon: 0 }),
    ).toThrow(RangeError);
  });
});

describe('batchNormTraining with kernels registered under BATCH_NORM_TRAINING_KERNELS', () => {
  const calls = { forward: 0, grad: 0 };
  const registered: string[] = [];
  afterEach(() => {
    for (const name of registered.splice(0)) tf.unregisterKernel(name, 'cpu');
  });

  /** Test kernels implementing the documented contract with tf ops, counting their calls. */
  function registerTestKernels() {
    tf.registerKernel({
      kernelName: BATCH_NORM_TRAINING_KERNELS.forward,
      backendName: 'cpu',
      kernelFunc: ({ inputs: k, attrs }) => {
        calls.forward++;
        const { x, gamma, beta } = k as Record<string, tf.Tensor>;
        const epsilon = (attrs as { epsilon: number }).epsilon;
        return tf.tidy(() => {
          const axes = Array.from({ length: x!.rank - 1 }, (_, i) => i);
          const { mean, variance } = tf.moments(x!, axes);
          const y = tf.batchNorm(
            x!,
            mean,
            variance,
            beta as tf.Tensor1D,
            gamma as tf.Tensor1D,
            epsilon,
          );
          return [y, mean, variance];
        });
      },
    });
    tf.registerKernel({
      kernelName: BATCH_NORM_TRAINING_KERNELS.grad,
      backendName: 'cpu',
      kernelFunc: ({ inputs: k, attrs }) => {
        calls.grad++;
        const { dy, x, mean, variance, gamma } = k as Record<string, tf.Tensor>;
        const epsilon = (attrs as { epsilon: number }).epsilon;
        return tf.tidy(() => {
          const axes = Array.from({ length: x!.rank - 1 }, (_, i) => i);
          const n = x!.size / gamma!.size;
          const invStd = tf.rsqrt(tf.add(variance!, epsilon));
          const xHat = tf.mul(tf.sub(x!, mean!), invStd);
          const dBeta = tf.sum(dy!, axes);
          const dGamma = tf.sum(tf.mul(dy!, xHat), axes);
          const inner = tf.sub(tf.sub(tf.mul(dy!, n), dBeta), tf.mul(xHat, dGamma));
          const dx = tf.mul(inner, tf.div(tf.mul(gamma!, invStd), n));
          return [dx, dGamma, dBeta];
        });
      },
    });
    registered.push(BATCH_NORM_TRAINING_KERNELS.forward, BATCH_NORM_TRAINING_KERNELS.grad);
  }

  it('runs one forward and one gradient kernel per call, with the same results', () => {
    const c = CASES[1] as Case;
    const d = inputs(c);
    const composite = fusedGrads(c, d.tensors);
    registerTestKernels();
    expect(batchNormTrainingPath()).toMatchObject({ forward: 'kernel', grad: 'kernel' });
    const before = { ...calls };
    const viaKernels = fusedGrads(c, d.tensors);
    expect(calls.forward - before.forward).toBe(1);
    expect(calls.grad - before.grad).toBe(1);
    for (let k = 0; k < 3; k++) {
      expect(relErr(viaKernels[k] as Float32Array, composite[k] as Float32Array)).toBeLessThan(
        1e-5,
      );
    }
    tf.dispose(Object.values(d.tensors));
  });
});
