import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { seededValues, useBackend } from '../testing/numerics.js';
import { registerTrainingKernels } from './register-training-kernels.js';
import { RELU_GRAD_KERNEL } from './relu-gradient.js';

const stockRelu = tf.getGradient('Relu');

// Special values: positive, negative, both zeros, NaN, infinities (in x and in dy).
const X = [1.5, -2, 0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3, -4];
const DY = [0.25, -0.5, 3, -1, 2, -7, 5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

/** dy · step(x) by its definition: step is 1 for x > 0, 0 for x ≤ 0, NaN for NaN. */
function expected(x: ArrayLike<number>, dy: ArrayLike<number>): number[] {
  return Array.from(x, (xi, i) => {
    const s = Number.isNaN(xi) ? Number.NaN : xi > 0 ? 1 : 0;
    return Math.fround((dy[i] as number) * s);
  });
}

describe("Relu's gradient as one kernel", () => {
  afterAll(() => useBackend('cpu'));

  it.each(['cpu', 'wasm'] as const)(
    'on %s: the kernel is dy·step(x), special values included',
    async (backend) => {
      await useBackend(backend);
      registerTrainingKernels(backend);
      const out = tf
        .engine()
        .runKernel(RELU_GRAD_KERNEL, { dy: tf.tensor1d(DY), x: tf.tensor1d(X) }) as tf.Tensor;
      // toEqual tells −0 from 0 and matches NaN with NaN.
      expect(Array.from(out.dataSync())).toEqual(expected(X, DY));
      const mismatched = () =>
        tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: tf.zeros([2]), x: tf.zeros([3]) });
      expect(mismatched).toThrow(RangeError);
      expect(mismatched).toThrow(/CihmlcReluGrad: dy has shape \[2\], x has \[3\]/);
    },
  );

  it.each(['cpu', 'wasm'] as const)(
    'on %s: tf.grad of relu takes it, with the values of tfjs-core’s gradient',
    async (backend) => {
      await useBackend(backend);
      const registration = registerTrainingKernels(backend);
      expect(registration.gradients).toContain('Relu');
      expect(tf.getGradient('Relu')).not.toBe(stockRelu);
      const xv = seededValues(2 * 5 * 5 * 3, 9, 2);
      const wv = seededValues(xv.length, 10);
      const x = tf.tensor4d(xv, [2, 5, 5, 3]);
      const w = tf.tensor4d(wv, [2, 5, 5, 3]);
      const loss = (t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w));
      let calls = 0;
      const kernel = tf.getKernel(RELU_GRAD_KERNEL, backend) as tf.KernelConfig;
      tf.unregisterKernel(RELU_GRAD_KERNEL, backend);
      tf.registerKernel({
        ...kernel,
        kernelFunc: (a) => {
          calls++;
          return kernel.kernelFunc(a);
        },
      });
      const g = tf.grad(loss)(x);
      tf.unregisterKernel(RELU_GRAD_KERNEL, backend);
      tf.registerKernel(kernel);
      expect(calls).toBe(1);
      expect(Array.from(g.dataSync())).toEqual(expected(xv, wv));
      // int32 relu keeps tfjs-core's formula (the kernel is float32 only).
      const gi = tf.grad((t: tf.Tensor) => tf.sum(tf.relu(tf.cast(t, 'int32'))))(x);
      expect(gi.shape).toEqual(x.shape);
      tf.dispose([x, w, g, gi]);
    },
  );
});
