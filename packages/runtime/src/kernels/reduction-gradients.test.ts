import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeError, seededValues, useBackend } from '../testing/numerics.js';
import { registerTrainingKernels } from './register-training-kernels.js';

const stockMean = tf.getGradient('Mean');
const stockSum = tf.getGradient('Sum');

/** d/dx of sum(w · reduce(x, axes)), by hand: w at x's reduced position (÷ N for mean). */
function expectedGradient(
  shape: number[],
  axes: number[],
  w: Float32Array,
  mean: boolean,
): Float64Array {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const outStrides = outShape.map((_, i) => outShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const n = axes.reduce((p, a) => p * (shape[a] as number), 1);
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  for (let flat = 0; flat < size; flat++) {
    let o = 0;
    let k = 0;
    shape.forEach((_, i) => {
      const coord = Math.floor(flat / (strides[i] as number)) % (shape[i] as number);
      if (!axes.includes(i)) o += coord * (outStrides[k++] as number);
    });
    out[flat] = (w[o] as number) / (mean ? n : 1);
  }
  return out;
}

const CASES: Array<[number[], number[]]> = [
  [
    [2, 3, 4, 5],
    [0, 1, 2],
  ],
  [
    [4, 3, 1, 7],
    [0, 1, 2],
  ],
  [[3, 5], [1]],
  [[3, 5], [0]],
  [
    [2, 3, 4],
    [0, 2],
  ],
  [[6], [0]],
];

describe('Mean and Sum gradients without host-built ones', () => {
  afterAll(() => useBackend('cpu'));

  it.each(['cpu', 'wasm'] as const)(
    'on %s: match the gradient computed by hand',
    async (backend) => {
      await useBackend(backend);
      const registration = registerTrainingKernels(backend);
      expect(registration.gradients).toEqual(['Mean', 'Sum', 'Relu']);
      expect(tf.getGradient('Mean')).not.toBe(stockMean);
      for (const [shape, axes] of CASES) {
        for (const op of ['mean', 'sum'] as const) {
          for (const keepDims of [false, true]) {
            const size = shape.reduce((a, b) => a * b, 1);
            const x = tf.tensor(seededValues(size, 7), shape);
            const outSize = size / axes.reduce((p, a) => p * (shape[a] as number), 1);
            const wValues = seededValues(outSize, 8);
            const reduced = (t: tf.Tensor) =>
              op === 'mean' ? tf.mean(t, axes, keepDims) : tf.sum(t, axes, keepDims);
            const w = tf.tensor(wValues, reduced(x).shape);
            const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reduced(t), w)))(x);
            expect(g.shape).toEqual(shape);
            const want = expectedGradient(shape, axes, wValues, op === 'mean');
            expect(relativeError(g.dataSync(), want)).toBeLessThan(1e-6);
            tf.dispose([x, w, g]);
          }
        }
      }
    },
  );

  it('negative axes and the default (all axes)', async () => {
    await useBackend('cpu');
    registerTrainingKernels('cpu');
    const x = tf.tensor(seededValues(24, 3), [2, 3, 4]);
    const g1 = tf.grad((t: tf.Tensor) => tf.mean(t, -1).sum())(x);
    expect(relativeError(g1.dataSync(), new Float32Array(24).fill(1 / 4))).toBeLessThan(1e-7);
    const g2 = tf.grad((t: tf.Tensor) => tf.mean(t))(x);
    expect(relativeError(g2.dataSync(), new Float32Array(24).fill(1 / 24))).toBeLessThan(1e-7);
    tf.dispose([x, g1, g2]);
  });

  it('restore() of the last registration puts the stock gradients back', async () => {
    await useBackend('cpu');
    const cpu = registerTrainingKernels('cpu');
    const wasm = registerTrainingKernels('wasm');
    cpu.restore();
    expect(tf.getGradient('Mean')).not.toBe(stockMean);
    wasm.restore();
    expect(tf.getGradient('Mean')).toBe(stockMean);
    expect(tf.getGradient('Sum')).toBe(stockSum);
  });
});
