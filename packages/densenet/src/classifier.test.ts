import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClassifier, GRADCAM_LAYER_NAME, HEAD_LAYER_NAMES } from './classifier.js';
import { createDenseNet } from './densenet.js';
import { countParams } from './params.js';
import { useCpuBackend } from './test-backend.js';

beforeAll(useCpuBackend);

describe('createClassifier', () => {
  it('puts the paper head after the backbone, with stable names', () => {
    const model = createClassifier({ variant: 'tiny', inputShape: [32, 32, 3], numOutputs: 21 });
    const names = model.layers.map((l) => l.name);
    expect(names.slice(-8)).toEqual([
      'bn',
      'relu',
      GRADCAM_LAYER_NAME,
      HEAD_LAYER_NAMES.batchNorm,
      HEAD_LAYER_NAMES.pool,
      HEAD_LAYER_NAMES.dense,
      HEAD_LAYER_NAMES.dropout,
      HEAD_LAYER_NAMES.predictions,
    ]);
    expect(GRADCAM_LAYER_NAME).toBe('top_conv2d');
    expect(model.getLayer('top_conv2d').getConfig()).toMatchObject({
      filters: 512,
      kernelSize: [3, 3],
      padding: 'same',
      activation: 'relu',
      useBias: true,
    });
    expect(model.getLayer('top_bn').getClassName()).toBe('BatchNormalization');
    expect(model.getLayer('top_gap2d').getClassName()).toBe('GlobalAveragePooling2D');
    expect(model.getLayer('top_dense').getConfig()).toMatchObject({
      units: 128,
      activation: 'relu',
    });
    expect(model.getLayer('top_dropout').getConfig()).toMatchObject({ rate: 0.5 });
    expect(model.getLayer('top_pred').getConfig()).toMatchObject({
      units: 21,
      activation: 'sigmoid',
    });
    expect(model.outputs[0]!.shape).toEqual([null, 21]);
    // The Grad-CAM target keeps the backbone's spatial grid: 32 → 1×1 after tiny's 2 transitions.
    expect(model.getLayer(GRADCAM_LAYER_NAME).outputShape).toEqual([null, 2, 2, 512]);
    model.dispose();
  });

  it('adds exactly the head parameters counted by hand to the backbone', () => {
    const backbone = createDenseNet({ variant: 'densenet121', inputShape: [320, 320, 3] });
    const model = createClassifier({
      variant: 'densenet121',
      inputShape: [320, 320, 3],
      numOutputs: 21,
    });
    // Conv 3·3·1024·512 + 512 bias; BN 4·512 (2·512 non-trainable); Dense 512·128 + 128; Dense 128·21 + 21.
    const headTrainable = 9 * 1024 * 512 + 512 + 2 * 512 + 512 * 128 + 128 + 128 * 21 + 21;
    const base = countParams(backbone);
    expect(countParams(model)).toEqual({
      total: base.total + headTrainable + 2 * 512,
      trainable: base.trainable + headTrainable,
      nonTrainable: base.nonTrainable + 2 * 512,
    });
    backbone.dispose();
    model.dispose();
  });

  it('honours the head options', () => {
    const model = createClassifier({
      variant: 'tiny',
      inputShape: [32, 32, 3],
      numOutputs: 3,
      headFilters: 16,
      denseUnits: 8,
      dropoutRate: 0.25,
    });
    expect(model.getLayer('top_conv2d').getConfig()).toMatchObject({ filters: 16 });
    expect(model.getLayer('top_dense').getConfig()).toMatchObject({ units: 8 });
    expect(model.getLayer('top_dropout').getConfig()).toMatchObject({ rate: 0.25 });
    model.dispose();
  });

  it('outputs probabilities of shape [batch, numOutputs]', () => {
    const model = createClassifier({
      variant: 'tiny',
      inputShape: [32, 32, 3],
      numOutputs: 5,
      seed: 1,
    });
    const y = tf.tidy(
      () => model.predict(tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 2)) as tf.Tensor,
    );
    expect(y.shape).toEqual([3, 5]);
    const values = Array.from(y.dataSync());
    expect(values.every((v) => v > 0 && v < 1)).toBe(true);
    y.dispose();
    model.dispose();
  });

  it('draws Glorot-uniform kernels within ±sqrt(6 / (fan_in + fan_out)), reproducibly per seed', () => {
    const weightsOf = (seed: number) => {
      const model = createClassifier({
        variant: 'tiny',
        inputShape: [32, 32, 3],
        numOutputs: 4,
        seed,
      });
      const conv = model.getLayer('top_conv2d').getWeights()[0]!;
      const dense = model.getLayer('top_pred').getWeights()[0]!;
      const out = { conv: Array.from(conv.dataSync()), dense: Array.from(dense.dataSync()) };
      model.dispose();
      return out;
    };
    const a = weightsOf(11);
    const maxAbs = (values: number[]) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // top_conv2d: 3×3 kernel, 32 → 512 channels; predictions: 128 → 4.
    const convLimit = Math.sqrt(6 / (9 * 32 + 9 * 512));
    const denseLimit = Math.sqrt(6 / (128 + 4));
    expect(maxAbs(a.conv)).toBeLessThanOrEqual(convLimit);
    expect(maxAbs(a.conv)).toBeGreaterThan(0.9 * convLimit);
    expect(maxAbs(a.dense)).toBeLessThanOrEqual(denseLimit);
    expect(weightsOf(11)).toEqual(a);
    expect(weightsOf(12).conv).not.toEqual(a.conv);
  });

  it('names the bad option', () => {
    const base = { variant: 'tiny' as const, inputShape: [32, 32, 3] as const };
    expect(() => createClassifier({ ...base, numOutputs: 0 })).toThrow(/numOutputs/);
    expect(() => createClassifier({ ...base, numOutputs: 0 })).toThrow(RangeError);
    expect(() => createClassifier({ ...base, numOutputs: 2, dropoutRate: 1 })).toThrow(
      /dropoutRate/,
    );
    expect(() => createClassifier({ ...base, numOutputs: 2, dropoutRate: 1 })).toThrow(RangeError);
    expect(() => createClassifier({ ...base, numOutputs: 2, headFilters: 2.5 })).toThrow(
      /headFilters/,
    );
    expect(() => createClassifier({ ...base, numOutputs: 2, headFilters: 2.5 })).toThrow(
      RangeError,
    );
    expect(() => createClassifier({ ...base, numOutputs: 2, denseUnits: -1 })).toThrow(
      /denseUnits/,
    );
    expect(() => createClassifier({ ...base, numOutputs: 2, denseUnits: -1 })).toThrow(RangeError);
  });
});

describe('batchNormMomentum', () => {
  it('is Keras 0.99 by default and configurable for every BN layer, head included', () => {
    const momenta = (m: tf.LayersModel) =>
      m.layers
        .filter((l) => l.getClassName() === 'BatchNormalization')
        .map((l) => (l.getConfig() as { momentum: number }).momentum);
    const keras = createClassifier({ variant: 'tiny', inputShape: [32, 32, 3], numOutputs: 2 });
    const fast = createClassifier({
      variant: 'tiny',
      inputShape: [32, 32, 3],
      numOutputs: 2,
      batchNormMomentum: 0.9,
    });
    expect(new Set(momenta(keras))).toEqual(new Set([0.99]));
    expect(new Set(momenta(fast))).toEqual(new Set([0.9]));
    expect(momenta(fast)).toContain(0.9);
    expect(fast.getLayer('top_bn').getConfig().momentum).toBe(0.9);
    expect(() =>
      createClassifier({
        variant: 'tiny',
        inputShape: [32, 32, 3],
        numOutputs: 2,
        batchNormMomentum: 1,
      }),
    ).toThrow(/batchNormMomentum must be in \[0, 1\), got 1/);
    expect(() =>
      createClassifier({
        variant: 'tiny',
        inputShape: [32, 32, 3],
        numOutputs: 2,
        batchNormMomentum: 1,
      }),
    ).toThrow(RangeError);
    keras.dispose();
    fast.dispose();
  });
});
