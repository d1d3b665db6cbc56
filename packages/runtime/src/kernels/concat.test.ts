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

describe('Concat and SplitV on wasm with the registered kernels', () => {
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

  it.each(CASES)('SplitV (concat’s gradient) inverts it: %j', ({ shapes, axis }) => {
    const vals = values(shapes);
    const rank = (shapes[0] as number[]).length;
    const ax = axis < 0 ? axis + rank : axis;
    const sizes = shapes.map((s) => s[ax] as number);
    const joined = tf.tensor(
      naiveConcat(vals, shapes, axis),
      (shapes[0] as number[]).map((d, i) => (i === ax ? sizes.reduce((a, b) => a + b, 0) : d)),
    );
    const parts = tf.split(joined, sizes, axis);
    parts.forEach((p, i) => {
      expect(p.shape).toEqual(shapes[i]);
      expect(Array.from(p.dataSync())).toEqual(Array.from(vals[i] as Float32Array));
    });
    // Even split by count.
    const halves = tf.split(joined, 1, axis);
    expect(Array.from(halves[0]?.dataSync() ?? [])).toEqual(Array.from(joined.dataSync()));
    tf.dispose([joined, ...parts, ...halves]);
  });

  it('the gradient of concat through SplitV', () => {
    const a = tf.tensor(seededValues(2 * 3 * 3 * 4, 1), [2, 3, 3, 4]);
    const b = tf.tensor(seededValues(2 * 3 * 3 * 2, 2), [2, 3, 3, 2]);
    const w = tf.tensor(seededValues(2 * 3 * 3 * 6, 3), [2, 3, 3, 6]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(tf.concat([x, y], 3), w)),
    )([a, b]);
    const wv = w.dataSync();
    const wantA: number[] = [];
    const wantB: number[] = [];
    for (let i = 0; i < wv.length; i++) (i % 6 < 4 ? wantA : wantB).push(wv[i] as number);
    expect(Array.from(ga?.dataSync() ?? [])).toEqual(wantA);
    expect(Array.from(gb?.dataSync() ?? [])).toEqual(wantB);
    tf.dispose([a, b, w, ga as tf.Tensor, gb as tf.Tensor]);
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
