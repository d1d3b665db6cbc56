import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { useCpuBackend } from './test-backend.js';

beforeAll(useCpuBackend);

describe('training the tiny classifier', () => {
  it('a few Adam steps on binary cross-entropy lower the loss and update BN statistics', async () => {
    // Dropout off so the loss sequence is deterministic (a seeded TF.js dropout would repeat one
    // mask); cpu conv gradients are slow, hence 16×16 inputs, a small head and batch 4.
    const model = createClassifier({
      variant: 'tiny',
      inputShape: [16, 16, 3],
      numOutputs: 3,
      headFilters: 16,
      denseUnits: 8,
      dropoutRate: 0,
      seed: 1,
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
    const x = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 3);
    const y = tf.tensor2d([
      [1, 0, 1],
      [0, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    const movingMean = model.getLayer('conv1/bn').getWeights()[2]!.dataSync().slice();

    // trainOnBatch returns the loss before its update: losses[i] is the loss after i steps.
    const losses: number[] = [];
    for (let step = 0; step <= 6; step++) {
      losses.push((await model.trainOnBatch(x, y)) as number);
    }
    expect(losses[0]).toBeGreaterThan(0.3);
    expect(losses[6]!).toBeLessThan(0.7 * losses[0]!);
    expect(Math.min(...losses.slice(4))).toBeLessThan(Math.min(...losses.slice(0, 2)));
    const updatedMean = model.getLayer('conv1/bn').getWeights()[2]!.dataSync();
    expect(Array.from(updatedMean)).not.toEqual(Array.from(movingMean));
    tf.dispose([x, y]);
    model.dispose();
  });
});
