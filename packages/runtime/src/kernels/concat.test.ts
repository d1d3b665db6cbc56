import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { seededValues, useBackend } from '../testing/numerics.js';
import { type RegisteredKernels, registerTrainingKernels } from './register-training-kernels.js';

const CASES: Array<{ shapes: number[][]; axis: number }> = [
  {
    shapes: [
      [4, 8, 8, 16],
      [4, 8, 8, 8],
    ],
    axis: -1,
  }, // DenseNet bottleneck concat
  {
    shapes: [
      [4, 8, 8, 16],
      [4, 8, 8, 8],
    ],
    axis: 3,
  },
  {
    shapes: [
      [2, 3, 5, 1],
      [2, 3, 5, 2],
      [2, 3, 5, 3],
    ],
    axis: 3,
  },
  {
    shapes: [
      [3, 2, 4],
      [3, 5, 4],
    ],
    axis: 1,
  },
  {
    shapes: [
      [2, 7],
      [3, 7],
    ],
    axis: 0,
  },
  {
    shapes: [
      [2, 3, 300],
      [2, 3, 10],
    ],
    axis: 2,
  }, // large block: stock kernel
  {
    shapes: [
      [2, 0, 3],
      [2, 4, 3],
    ],
    axis: 1,
  }, // empty input: stock kernel
];

function values(shapes: number[][]): Float32Array[] {
  return shapes.map((s, i) =>
    seededValues(
      s.reduce((a, b) => a * b, 1),
      40 + i,
    ),
  );
}

/** Independent reference: concatenation from the definition, on flat arrays. */
function naiveConcat(vals: Float32Array[], shapes: number[][], axis: number): Float32Array {
  const rank = (shapes[0] as number[]).length;
  const ax = axis < 0 ? axis + rank : axis;
  const outer = (shapes[0] as number[]).slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = shapes.map((s) => s.slice(ax).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    vals.forEach((v, k) => {
      const n = inner[k] as number;
      for (let j = 0; j < n; j++) out.push(v[o * n + j] as number);
    });
  }
  return Float32Array.from(out);
}

describe('Concat on wasm with the registered kernel', () => {
  let registration: RegisteredKernels | undefined;
  afterAll(() => registration?.restore());

  it('is registered on wasm only', async () => {
    await useBackend('wasm');
    registration = registerTrainingKernels('wasm');
    expect(registration.kernels).toContain('Concat');
  });

  it.each(CASES)('equals the definition: %j', ({ shapes, axis }) => {
    const vals = values(shapes);
    const got = tf.tidy(() => {
      const out = tf.concat(
        vals.map((v, i) => tf.tensor(v, shapes[i])),
        axis,
      );
      return { shape: out.shape, data: out.dataSync() as Float32Array };
    });
    const want = naiveConcat(vals, shapes, axis);
    expect(Array.from(got.data)).toEqual(Array.from(want));
    const rank = (shapes[0] as number[]).length;
    const ax = axis < 0 ? axis + rank : axis;
    expect(got.shape[ax]).toBe(shapes.reduce((n, s) => n + (s[ax] as number), 0));
  });

  it('int32 tensors still go through the stock kernel', () => {
    const out = tf.concat(
      [tf.tensor2d([[1, 2]], [1, 2], 'int32'), tf.tensor2d([[3]], [1, 1], 'int32')],
      1,
    );
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([1, 2, 3]);
    out.dispose();
  });
});
