import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { createDenseNet } from './densenet.js';
import { useCpuBackend } from './test-backend.js';
import { loadWeights, saveWeights } from './weight-checkpoint-files.js';
import { WEIGHTS_FORMAT, WEIGHTS_JSON } from './weight-checkpoints.js';

let root: string;
beforeAll(async () => {
  await useCpuBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'densenet-weights-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function classifier(seed: number, numOutputs = 4): tf.LayersModel {
  return createClassifier({
    variant: 'tiny',
    inputShape: [32, 32, 3],
    numOutputs,
    headFilters: 16,
    denseUnits: 8,
    seed,
  });
}

function predictOn(model: tf.LayersModel): number[] {
  return tf.tidy(() =>
    Array.from(
      (model.predict(tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 9)) as tf.Tensor).dataSync(),
    ),
  );
}

function weightValues(model: tf.LayersModel): number[][] {
  return model.weights.map((w) => Array.from(w.read().dataSync()));
}

/**
 * Writes a manifest by hand, the way tensorflowjs_converter lays out a converted Keras model:
 * model.json with a Keras topology stub, one weight group, little-endian float32 shards.
 */
async function writeConverterStyle(
  dir: string,
  weights: Array<{ name: string; shape: number[]; values: Float32Array; dtype?: string }>,
  groupCount = 1,
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  // Older converters wrote one weight group per layer: split into `groupCount` groups.
  const perGroup = Math.ceil(weights.length / groupCount);
  const weightsManifest = [];
  for (let g = 0; g * perGroup < weights.length; g++) {
    const group = weights.slice(g * perGroup, (g + 1) * perGroup);
    const shard = `group${g + 1}-shard1of1.bin`;
    const bytes = Buffer.concat(
      group.map((w) => Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength)),
    );
    await fs.writeFile(path.join(dir, shard), bytes);
    weightsManifest.push({
      paths: [shard],
      weights: group.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype ?? 'float32' })),
    });
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: { class_name: 'Functional' },
    },
    weightsManifest,
  };
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
}

/** A distinct, recognisable value pattern per weight: weight i element j = i + j / 10^4. */
function pattern(i: number, size: number): Float32Array {
  return Float32Array.from({ length: size }, (_, j) => i + j / 10_000);
}

/**
 * One converter-style entry per model weight, named by `rename(originalName, index)`, holding
 * pattern(index + 1): the (index + 1)-th weight's first value is index + 1.
 */
function patternEntries(
  weights: readonly tf.LayerVariable[],
  rename: (name: string, index: number) => string = (name) => name,
) {
  return weights.map((w, i) => ({
    name: rename(w.originalName, i),
    shape: w.shape as number[],
    values: pattern(
      i + 1,
      w.shape.reduce((n: number, d) => n * (d ?? 0), 1),
    ),
  }));
}

describe('saveWeights / loadWeights', () => {
  it('round-trips all weights, BN statistics included, into a freshly initialised model', async () => {
    const dir = path.join(root, 'checkpoint');
    const source = classifier(1);
    for (const w of source.nonTrainableWeights) {
      tf.tidy(() => {
        w.write(tf.add(w.read(), 0.25));
      });
    }
    await saveWeights(source, dir);
    const json = JSON.parse(await fs.readFile(path.join(dir, WEIGHTS_JSON), 'utf8'));
    expect(json.format).toBe(WEIGHTS_FORMAT);
    expect(json.modelTopology).toBeUndefined();
    expect(json.weightsManifest[0].weights.length).toBe(source.weights.length);

    const target = classifier(2);
    expect(predictOn(target)).not.toEqual(predictOn(source));
    const tensorsBefore = tf.memory().numTensors;
    const report = await loadWeights(target, dir);
    expect(tf.memory().numTensors).toBe(tensorsBefore); // decoded values are released
    expect(report.loaded.length).toBe(source.weights.length);
    expect(report.missing).toEqual([]);
    expect(report.unused).toEqual([]);
    expect(weightValues(target)).toEqual(weightValues(source));
    expect(predictOn(target)).toEqual(predictOn(source));
    source.dispose();
    target.dispose();
  });

  it('names the mis-shaped weight and changes nothing when a load fails', async () => {
    const dir = path.join(root, 'four-outputs');
    const source = classifier(3, 4);
    await saveWeights(source, dir);
    const target = classifier(4, 5);
    const before = weightValues(target);
    await expect(loadWeights(target, dir)).rejects.toThrow(
      /weights\.json: weight "top_pred\/kernel" has shape \[8, 4\] but model weight "top_pred\/kernel" needs \[8, 5\]/,
    );
    expect(weightValues(target)).toEqual(before);
    source.dispose();
    target.dispose();
  });

  it('names missing weights when strict, loads the matching subset when not', async () => {
    const dir = path.join(root, 'backbone-only');
    const backbone = createDenseNet({ variant: 'tiny', inputShape: [32, 32, 3], seed: 5 });
    await saveWeights(backbone, dir);
    const model = classifier(6);
    await expect(loadWeights(model, dir)).rejects.toThrow(
      /weights\.json: weightsManifest has no weight for 10 model weight\(s\): top_conv2d\/kernel, top_conv2d\/bias/,
    );
    const headBefore = model.getLayer('top_conv2d').getWeights()[0]!.dataSync().slice();
    const report = await loadWeights(model, dir, { strict: false });
    expect(report.loaded.length).toBe(backbone.weights.length);
    expect(report.missing.length).toBe(10);
    expect(report.missing.every((n) => n.startsWith('top_'))).toBe(true);
    expect(Array.from(model.getLayer('conv1/conv').getWeights()[0]!.dataSync())).toEqual(
      Array.from(backbone.getLayer('conv1/conv').getWeights()[0]!.dataSync()),
    );
    expect(Array.from(model.getLayer('top_conv2d').getWeights()[0]!.dataSync())).toEqual(
      Array.from(headBefore),
    );
    backbone.dispose();
    model.dispose();
  });

  it('replaces an earlier checkpoint in the same directory', async () => {
    const dir = path.join(root, 'rolling');
    const first = classifier(7);
    const second = classifier(8);
    await saveWeights(first, dir, { shardBytes: 20_000 });
    await saveWeights(second, dir, { shardBytes: 20_000 });
    const json = JSON.parse(await fs.readFile(path.join(dir, WEIGHTS_JSON), 'utf8'));
    expect((await fs.readdir(dir)).sort()).toEqual(
      [WEIGHTS_JSON, ...json.weightsManifest[0].paths].sort(),
    );
    const target = classifier(9);
    await loadWeights(target, dir);
    expect(predictOn(target)).toEqual(predictOn(second));
    for (const m of [first, second, target]) m.dispose();
  });

  it('reports a location without a manifest', async () => {
    const empty = path.join(root, 'empty');
    await fs.mkdir(empty);
    const model = classifier(10);
    await expect(loadWeights(model, empty)).rejects.toThrow(
      /empty: directory holds none of weights\.json, model\.json/,
    );
    await expect(loadWeights(model, path.join(root, 'absent'))).rejects.toThrow(
      /absent: no such file or directory/,
    );
    model.dispose();
  });
});

describe('loadWeights from tensorflowjs_converter output', () => {
  it('assigns every Keras-named weight to the layer of the same name, in any order and group', async () => {
    const model = createDenseNet({ variant: 'tiny', inputShape: [32, 32, 3] });
    const entries = patternEntries(model.weights);
    // Converter names for a tf.keras DenseNet look like this; check the fixture uses them.
    expect(entries.map((e) => e.name)).toEqual(
      expect.arrayContaining([
        'conv1/conv/kernel',
        'conv2_block1_0_bn/gamma',
        'conv2_block1_0_bn/moving_mean',
        'bn/moving_variance',
      ]),
    );
    const dir = path.join(root, 'converter');
    await writeConverterStyle(dir, [...entries].reverse(), 5);
    expect(
      JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')).weightsManifest.length,
    ).toBe(5);

    await loadWeights(model, dir);
    model.weights.forEach((w, i) => {
      const expected = entries[i]!;
      expect(w.originalName).toBe(expected.name);
      expect(Array.from(w.read().dataSync())).toEqual(Array.from(expected.values));
    });
    // Spot-check through the layer API too: the BN layer's moving mean is weight index 2.
    const bn = model.getLayer('conv2_block1_0_bn');
    const index = model.weights.findIndex(
      (w) => w.originalName === 'conv2_block1_0_bn/moving_mean',
    );
    expect(bn.getWeights()[2]!.dataSync()[0]).toBeCloseTo(index + 1, 5);
    model.dispose();
  });

  it('accepts Keras 3 names (conv1_conv), an outer model scope and a :0 suffix', async () => {
    const model = createDenseNet({ variant: 'tiny', inputShape: [32, 32, 3] });
    const entries = patternEntries(model.weights, (name, i) => {
      const slash = name.lastIndexOf('/');
      const keras3 = `${name.slice(0, slash).replaceAll('/', '_')}${name.slice(slash)}`;
      return `densenet/${keras3}${i % 2 === 0 ? ':0' : ''}`;
    });
    expect(entries[0]!.name).toBe('densenet/conv1_conv/kernel:0');
    const dir = path.join(root, 'converter-keras3');
    await writeConverterStyle(dir, entries);
    const report = await loadWeights(model, dir);
    expect(report.unused).toEqual([]);
    model.weights.forEach((w, i) => {
      expect(w.read().dataSync()[0]).toBeCloseTo(i + 1, 5);
    });
    model.dispose();
  });

  it('loads a checkpoint with the head names of earlier versions (top_avg_pool, predictions) strictly', async () => {
    const model = classifier(12);
    const entries = patternEntries(model.weights, (name) =>
      name.replace(/^top_pred\//, 'predictions/'),
    );
    expect(entries.map((e) => e.name)).toEqual(
      expect.arrayContaining(['predictions/kernel', 'predictions/bias']),
    );
    expect(entries.some((e) => e.name.startsWith('top_pred/'))).toBe(false);
    const dir = path.join(root, 'legacy-head-names');
    await writeConverterStyle(dir, entries);
    const report = await loadWeights(model, dir);
    expect(report.missing).toEqual([]);
    expect(report.unused).toEqual([]);
    const kernel = model.getLayer('top_pred').getWeights()[0]!;
    const index = model.weights.findIndex((w) => w.originalName === 'top_pred/kernel');
    expect(kernel.dataSync()[0]).toBeCloseTo(index + 1, 5);
    model.dispose();
  });

  it('loads a backbone nested under its model name next to unscoped head weights', async () => {
    const model = classifier(11);
    const entries = patternEntries(model.weights, (name) =>
      name.startsWith('top_') ? name : `densenet121/${name}`,
    );
    expect(entries[0]!.name).toBe('densenet121/conv1/conv/kernel');
    const dir = path.join(root, 'converter-nested');
    await writeConverterStyle(dir, entries);
    await loadWeights(model, dir);
    model.weights.forEach((w, i) => {
      expect(w.read().dataSync()[0]).toBeCloseTo(i + 1, 5);
    });
    model.dispose();
  });

  it('does not confuse the final `bn` with a block BN that ends in _bn', async () => {
    const model = createDenseNet({ variant: 'tiny', inputShape: [32, 32, 3] });
    const entries = patternEntries(model.weights).filter((e) => e.name !== 'bn/gamma');
    const dir = path.join(root, 'converter-missing-bn');
    await writeConverterStyle(dir, entries);
    await expect(loadWeights(model, dir)).rejects.toThrow(
      /has no weight for 1 model weight\(s\): bn\/gamma/,
    );
    model.dispose();
  });

  it('names duplicate, ambiguous, mistyped and unrelated weights', async () => {
    const model = createDenseNet({ variant: 'tiny', inputShape: [32, 32, 3] });
    const kernel = model.getLayer('conv1/conv').getWeights()[0]!;
    const size = kernel.size;
    const shape = kernel.shape;

    const duplicate = path.join(root, 'dup');
    await writeConverterStyle(duplicate, [
      { name: 'conv1/conv/kernel', shape, values: pattern(1, size) },
      { name: 'conv1/conv/kernel', shape, values: pattern(2, size) },
    ]);
    await expect(loadWeights(model, duplicate, { strict: false })).rejects.toThrow(
      /dup\/model\.json: weightsManifest lists weight "conv1\/conv\/kernel" more than once/,
    );

    const ambiguous = path.join(root, 'ambiguous');
    await writeConverterStyle(ambiguous, [
      { name: 'a/conv1/conv/kernel', shape, values: pattern(1, size) },
      { name: 'b/conv1/conv/kernel', shape, values: pattern(2, size) },
    ]);
    await expect(loadWeights(model, ambiguous, { strict: false })).rejects.toThrow(
      /ambiguous\/model\.json: weight "conv1\/conv\/kernel" matches several file weights \(a\/conv1\/conv\/kernel, b\/conv1\/conv\/kernel\)/,
    );

    const mistyped = path.join(root, 'int32');
    await writeConverterStyle(mistyped, [
      { name: 'conv1/conv/kernel', shape, values: pattern(1, size), dtype: 'int32' },
    ]);
    await expect(loadWeights(model, mistyped, { strict: false })).rejects.toThrow(
      /weight "conv1\/conv\/kernel" has dtype int32 but model weight "conv1\/conv\/kernel" is float32/,
    );

    const unrelated = path.join(root, 'unrelated');
    await writeConverterStyle(unrelated, [
      { name: 'dense_7/kernel', shape: [2, 2], values: pattern(1, 4) },
    ]);
    await expect(loadWeights(model, unrelated, { strict: false })).rejects.toThrow(
      /unrelated\/model\.json: no weight in weightsManifest matches a weight of model "densenet"/,
    );
    model.dispose();
  });
});
