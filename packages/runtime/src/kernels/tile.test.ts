import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededValues, useBackend } from '../testing/numerics.js';
import { type RegisteredKernels, registerTrainingKernels } from './register-training-kernels.js';

/** out[i0..] = x[i0 % s0, ...]: the definition of Tile, as an independent reference. */
function naiveTile(x: Float32Array, shape: number[], reps: number[]): Float32Array {
  const outShape = shape.map((d, i) => d * (reps[i] as number));
  const n = outShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let flat = 0; flat < n; flat++) {
    let rest = flat;
    let src = 0;
    let stride = 1;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const coord = rest % (outShape[d] as number);
      rest = Math.floor(rest / (outShape[d] as number));
      src += (coord % (shape[d] as number)) * stride;
      stride *= shape[d] as number;
    }
    out[flat] = x[src] as number;
  }
  return out;
}

const CASES: Array<[number[], number[]]> = [
  [
    [1, 1, 1, 5],
    [3, 4, 2, 1],
  ], // batch-norm gradient pattern: repeat whole
  [
    [1, 1, 1, 1],
    [2, 3, 3, 1],
  ],
  [
    [1, 7],
    [5, 1],
  ],
  [
    [2, 3],
    [1, 1],
  ],
  [
    [1, 1, 3, 4],
    [2, 2, 1, 1],
  ],
  [
    [2, 3],
    [2, 2],
  ], // not a whole repeat: stock kernel
  [
    [1, 2, 1, 3],
    [2, 1, 4, 1],
  ], // not a whole repeat: stock kernel
];

describe.each(['cpu', 'wasm'] as const)('Tile on %s', (backend) => {
  let registration: RegisteredKernels;
  beforeAll(async () => {
    registration = registerTrainingKernels(backend);
    await useBackend(backend);
  });
  afterAll(() => registration.restore());

  it.each(CASES)('x%j reps %j', (shape, reps) => {
    const values = seededValues(
      shape.reduce((a, b) => a * b, 1),
      7,
    );
    const x = tf.tensor(values, shape);
    const y = tf.tile(x, reps);
    expect(y.shape).toEqual(shape.map((d, i) => d * (reps[i] as number)));
    expect(Array.from(y.dataSync())).toEqual(Array.from(naiveTile(values, shape, reps)));
    tf.dispose([x, y]);
  });

  it('leaves int32 tiles to the stock kernel', () => {
    const x = tf.tensor([1, 2, 3], [1, 3], 'int32');
    const y = tf.tile(x, [2, 1]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 1, 2, 3]);
    tf.dispose([x, y]);
  });
});
