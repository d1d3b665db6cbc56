import { createClassifier } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mcDropout } from './mc-dropout.js';
import {
  perturbBatchNorm,
  randomImage,
  snapshotWeights,
  tinyClassifier,
  useCpuBackend,
} from './test-models.js';

beforeAll(useCpuBackend);

function expectIdentical(before: Map<string, Float32Array>, after: Map<string, Float32Array>) {
  expect([...after.keys()]).toEqual([...before.keys()]);
  for (const [name, values] of before) {
    // Bit-identical: compare the raw bytes, not approximately.
    expect(Buffer.from(after.get(name)!.buffer).equals(Buffer.from(values.buffer)), name).toBe(
      true,
    );
  }
}

describe('mcDropout', () => {
  it('is deterministic for a seed, varies with the seed, and has std > 0 with dropout', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 3, dropoutRate: 0.5 });
    const images = randomImage(16, 2, 3);
    const a = await mcDropout(model, images as tf.Tensor4D, {
      samples: 6,
      seed: 42,
      outputLabels: ['x', 'y', 'z'],
    });
    const b = await mcDropout(model, images as tf.Tensor4D, { samples: 6, seed: 42 });
    const c = await mcDropout(model, images as tf.Tensor4D, { samples: 6, seed: 43 });
    expect(a.outputLabels).toEqual(['x', 'y', 'z']);
    expect(b.outputLabels).toBeUndefined();
    expect(a.samples).toBe(6);
    expect(a.seed).toBe(42);
    // Flat row-major matrices: 3 images × 3 outputs.
    expect(a.mean).toMatchObject({ rows: 3, cols: 3 });
    expect(a.mean.data).toHaveLength(9);
    expect(a.std).toMatchObject({ rows: 3, cols: 3 });
    expect(b.mean).toEqual(a.mean);
    expect(b.std).toEqual(a.std);
    expect(c.mean).not.toEqual(a.mean);
    for (const s of a.std.data) expect(s).toBeGreaterThan(0);
    for (const m of a.mean.data) expect(m > 0 && m < 1).toBe(true);
    model.dispose();
    images.dispose();
  });

  it('with dropout rate 0 gives std 0 and exactly the inference prediction (BN in inference mode)', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 3, dropoutRate: 0 });
    perturbBatchNorm(model);
    const images = randomImage(16, 5, 2);
    const predicted = tf.tidy(() => (model.predict(images) as tf.Tensor).arraySync() as number[][]);
    const result = await mcDropout(model, images as tf.Tensor4D, { samples: 4, seed: 1 });
    expect(Array.from(result.std.data).every((s) => s === 0)).toBe(true);
    Array.from(result.mean.data).forEach((m, i) => {
      expect(m).toBeCloseTo(predicted.flat()[i]!, 6);
    });
    // Batch statistics give another answer (this also moves the moving statistics: keep it last).
    const trainingMode = tf.tidy(
      () => (model.apply(images, { training: true }) as tf.Tensor).arraySync() as number[][],
    );
    expect(
      Math.max(...trainingMode.flat().map((v, i) => Math.abs(v - predicted.flat()[i]!))),
    ).toBeGreaterThan(1e-3);
    model.dispose();
    images.dispose();
  });

  it('averages to the inference output when the layers after dropout are linear', async () => {
    // Inverted dropout keeps the expectation: with a linear head after dropout, the MC mean
    // converges to the deterministic prediction. Independent check of rate, scaling and masks.
    const input = tf.input({ shape: [4, 4, 3] });
    let x = tf.layers
      .conv2d({
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: 'top_conv2d',
      })
      .apply(input) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'top_bn' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ rate: 0.3 }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'predictions' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    perturbBatchNorm(model);
    const images = randomImage(4, 3, 2);
    const predicted = tf.tidy(() => (model.predict(images) as tf.Tensor).arraySync() as number[][]);
    const result = await mcDropout(model, images as tf.Tensor4D, { samples: 400, seed: 9 });
    const spread = Math.max(...Array.from(result.std.data));
    Array.from(result.mean.data).forEach((m, i) => {
      // 400 samples: the mean's standard error is std / 20; allow 5 standard errors.
      expect(Math.abs(m - predicted.flat()[i]!)).toBeLessThan((5 * spread) / 20);
    });
    expect(spread).toBeGreaterThan(0);
    model.dispose();
    images.dispose();
  });

  it('never changes weights or batch-norm moving statistics (model.apply with training does)', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 3 });
    perturbBatchNorm(model);
    const images = randomImage(16, 8, 4);
    const before = snapshotWeights(model);
    await mcDropout(model, images as tf.Tensor4D, { samples: 5, seed: 3 });
    expectIdentical(before, snapshotWeights(model));

    // The comparison above can fail: TF.js's training mode writes the moving statistics.
    tf.tidy(() => model.apply(images, { training: true }) as tf.Tensor);
    const changed = snapshotWeights(model);
    const movingMean = [...before.keys()].find((k) => k.includes('moving_mean'))!;
    expect(
      Buffer.from(changed.get(movingMean)!.buffer).equals(
        Buffer.from(before.get(movingMean)!.buffer),
      ),
    ).toBe(false);
    model.dispose();
    images.dispose();
  });

  it('keeps memory flat, handles a single image and several chunks, and checks its options', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 2 });
    const images = randomImage(16, 4, 5);
    const single = randomImage(16, 4);
    await mcDropout(model, images as tf.Tensor4D, { samples: 2, seed: 1 }); // warm-up
    const before = tf.memory().numTensors;
    const chunked = await mcDropout(model, images as tf.Tensor4D, {
      samples: 3,
      seed: 1,
      batchSize: 2,
    });
    const one = await mcDropout(model, single as tf.Tensor3D, { samples: 3, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(chunked.mean.rows).toBe(5);
    expect(one.mean.rows).toBe(1);
    await expect(mcDropout(model, images as tf.Tensor4D, { samples: 0 })).rejects.toThrow(
      /samples must be a positive integer/,
    );
    await expect(mcDropout(model, images as tf.Tensor4D, { outputLabels: ['a'] })).rejects.toThrow(
      /outputLabels has 1 entries/,
    );
    await expect(mcDropout(model, randomImage(8, 1, 1) as tf.Tensor4D)).rejects.toThrow(
      /images has shape \[1, 8, 8, 3\]/,
    );
    model.dispose();
    images.dispose();
    single.dispose();
  });

  it('throws RangeError for bad samples, batchSize and seed', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 2 });
    const images = randomImage(16, 4, 2);
    const cases: [Parameters<typeof mcDropout>[2], RegExp][] = [
      [{ samples: 0 }, /mcDropout: samples must be a positive integer, got 0/],
      [{ batchSize: 1.5 }, /mcDropout: batchSize must be a positive integer, got 1.5/],
      [{ seed: Number.NaN }, /mcDropout: seed must be a finite number, got NaN/],
    ];
    for (const [options, message] of cases) {
      const call = mcDropout(model, images as tf.Tensor4D, options);
      await expect(call).rejects.toBeInstanceOf(RangeError);
      await expect(call).rejects.toThrow(message);
    }
    model.dispose();
    images.dispose();
  });

  it('works on nested and branched models with several dropout layers', async () => {
    const inner = tinyClassifier({ size: 16, numOutputs: 2, seed: 5 });
    const input = tf.input({ shape: [16, 16, 3] });
    const left = inner.apply(input) as tf.SymbolicTensor;
    const flat = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
    const dropped = tf.layers.dropout({ rate: 0.5 }).apply(flat) as tf.SymbolicTensor;
    const right = tf.layers
      .dense({ units: 2, activation: 'sigmoid' })
      .apply(dropped) as tf.SymbolicTensor;
    const merged = tf.layers.average().apply([left, right]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: merged });
    const images = randomImage(16, 2, 2);
    const before = snapshotWeights(model);
    const a = await mcDropout(model, images as tf.Tensor4D, { samples: 5, seed: 4 });
    const b = await mcDropout(model, images as tf.Tensor4D, { samples: 5, seed: 4 });
    expect(a).toEqual(b);
    expect(Array.from(a.std.data).every((s) => s > 0)).toBe(true);
    expectIdentical(before, snapshotWeights(model));
    model.dispose();
    images.dispose();
  });

  it('works on a tf.sequential model and one reloaded from its JSON and weights', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 3],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
          name: 'top_conv2d',
        }),
        tf.layers.batchNormalization({ name: 'top_bn' }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dropout({ rate: 0.5, name: 'top_dropout' }),
        tf.layers.dense({ units: 2, activation: 'sigmoid', name: 'predictions' }),
      ],
    });
    perturbBatchNorm(model);
    const images = randomImage(8, 6, 2);
    const a = await mcDropout(model, images as tf.Tensor4D, { samples: 4, seed: 11 });
    expect(Array.from(a.std.data).every((s) => s > 0)).toBe(true);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const b = await mcDropout(reloaded, images as tf.Tensor4D, { samples: 4, seed: 11 });
    expect(b.mean).toEqual(a.mean);
    expect(b.std).toEqual(a.std);
    tf.dispose([images]);
    model.dispose();
    reloaded.dispose();
  });

  it('on the project DenseNet classifier: weights untouched, rate 0 equals predict, gradCam-ready', async () => {
    const options = { variant: 'tiny', inputShape: [32, 32, 3], numOutputs: 4, seed: 2 } as const;
    const model = createClassifier(options);
    perturbBatchNorm(model);
    const images = randomImage(32, 5, 2);
    const before = snapshotWeights(model);
    const result = await mcDropout(model, images as tf.Tensor4D, { samples: 3, seed: 8 });
    expect(Array.from(result.std.data).every((s) => s > 0)).toBe(true);
    expectIdentical(before, snapshotWeights(model));

    const deterministic = createClassifier({ ...options, dropoutRate: 0 });
    deterministic.setWeights(model.getWeights());
    const predicted = tf.tidy(
      () => (deterministic.predict(images) as tf.Tensor).arraySync() as number[][],
    );
    const noDropout = await mcDropout(deterministic, images as tf.Tensor4D, {
      samples: 2,
      seed: 8,
    });
    expect(Array.from(noDropout.std.data).every((s) => s === 0)).toBe(true);
    Array.from(noDropout.mean.data).forEach((m, i) => {
      expect(m).toBeCloseTo(predicted.flat()[i]!, 6);
    });
    tf.dispose(images);
    model.dispose();
    deterministic.dispose();
  });
});
