import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from './batch-source.js';
import { predictBatches } from './predict.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// One dense sigmoid layer with fixed weights: its outputs are recomputed below in float64.
const W = [
  [0.5, -1, 0.25],
  [2, 0.1, -0.3],
];
const B = [0.1, -0.2, 0.05];
function model(): tf.LayersModel {
  const m = tf.sequential({
    layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'sigmoid' })],
  });
  m.setWeights([tf.tensor2d(W), tf.tensor1d(B)]);
  return m;
}
function expected(x: number[]): number[] {
  return B.map((b, j) => 1 / (1 + Math.exp(-(x[0]! * W[0]![j]! + x[1]! * W[1]![j]! + b))));
}

const X = [
  [1, 2],
  [-1, 0.5],
  [0, 0],
  [3, -2],
  [0.25, 0.75],
];

function batch(rows: number[], indices: number[] | undefined, released: number[]): Batch {
  const x = tf.tensor2d(rows.map((r) => X[r]!));
  const y = tf.zeros([rows.length, 3]);
  return {
    x,
    y,
    ...(indices ? { indices } : {}),
    release: () => {
      released.push(rows[0]!);
      x.dispose();
      y.dispose();
    },
  };
}

describe('predictBatches', () => {
  it('places each batch at its indices and releases every batch', async () => {
    const released: number[] = [];
    const m = model();
    // Shuffled batches, as a cache yields them with shuffle on.
    const out = await predictBatches(
      m,
      [batch([3, 0], [3, 0], released), batch([4, 2, 1], [4, 2, 1], released)],
      { rows: 5 },
    );
    expect(out.rows).toBe(5);
    expect(out.cols).toBe(3);
    for (let r = 0; r < 5; r++) {
      const want = expected(X[r]!);
      for (let c = 0; c < 3; c++) expect(out.data[r * 3 + c]).toBeCloseTo(want[c]!, 6);
    }
    expect(released).toEqual([3, 4]);
    m.dispose();
  });

  it('keeps the batches’ order without indices, and checks the row count', async () => {
    const m = model();
    async function* source() {
      yield batch([0, 1], undefined, []);
      yield batch([2], undefined, []);
    }
    const out = await predictBatches(m, source());
    expect(out.rows).toBe(3);
    expect(out.data[2 * 3 + 1]).toBeCloseTo(expected(X[2]!)[1]!, 6);
    await expect(predictBatches(m, [batch([0], undefined, [])], { rows: 2 })).rejects.toThrow(
      /hold 1 images, not options.rows 2/,
    );
    await expect(predictBatches(m, [batch([0], [7], [])], { rows: 1 })).rejects.toThrow(
      /index 7 is outside the 1 rows/,
    );
    m.dispose();
  });
});
