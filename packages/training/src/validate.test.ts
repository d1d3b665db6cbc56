import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchSource } from './batch-source.js';
import type { TrainingLoss } from './loss.js';
import { validate } from './validate.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A model that outputs its input: predictions are chosen by hand.
function identityModel(): tf.LayersModel {
  const input = tf.input({ shape: [2] });
  const out = tf.layers.activation({ activation: 'linear' }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

// Masked mean BCE: the loss under test only sees what validate hands it.
const maskedBce: TrainingLoss = Object.assign(
  (y: tf.Tensor, p: tf.Tensor, m?: tf.Tensor) =>
    tf.tidy(() => {
      const mask = m ?? tf.onesLike(y);
      const e = tf.neg(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))));
      return tf.div(tf.sum(tf.mul(e, mask)), tf.sum(mask)) as tf.Scalar;
    }),
  {},
);

describe('validate', () => {
  it('places batches by indices, passes the mask to the loss and scores unmasked AUROC', async () => {
    const preds = [
      [0.9, 0.2],
      [0.3, 0.6],
      [0.8, 0.4],
      [0.1, 0.7],
    ];
    const truth = [
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 0],
    ];
    const mask = [
      [1, 1],
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    // Two batches, yielded out of order: rows 2–3 first.
    const source: BatchSource = () =>
      [
        [2, 3],
        [0, 1],
      ].map((rows) => ({
        x: tf.tensor2d(rows.map((r) => preds[r]!)),
        y: tf.tensor2d(rows.map((r) => truth[r]!)),
        mask: tf.tensor2d(rows.map((r) => mask[r]!)),
        indices: rows,
      }));
    const result = await validate({
      model: identityModel(),
      loss: maskedBce,
      source,
      context: { epoch: 0, seed: 1 },
      outputLabels: ['a', 'b'],
    });
    let sum = 0;
    let count = 0;
    for (const [i, row] of preds.entries()) {
      for (const [c, p] of row.entries()) {
        if (mask[i]![c] === 0) continue;
        const y = truth[i]![c]!;
        sum += -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
        count++;
      }
    }
    expect(result.bce).toBeCloseTo(sum / count, 6);
    expect(result.penalty).toBe(0);
    // AUROC of the unmasked labels: column a is separated perfectly (1); column b ranks its
    // positives (0.6, 0.4) against negatives (0.2, 0.7): 2 of 4 pairs → 0.5. Weighted by
    // positives (2 and 2): 0.75.
    expect(result.auroc).toBeCloseTo(0.75, 10);
  });
});
