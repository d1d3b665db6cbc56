import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { createDenseNet, type ImageShape } from './densenet.js';
import { useCpuBackend } from './test-backend.js';
import type { DenseNetConfig } from './variants.js';
import { loadWeights } from './weight-checkpoint-files.js';

/**
 * fixtures/torch-reference holds a small DenseNet + head computed independently in PyTorch
 * (fixtures/make-torch-reference.py), written in tensorflowjs_converter's layout with Keras weight
 * names, in reverse order, over two shards. Loading it by name must reproduce PyTorch's outputs.
 */
const fixtureDir = fileURLToPath(new URL('../fixtures/torch-reference', import.meta.url));

interface Expected {
  config: DenseNetConfig;
  inputShape: ImageShape;
  head: { headFilters: number; denseUnits: number; numOutputs: number };
  input: number[];
  inputBatchShape: number[];
  features: number[];
  featuresShape: number[];
  predictions: number[];
  predictionsShape: number[];
}
const expected = JSON.parse(readFileSync(`${fixtureDir}/expected.json`, 'utf8')) as Expected;

function maxAbsDifference(actual: tf.Tensor, reference: number[]): number {
  const values = actual.dataSync();
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    worst = Math.max(worst, Math.abs(values[i]! - reference[i]!));
  }
  return worst;
}

beforeAll(useCpuBackend);

describe('PyTorch reference with converter-style Keras weights', () => {
  it('the classifier reproduces the reference predictions after loading by name', async () => {
    const model = createClassifier({
      variant: expected.config,
      inputShape: expected.inputShape,
      ...expected.head,
    });
    const report = await loadWeights(model, fixtureDir);
    expect(report.missing).toEqual([]);
    expect(report.unused).toEqual([]);
    const input = tf.tensor(expected.input, expected.inputBatchShape);
    const predictions = model.predict(input) as tf.Tensor;
    expect(predictions.shape).toEqual(expected.predictionsShape);
    expect(maxAbsDifference(predictions, expected.predictions)).toBeLessThan(1e-5);
    tf.dispose([input, predictions]);
    model.dispose();
  });

  it('the backbone reproduces the reference features, ignoring the head weights when not strict', async () => {
    const model = createDenseNet({ variant: expected.config, inputShape: expected.inputShape });
    await expect(loadWeights(model, fixtureDir)).rejects.toThrow(
      /model\.json: weightsManifest weight\(s\) not in the model: .*top_/,
    );
    const report = await loadWeights(model, `${fixtureDir}/model.json`, { strict: false });
    expect(report.missing).toEqual([]);
    expect([...report.unused].sort()).toEqual(
      [
        'predictions/bias',
        'predictions/kernel',
        'top_bn/beta',
        'top_bn/gamma',
        'top_bn/moving_mean',
        'top_bn/moving_variance',
        'top_conv2d/bias',
        'top_conv2d/kernel',
        'top_dense/bias',
        'top_dense/kernel',
      ].sort(),
    );
    const input = tf.tensor(expected.input, expected.inputBatchShape);
    const features = model.predict(input) as tf.Tensor;
    expect(features.shape).toEqual(expected.featuresShape);
    expect(maxAbsDifference(features, expected.features)).toBeLessThan(1e-4);
    tf.dispose([input, features]);
    model.dispose();
  });
});
