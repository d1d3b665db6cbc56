import type { Taxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mcDropout } from './mc-dropout.js';
import { labelledPrediction, predictWithUncertainty } from './predict-with-uncertainty.js';
import { randomImage, tinyClassifier, useCpuBackend } from './test-models.js';

beforeAll(useCpuBackend);

// A model small enough to compute by hand: one input value x per image, Dropout(p) on it, then
// Dense(2, sigmoid). Output j is σ(b_j + w_j·x) in inference mode; an MC pass keeps x (scaled by
// 1/(1 − p)) or drops it, so each pass gives σ(b_j + w_j·x/(1 − p)) or σ(b_j), the two outputs of
// an image sharing the mask.
const W = [0.3, 1.5];
const B = [0.1, -0.2];
const RATE = 0.5;
const XS = [0.5, 1, -1, 2, -0.25];
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function handModel(): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 1] });
  let x = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: RATE, name: 'drop' }).apply(x) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' });
  const out = dense.apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  dense.setWeights([tf.tensor2d([W], [1, 2]), tf.tensor1d(B)]);
  return model;
}

const handImages = () => tf.tensor4d(XS, [XS.length, 1, 1, 1]);

// Parent → Child: the child's probability may not exceed the parent's.
const taxonomy: Taxonomy = {
  name: 'two-level',
  sourceLabels: ['Parent', 'Child'],
  derived: [],
  outputLabels: ['Parent', 'Child'],
  edges: [{ parent: 'Parent', child: 'Child' }],
};

describe('predictWithUncertainty', () => {
  it('gives the inference probabilities and MC-dropout statistics of a hand-computable model', async () => {
    const model = handModel();
    const images = handImages();
    const samples = 40;
    const result = await predictWithUncertainty(model, images, {
      samples,
      seed: 7,
      outputLabels: ['Parent', 'Child'],
    });
    expect(result).toMatchObject({ consistent: false, samples, seed: 7 });
    expect(result.outputLabels).toEqual(['Parent', 'Child']);
    for (const m of [result.probabilities, result.mean, result.std]) {
      expect(m).toMatchObject({ rows: XS.length, cols: 2 });
      expect(m.data).toBeInstanceOf(Float32Array);
    }
    XS.forEach((x, i) => {
      const kept: number[] = [];
      for (let j = 0; j < 2; j++) {
        const at = i * 2 + j;
        expect(result.probabilities.data[at]).toBeCloseTo(sigmoid(B[j]! + W[j]! * x), 6);
        // Every pass is a (kept) or c (dropped): mean = f·a + (1 − f)·c, std = |a − c|·√(f(1 − f)).
        const a = sigmoid(B[j]! + (W[j]! * x) / (1 - RATE));
        const c = sigmoid(B[j]!);
        const f = (result.mean.data[at]! - c) / (a - c);
        expect(f * samples).toBeCloseTo(Math.round(f * samples), 2);
        expect(result.std.data[at]).toBeCloseTo(Math.abs(a - c) * Math.sqrt(f * (1 - f)), 5);
        kept.push(f);
      }
      // One mask for both outputs, and dropout actually dropped something.
      expect(kept[0]).toBeCloseTo(kept[1]!, 3);
    });
    const fractions = XS.map((_, i) => {
      const a = sigmoid(B[1]! + (W[1]! * XS[i]!) / (1 - RATE));
      return (result.mean.data[i * 2 + 1]! - sigmoid(B[1]!)) / (a - sigmoid(B[1]!));
    });
    expect(fractions.some((f) => f > 0.05 && f < 0.95)).toBe(true);
    model.dispose();
    images.dispose();
  });

  it('makes probabilities consistent with the taxonomy (no child above its parent) and leaves the MC statistics raw', async () => {
    const model = handModel();
    const images = handImages();
    const raw = await predictWithUncertainty(model, images, { samples: 8, seed: 3, taxonomy });
    const consistent = await predictWithUncertainty(model, images, {
      samples: 8,
      seed: 3,
      taxonomy,
      consistent: true,
    });
    expect(raw.outputLabels).toEqual(taxonomy.outputLabels);
    expect(consistent.consistent).toBe(true);
    let clipped = 0;
    XS.forEach((x, i) => {
      const parent = sigmoid(B[0]! + W[0]! * x);
      const child = sigmoid(B[1]! + W[1]! * x);
      if (child > parent) clipped++;
      expect(raw.probabilities.data[i * 2 + 1]).toBeCloseTo(child, 6);
      expect(consistent.probabilities.data[i * 2]).toBeCloseTo(parent, 6);
      expect(consistent.probabilities.data[i * 2 + 1]).toBeCloseTo(Math.min(child, parent), 6);
    });
    // The inputs include images whose child is above the parent and ones where it is not.
    expect(clipped).toBeGreaterThan(0);
    expect(clipped).toBeLessThan(XS.length);
    expect(consistent.mean).toEqual(raw.mean);
    expect(consistent.std).toEqual(raw.std);
    model.dispose();
    images.dispose();
  });

  it('has predict’s probabilities and mcDropout’s statistics for the same seed, in chunks too, without leaking tensors', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 3 });
    const images = randomImage(16, 4, 5) as tf.Tensor4D;
    const single = randomImage(16, 6) as tf.Tensor3D;
    await predictWithUncertainty(model, images, { samples: 2, seed: 1 }); // warm-up
    const before = tf.memory().numTensors;
    const result = await predictWithUncertainty(model, images, {
      samples: 3,
      seed: 11,
      batchSize: 2,
    });
    const one = await predictWithUncertainty(model, single, { samples: 3, seed: 11 });
    expect(tf.memory().numTensors).toBe(before);
    const predicted = tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync());
    Array.from(result.probabilities.data).forEach((p, i) => {
      expect(p).toBeCloseTo(predicted[i]!, 6);
    });
    const mc = await mcDropout(model, images, { samples: 3, seed: 11, batchSize: 2 });
    expect(result.mean).toEqual(mc.mean);
    expect(result.std).toEqual(mc.std);
    expect(result.outputLabels).toBeUndefined();
    expect(one.probabilities.rows).toBe(1);
    expect(one.mean.rows).toBe(1);
    model.dispose();
    images.dispose();
    single.dispose();
  });

  it('checks its options, naming the field', async () => {
    const model = handModel();
    const images = handImages();
    const cases: [Parameters<typeof predictWithUncertainty>[2], ErrorConstructor, RegExp][] = [
      [{ consistent: true }, TypeError, /predictWithUncertainty: consistent needs a taxonomy/],
      [
        { taxonomy, outputLabels: ['Child', 'Parent'] },
        RangeError,
        /outputLabels \[Child, Parent\] differ from the taxonomy's \[Parent, Child\]/,
      ],
      [
        { taxonomy: { ...taxonomy, outputLabels: ['Parent'], edges: [] } },
        RangeError,
        /the taxonomy has 1 output labels but the model has 2 outputs/,
      ],
      [{ outputLabels: ['a'] }, RangeError, /outputLabels has 1 entries but the model has 2/],
      [{ samples: 0 }, RangeError, /predictWithUncertainty: samples must be a positive integer/],
      [{ seed: Number.NaN }, RangeError, /predictWithUncertainty: seed must be a finite number/],
    ];
    for (const [options, type, message] of cases) {
      const call = predictWithUncertainty(model, images, options);
      await expect(call).rejects.toBeInstanceOf(type);
      await expect(call).rejects.toThrow(message);
    }
    const wrong = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    await expect(predictWithUncertainty(model, wrong)).rejects.toThrow(
      /predictWithUncertainty: images has shape \[1, 2, 2, 1\]/,
    );
    wrong.dispose();
    model.dispose();
    images.dispose();
  });
});

describe('labelledPrediction', () => {
  it('gives one image’s values by label', async () => {
    const model = handModel();
    const images = handImages();
    const result = await predictWithUncertainty(model, images, { samples: 4, seed: 2, taxonomy });
    const record = labelledPrediction(result, 3);
    expect(Object.keys(record.probabilities)).toEqual(['Parent', 'Child']);
    expect(record.probabilities.Child).toBeCloseTo(sigmoid(B[1]! + W[1]! * XS[3]!), 6);
    expect(record.uncertainty.Parent).toEqual({
      mean: result.mean.data[6],
      std: result.std.data[6],
    });
    expect(() => labelledPrediction(result, 5)).toThrow(/index must be an integer in \[0, 5\)/);
    const { outputLabels: _, ...unlabelled } = result;
    expect(() => labelledPrediction(unlabelled, 0)).toThrow(/has no outputLabels/);
    model.dispose();
    images.dispose();
  });
});
