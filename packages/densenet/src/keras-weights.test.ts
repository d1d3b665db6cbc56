import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { createDenseNet, type ImageShape } from './densenet.js';
import { withHdf5File, writeHdf5 } from './keras-h5.js';
import {
  encodeKerasWeights,
  kerasLayerKeys,
  kerasSnakeCase,
  kerasWeightsEntries,
  loadKerasWeights,
  readKerasArchive,
} from './keras-weights.js';
import { useCpuBackend } from './test-backend.js';
import type { DenseNetConfig } from './variants.js';

/**
 * fixtures/keras-reference holds a small DenseNet classifier with the authors' head saved by real
 * Keras 3 (fixtures/make-keras-reference.py) as .weights.h5, .keras and Keras 2 .h5, and Keras's
 * predictions for fixed inputs. Loading each file must reproduce them.
 */
const fixtureDir = fileURLToPath(new URL('../fixtures/keras-reference', import.meta.url));

interface Expected {
  config: DenseNetConfig;
  inputShape: ImageShape;
  head: { headFilters: number; denseUnits: number; numOutputs: number };
  inputBatchShape: number[];
  inputFirstValues: number[];
  predictions: number[];
  predictionsShape: number[];
}
const expected = JSON.parse(readFileSync(`${fixtureDir}/expected.json`, 'utf8')) as Expected;
const fixture = (name: string) => new Uint8Array(readFileSync(`${fixtureDir}/${name}`));

/** The script's inputs: ((k · 2654435761) mod 2³²) / 2³² · (i + 1) / batch for image i. */
function fixtureInputs(): tf.Tensor4D {
  const [batch, h, w, c] = expected.inputBatchShape as [number, number, number, number];
  const perImage = h * w * c;
  const values = new Float32Array(batch * perImage);
  for (let k = 0; k < values.length; k++) {
    const hashed = Number((BigInt(k) * 2654435761n) % 4294967296n) / 4294967296;
    values[k] = hashed * ((Math.floor(k / perImage) + 1) / batch);
  }
  return tf.tensor4d(values, [batch, h, w, c]);
}

function fixtureModel(seed = 1): tf.LayersModel {
  return createClassifier({
    variant: expected.config,
    inputShape: expected.inputShape,
    ...expected.head,
    seed,
  });
}

function maxAbsDifference(model: tf.LayersModel): number {
  return tf.tidy(() => {
    const input = fixtureInputs();
    const output = model.predict(input) as tf.Tensor;
    expect(output.shape).toEqual(expected.predictionsShape);
    const values = output.dataSync();
    return expected.predictions.reduce((m, v, i) => Math.max(m, Math.abs(values[i]! - v)), 0);
  });
}

beforeAll(useCpuBackend);

describe('Keras reference fixtures', () => {
  it('recomputes the script’s inputs exactly', () => {
    const input = fixtureInputs();
    expect(Array.from(input.dataSync().slice(0, 4))).toEqual(expected.inputFirstValues);
    input.dispose();
  });

  it.each([
    ['model.weights.h5', 'keras3'],
    ['model.keras', 'keras3'],
    ['model-legacy.h5', 'keras2'],
  ])('%s loads strictly and gives Keras’s predictions within 1e-5', async (file, layout) => {
    const model = fixtureModel();
    // A freshly initialised model is far from the reference: the check can fail.
    expect(maxAbsDifference(model)).toBeGreaterThan(1e-2);
    const report = await loadKerasWeights(model, fixture(file), { file });
    expect(report.layout).toBe(layout);
    expect(report.missing).toEqual([]);
    expect(report.unused).toEqual([]);
    expect(report.loaded).toHaveLength(model.weights.length);
    expect(maxAbsDifference(model)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('accepts an ArrayBuffer as well as a Uint8Array', async () => {
    const model = fixtureModel();
    const bytes = fixture('model.weights.h5');
    await loadKerasWeights(
      model,
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    expect(maxAbsDifference(model)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('derives the layer keys Keras wrote (layers in model order, counted per class)', async () => {
    expect(kerasSnakeCase('Conv2D')).toBe('conv2d');
    expect(kerasSnakeCase('BatchNormalization')).toBe('batch_normalization');
    expect(kerasSnakeCase('GlobalAveragePooling2D')).toBe('global_average_pooling2d');
    expect(kerasSnakeCase('InputLayer')).toBe('input_layer');
    const model = fixtureModel();
    const keys = kerasLayerKeys(model);
    const written = await withHdf5File(fixture('model.weights.h5'), 'fixture', (reader) =>
      [...keys].map(([name, key]) => [
        name.replaceAll('/', '_'),
        reader.attribute(`${key}/vars`, 'name'),
      ]),
    );
    for (const [ours, keras] of written) expect(keras).toBe(ours);
    expect(keys.get('top_pred')).toBe('layers/dense_1');
    expect(keys.get('top_conv2d')).toBe('layers/conv2d_12');
    model.dispose();
  });

  it('reads the .keras archive’s config and metadata', () => {
    const archive = readKerasArchive(fixture('model.keras'), 'model.keras');
    expect(archive.config).toMatchObject({ class_name: 'Functional' });
    expect(archive.metadata).toMatchObject({ keras_version: expect.stringMatching(/^3\./) });
  });
});

describe('encodeKerasWeights', () => {
  it('round-trips: our .weights.h5 loads back into a fresh model with Keras’s predictions', async () => {
    const source = fixtureModel();
    await loadKerasWeights(source, fixture('model.keras'));
    const bytes = await encodeKerasWeights(source);
    const target = fixtureModel(2);
    const report = await loadKerasWeights(target, bytes, { file: 'ours.weights.h5' });
    expect(report.layout).toBe('keras3');
    expect(maxAbsDifference(target)).toBeLessThan(1e-5);
    // Every value survives exactly, BN statistics included.
    source.weights.forEach((w, i) => {
      expect(Array.from(target.weights[i]!.read().dataSync())).toEqual(
        Array.from(w.read().dataSync()),
      );
    });
    // Keras 3's layout: class keys, vars/0..n in the layer's order, the layer name as attribute.
    const layout = await withHdf5File(bytes, 'ours', (reader) => ({
      stem: reader.attribute('layers/conv2d/vars', 'name'),
      bn: reader.groupKeys('layers/batch_normalization_13/vars'),
      bnName: reader.attribute('layers/batch_normalization_13/vars', 'name'),
      variance: reader.dataset('layers/batch_normalization_13/vars/3'),
      pred: reader.datasetShape('layers/dense_1/vars/0'),
    }));
    expect(layout.stem).toBe('conv1_conv');
    expect(layout.bn).toEqual(['0', '1', '2', '3']);
    expect(layout.bnName).toBe('top_bn');
    expect(Array.from(layout.variance!.values)).toEqual(
      Array.from(source.getLayer('top_bn').getWeights()[3]!.dataSync()),
    );
    expect(layout.pred!.shape).toEqual([expected.head.denseUnits, expected.head.numOutputs]);
    source.dispose();
    target.dispose();
  });

  it('loads a Keras 3 file without layer-name attributes by class keys', async () => {
    const source = fixtureModel();
    await loadKerasWeights(source, fixture('model.weights.h5'));
    const bytes = await writeHdf5(kerasWeightsEntries(source, { names: false }));
    const target = fixtureModel(3);
    await loadKerasWeights(target, bytes);
    expect(maxAbsDifference(target)).toBeLessThan(1e-5);
    source.dispose();
    target.dispose();
  });
});

describe('loadKerasWeights errors', () => {
  it('rejects bytes that are not HDF5 or a .keras zip, naming the file', async () => {
    const model = fixtureModel();
    await expect(
      loadKerasWeights(model, new TextEncoder().encode('{"weightsManifest": []}'), {
        file: 'w.json',
      }),
    ).rejects.toThrow(/^w\.json: not an HDF5 file/);
    const zip = zipSync({ 'config.json': new TextEncoder().encode('{}') });
    await expect(loadKerasWeights(model, zip, { file: 'm.keras' })).rejects.toThrow(
      /^m\.keras: the archive has no model\.weights\.h5/,
    );
    model.dispose();
  });

  it('names a missing layer when strict and loads the rest when not', async () => {
    const base = fixtureModel();
    const extra = tf.layers
      .dense({ units: 2, name: 'extra_dense' })
      .apply(base.outputs[0]!) as tf.SymbolicTensor;
    const model = tf.model({ inputs: base.inputs, outputs: extra });
    const before = model.weights.map((w) => Array.from(w.read().dataSync()));
    await expect(
      loadKerasWeights(model, fixture('model.weights.h5'), { file: 'model.weights.h5' }),
    ).rejects.toThrow(
      /^model\.weights\.h5: no weight for 2 model weight\(s\): extra_dense\/kernel, extra_dense\/bias \(pass \{ strict: false \}/,
    );
    // Nothing was assigned.
    expect(model.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(before);
    const report = await loadKerasWeights(model, fixture('model.weights.h5'), { strict: false });
    expect(report.missing).toEqual(['extra_dense/kernel', 'extra_dense/bias']);
    expect(maxAbsDifference(base)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('names file layers the model lacks', async () => {
    const backbone = createDenseNet({ variant: expected.config, inputShape: expected.inputShape });
    await expect(
      loadKerasWeights(backbone, fixture('model-legacy.h5'), { file: 'model-legacy.h5' }),
    ).rejects.toThrow(
      /^model-legacy\.h5: weight\(s\) not in the model: top_conv2d\/kernel, top_conv2d\/bias/,
    );
    const report = await loadKerasWeights(backbone, fixture('model-legacy.h5'), { strict: false });
    expect(report.missing).toEqual([]);
    expect(report.unused).toContain('top_pred/kernel');
    backbone.dispose();
  });

  it('names the file, layer and weight of a wrong shape and assigns nothing', async () => {
    const model = createClassifier({
      variant: expected.config,
      inputShape: expected.inputShape,
      ...expected.head,
      numOutputs: expected.head.numOutputs + 1,
    });
    const before = model.weights.map((w) => Array.from(w.read().dataSync()));
    await expect(
      loadKerasWeights(model, fixture('model.keras'), { file: 'model.keras' }),
    ).rejects.toThrow(
      /^model\.keras \(model\.weights\.h5\): weight "top_pred\/vars\/0" has shape \[6, 14\] but model weight "top_pred\/kernel" needs \[6, 15\]/,
    );
    await expect(
      loadKerasWeights(model, fixture('model-legacy.h5'), { file: 'old.h5' }),
    ).rejects.toThrow(
      /^old\.h5: weight "top_pred\/kernel" has shape \[6, 14\] but model weight "top_pred\/kernel" needs \[6, 15\]/,
    );
    expect(model.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(before);
    model.dispose();
  });

  it('throws RangeError for a nested model and TypeError for a weight that is not float32', async () => {
    const inner = tf.sequential({
      name: 'inner',
      layers: [tf.layers.dense({ units: 2, inputShape: [3] })],
    });
    const input = tf.input({ shape: [3] });
    const nested = tf.model({
      name: 'outer',
      inputs: input,
      outputs: inner.apply(input) as tf.SymbolicTensor,
    });
    expect(() => kerasLayerKeys(nested)).toThrow(RangeError);
    expect(() => kerasLayerKeys(nested)).toThrow(
      /model "outer" nests model "inner"; only flat models are supported/,
    );
    await expect(encodeKerasWeights(nested)).rejects.toBeInstanceOf(RangeError);

    class IntWeight extends tf.layers.Layer {
      static className = 'IntWeight';
      override build(): void {
        this.addWeight('counts', [2], 'int32', tf.initializers.zeros());
        this.built = true;
      }
    }
    const withInt = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3] }), new IntWeight({ name: 'counts' })],
    });
    await expect(encodeKerasWeights(withInt)).rejects.toBeInstanceOf(TypeError);
    await expect(encodeKerasWeights(withInt)).rejects.toThrow(/is int32, not float32/);
    nested.dispose(); // disposes inner too
    withInt.dispose();
  });

  it('rejects an HDF5 file that holds no Keras weights', async () => {
    const bytes = await writeHdf5([{ kind: 'group', path: 'data' }]);
    const model = fixtureModel();
    await expect(loadKerasWeights(model, bytes, { file: 'other.h5' })).rejects.toThrow(
      /^other\.h5: an HDF5 file but not Keras weights/,
    );
    model.dispose();
  });
});
