import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { estimateTrainingFlops } from './training-cost.js';

describe('estimateTrainingFlops', () => {
  it('counts 3 × forward multiply-adds of convolutions and dense layers × batch, from the definitions', async () => {
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [
        // 'same' 3×3, 3 → 8 channels on 10×12: 10·12 outputs × 8 × (3·3·3) MACs
        tf.layers.conv2d({ inputShape: [10, 12, 3], filters: 8, kernelSize: 3, padding: 'same' }),
        tf.layers.batchNormalization({}),
        // 'valid' 2×2 stride 2, 8 → 4 channels: 5·6 outputs × 4 × (2·2·8)
        tf.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2 }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }),
        tf.layers.flatten({}),
        tf.layers.dense({ units: 5 }),
      ],
    });
    const conv1 = 10 * 12 * 8 * 27;
    const conv2 = 5 * 6 * 4 * 32;
    const depthwise = 5 * 6 * (3 * 3 * 4 * 2); // each of 8 outputs per pixel reads a 3×3 window of one channel
    const dense = 5 * 6 * 8 * 5;
    const forwardMacs = conv1 + conv2 + depthwise + dense;
    expect(estimateTrainingFlops(model, 4).flopsPerStep).toBe(3 * 2 * forwardMacs * 4);
    model.dispose();
  });

  it('rejects a batch size that is not a positive integer', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    expect(() => estimateTrainingFlops(model, 0)).toThrow(RangeError);
    expect(() => estimateTrainingFlops(model, 1.5)).toThrow(
      /batchSize must be a positive integer; got 1.5/,
    );
    model.dispose();
  });
});
