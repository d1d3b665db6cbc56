import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradCam } from './grad-cam.js';
import { type LocalisationCase, localisationScore } from './localisation.js';
import { blobDataset, tinyClassifier, useCpuBackend } from './test-models.js';

beforeAll(useCpuBackend);

describe('Grad-CAM localisation on a trained model', () => {
  it('puts the peak inside the finding far more often than a random peak', async () => {
    const size = 16;
    const model = tinyClassifier({ size, numOutputs: 1, seed: 3, dropoutRate: 0 });
    // Training convolutions on the cpu backend costs seconds per step (Conv2DBackpropFilter):
    // keep them at their seeded random initialisation and train BN and the dense layers.
    for (const name of ['stem_conv', 'block_conv', 'top_conv2d'])
      model.getLayer(name).trainable = false;
    model.compile({
      optimizer: tf.train.adam(1e-2),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const train = blobDataset(192, size, 4, 1);
    const history = await model.fit(train.images, train.labels, {
      epochs: 10,
      batchSize: 32,
      verbose: 0,
      shuffle: false,
    });
    tf.dispose([train.images, train.labels]);
    const accuracy = history.history.acc as number[];
    expect(accuracy[accuracy.length - 1]).toBeGreaterThan(0.8);

    const test = blobDataset(64, size, 4, 99);
    const cases: LocalisationCase[] = [];
    for (const [i, box] of test.boxes.entries()) {
      if (box == null) continue;
      const image = test.images.slice([i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      const [cam] = await gradCam(model, image, { label: 0 });
      image.dispose();
      cases.push({ box, peak: cam!.peak, width: size, height: size });
    }
    tf.dispose([test.images, test.labels]);
    const score = localisationScore(cases);
    expect(score.findings).toBeGreaterThan(20);
    // Seed 3 scores 18/29 = 0.62 against 0.0625 at random; over model seeds 3–12 the hit rate
    // ranged 0.28–0.97 (mean 0.71): random frozen features sometimes localise poorly.
    expect(score.hitRate).toBeGreaterThan(Math.max(0.4, 5 * score.randomHitRate));
    model.dispose();
  }, 120_000);
});
