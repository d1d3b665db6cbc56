import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_TRAINING_KERNELS, batchNormTrainingPath } from './batch-norm-training.js';
import { FusedBatchNormalization } from './fused-batch-normalization.js';
import { movingAverageUpdate } from './moving-average.js';
import { useCpuBackend } from './test-backend.js';

beforeAll(useCpuBackend);

const moving = [0.5, -1.25, 3, 100, 1e-3, 0];
const value = [0.25, 2, -3, 101.5, 0, 7];

/** The update in float64, rounded once: what float32 arithmetic must come within an ulp or two of. */
function expected(decay: number): number[] {
  return moving.map((m, i) => m - (m - (value[i] as number)) * decay);
}

function maxRelDiff(got: ArrayLike<number>, want: number[]): number {
  let worst = 0;
  want.forEach((w, i) => {
    worst = Math.max(worst, Math.abs((got[i] as number) - w) / Math.max(Math.abs(w), 1e-3));
  });
  return worst;
}

describe('movingAverageUpdate', () => {
  it('computes moving − (moving − value)·decay (composite path)', () => {
    expect(batchNormTrainingPath().movingAverage).toBe('composite');
    for (const decay of [0.01, 0.1, 0.5, 1, 0]) {
      const out = movingAverageUpdate({
        moving: tf.tensor1d(moving),
        value: tf.tensor1d(value),
        decay,
      });
      expect(out.shape).toEqual([6]);
      expect(maxRelDiff(out.dataSync(), expected(decay))).toBeLessThan(1e-6);
    }
    const out2d = movingAverageUpdate({
      moving: tf.tensor2d(moving, [2, 3]),
      value: tf.tensor2d(value, [2, 3]),
      decay: 0.1,
    });
    expect(out2d.shape).toEqual([2, 3]);
    expect(maxRelDiff(out2d.dataSync(), expected(0.1))).toBeLessThan(1e-6);
  });

  it('rejects mismatched shapes, other dtypes and a non-finite decay, naming what is wrong', () => {
    expect(() =>
      movingAverageUpdate({ moving: tf.zeros([3]), value: tf.zeros([4]), decay: 0.1 }),
    ).toThrow(/value has shape \[4\], moving has \[3\]/);
    expect(() =>
      movingAverageUpdate({ moving: tf.zeros([3]), value: tf.zeros([4]), decay: 0.1 }),
    ).toThrow(RangeError);
    expect(() =>
      movingAverageUpdate({ moving: tf.zeros([3], 'int32'), value: tf.zeros([3]), decay: 0.1 }),
    ).toThrow(/must be float32, got int32/);
    expect(() =>
      movingAverageUpdate({ moving: tf.zeros([3], 'int32'), value: tf.zeros([3]), decay: 0.1 }),
    ).toThrow(TypeError);
    expect(() =>
      movingAverageUpdate({ moving: tf.zeros([3]), value: tf.zeros([3]), decay: Number.NaN }),
    ).toThrow(/decay must be a finite number/);
    expect(() =>
      movingAverageUpdate({ moving: tf.zeros([3]), value: tf.zeros([3]), decay: Number.NaN }),
    ).toThrow(RangeError);
  });
});

describe('movingAverageUpdate with a kernel registered under BATCH_NORM_TRAINING_KERNELS', () => {
  let calls = 0;
  afterEach(() => tf.unregisterKernel(BATCH_NORM_TRAINING_KERNELS.movingAverage, 'cpu'));

  /** A test kernel implementing the documented contract on the host in float64, counting calls. */
  function registerTestKernel() {
    tf.registerKernel({
      kernelName: BATCH_NORM_TRAINING_KERNELS.movingAverage,
      backendName: 'cpu',
      kernelFunc: ({ inputs, attrs, backend }) => {
        calls++;
        const { moving: m, value: v } = inputs as Record<string, tf.TensorInfo>;
        const b = backend as tf.KernelBackend;
        const mv = b.readSync(m!.dataId) as Float32Array;
        const vv = b.readSync(v!.dataId) as Float32Array;
        const decay = (attrs as { decay: number }).decay;
        const out = mv.map((x, i) => x - (x - (vv[i] as number)) * decay);
        return { dataId: b.write(out, m!.shape, 'float32'), shape: m!.shape, dtype: 'float32' };
      },
    });
  }

  it('runs the kernel once per call, with the documented attributes', () => {
    registerTestKernel();
    expect(batchNormTrainingPath().movingAverage).toBe('kernel');
    const before = calls;
    const out = movingAverageUpdate({
      moving: tf.tensor1d(moving),
      value: tf.tensor1d(value),
      decay: 0.01,
    });
    expect(calls - before).toBe(1);
    expect(maxRelDiff(out.dataSync(), expected(0.01))).toBeLessThan(1e-6);
  });

  it('is how FusedBatchNormalization updates both moving statistics, with the same values', () => {
    const shape = [3, 4, 4, 5];
    const x = tf.randomUniform(shape, -2, 3, 'float32', 11);
    const train = () => {
      const layer = new FusedBatchNormalization({ momentum: 0.8, name: 'bn' });
      for (let i = 0; i < 3; i++) layer.apply(x, { training: true });
      return layer
        .getWeights()
        .slice(2)
        .map((w) => w.dataSync());
    };
    const composite = train();
    registerTestKernel();
    const before = calls;
    const viaKernel = train();
    expect(calls - before).toBe(6); // mean and variance, three calls
    viaKernel.forEach((got, k) => {
      expect(maxRelDiff(got, Array.from(composite[k] as Float32Array))).toBeLessThan(1e-6);
    });
  });
});
