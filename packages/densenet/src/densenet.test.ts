import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENSENET_BN_EPSILON } from './blocks.js';
import { createDenseNet } from './densenet.js';
import { countParams } from './params.js';
import { useCpuBackend } from './test-backend.js';
import { type DenseNetConfig, resolveVariant } from './variants.js';

beforeAll(useCpuBackend);

/**
 * Independent count, derived on paper rather than from the layers: a dense block of n bottleneck
 * layers entering with c channels has, per layer j (input c + j·k): BN 4(c+jk), Conv1×1 (c+jk)·4k,
 * BN 4·4k, Conv3×3 9·4k·k; summing over j gives the closed forms below. A transition on c channels
 * has BN 4c + Conv c·⌊c/2⌋. The stem has Conv 7·7·3·f + BN 4f; the final BN 4c. Of every BN's 4c,
 * 2c (moving mean and variance) are non-trainable.
 */
function closedFormCounts(config: DenseNetConfig, inputChannels = 3) {
  const k = config.growthRate;
  let c = config.initialFilters;
  let total = 49 * inputChannels * c + 4 * c;
  let bnChannels = c;
  config.blocks.forEach((n, i) => {
    const sumInputs = n * c + (k * n * (n - 1)) / 2; // Σ_j (c + j·k)
    total += 4 * sumInputs + 4 * k * sumInputs + n * (16 * k + 36 * k * k);
    bnChannels += sumInputs + n * 4 * k;
    c += n * k;
    if (i < config.blocks.length - 1) {
      total += 4 * c + c * Math.floor(c / 2);
      bnChannels += c;
      c = Math.floor(c / 2);
    }
  });
  total += 4 * c;
  bnChannels += c;
  return { total, trainable: total - 2 * bnChannels, nonTrainable: 2 * bnChannels, channels: c };
}

/**
 * Keras numbers for include_top=False, weights=None (model.summary()). Totals are the same
 * DenseNets' counts Keras users report (e.g. a frozen DenseNet201 base shows 18,321,984
 * non-trainable); the closed form above confirms each total and trainable split independently.
 */
const KERAS_COUNTS = {
  densenet121: { total: 7_037_504, trainable: 6_953_856, channels: 1024 },
  densenet169: { total: 12_642_880, trainable: 12_484_480, channels: 1664 },
  densenet201: { total: 18_321_984, trainable: 18_092_928, channels: 1920 },
} as const;

describe('createDenseNet parameter counts', () => {
  for (const [variant, expected] of Object.entries(KERAS_COUNTS)) {
    it(`${variant}: the closed form agrees with Keras's numbers`, () => {
      const formula = closedFormCounts(resolveVariant(variant as keyof typeof KERAS_COUNTS));
      expect(formula.total).toBe(expected.total);
      expect(formula.trainable).toBe(expected.trainable);
      expect(formula.channels).toBe(expected.channels);
    });
    for (const size of [224, 320]) {
      it(`${variant} at ${size}×${size}×3 has Keras's total and trainable counts and output shape`, () => {
        const model = createDenseNet({
          variant: variant as keyof typeof KERAS_COUNTS,
          inputShape: [size, size, 3],
        });
        try {
          expect(countParams(model)).toEqual({
            total: expected.total,
            trainable: expected.trainable,
            nonTrainable: expected.total - expected.trainable,
          });
          expect(model.countParams()).toBe(expected.total);
          // Stem divides by 4 and three transitions by 8: 224 → 7, 320 → 10.
          expect(model.outputs[0]!.shape).toEqual([null, size / 32, size / 32, expected.channels]);
          expect(model.name).toBe(variant);
        } finally {
          model.dispose();
        }
      });
    }
  }

  it('small presets and custom configurations match the closed form', () => {
    const cases: Array<[DenseNetConfig | 'tiny' | 'small', [number, number, number]]> = [
      ['tiny', [32, 32, 3]],
      ['small', [64, 64, 3]],
      [{ blocks: [3, 5, 1], growthRate: 7, initialFilters: 9 }, [48, 40, 1]],
    ];
    for (const [variant, inputShape] of cases) {
      const model = createDenseNet({ variant, inputShape });
      const formula = closedFormCounts(resolveVariant(variant), inputShape[2]);
      expect(countParams(model)).toEqual({
        total: formula.total,
        trainable: formula.trainable,
        nonTrainable: formula.nonTrainable,
      });
      expect(model.outputs[0]!.shape[3]).toBe(formula.channels);
      model.dispose();
    }
  });
});

describe('createDenseNet layers', () => {
  it('has the Keras layer names and order for DenseNet-121', () => {
    const model = createDenseNet({ variant: 'densenet121', inputShape: [224, 224, 3] });
    const names = model.layers.map((l) => l.name);
    expect(names.slice(0, 14)).toEqual([
      'input_1',
      'zero_padding2d',
      'conv1/conv',
      'conv1/bn',
      'conv1/relu',
      'zero_padding2d_1',
      'pool1',
      'conv2_block1_0_bn',
      'conv2_block1_0_relu',
      'conv2_block1_1_conv',
      'conv2_block1_1_bn',
      'conv2_block1_1_relu',
      'conv2_block1_2_conv',
      'conv2_block1_concat',
    ]);
    const pool2 = names.indexOf('pool2_bn');
    expect(names[pool2 - 1]).toBe('conv2_block6_concat');
    expect(names.slice(pool2, pool2 + 5)).toEqual([
      'pool2_bn',
      'pool2_relu',
      'pool2_conv',
      'pool2_pool',
      'conv3_block1_0_bn',
    ]);
    expect(names).toContain('conv4_block24_concat');
    expect(names).not.toContain('conv4_block25_concat');
    expect(names).not.toContain('pool5_bn');
    expect(names.slice(-3)).toEqual(['conv5_block16_concat', 'bn', 'relu']);
    // 1 input + 6 stem + 58 bottleneck layers × 7 + 3 transitions × 4 + final BN and ReLU.
    expect(model.layers.length).toBe(427);
    model.dispose();
  });

  it('configures layers like Keras: no conv bias, BN epsilon 1.001e-5 on the last axis, halving transitions', () => {
    const model = createDenseNet({ variant: 'tiny', inputShape: [32, 32, 3] });
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    expect(convs.length).toBe(1 + 2 * (2 + 2 + 2) + 2);
    for (const conv of convs) {
      expect(conv.getConfig().useBias).toBe(false);
      expect(conv.getWeights().length).toBe(1);
    }
    for (const bn of bns) {
      expect(bn.getConfig().epsilon).toBe(DENSENET_BN_EPSILON);
      expect(bn.getConfig().axis).toBe(-1);
    }
    const stem = model.getLayer('conv1/conv').getConfig();
    expect(stem).toMatchObject({
      kernelSize: [7, 7],
      strides: [2, 2],
      padding: 'valid',
      filters: 16,
    });
    expect(model.getLayer('conv2_block1_2_conv').getConfig()).toMatchObject({
      kernelSize: [3, 3],
      padding: 'same',
      filters: 8,
    });
    expect(model.getLayer('conv2_block1_1_conv').getConfig()).toMatchObject({ filters: 32 });
    // tiny: 16 stem channels + 2·8 = 32 into pool2, halved to 16.
    expect(model.getLayer('pool2_conv').getConfig()).toMatchObject({
      filters: 16,
      kernelSize: [1, 1],
    });
    expect(model.getLayer('pool1').getConfig()).toMatchObject({
      poolSize: [3, 3],
      strides: [2, 2],
    });
    expect(model.getLayer('pool2_pool').getConfig()).toMatchObject({
      poolSize: [2, 2],
      strides: [2, 2],
    });
    model.dispose();
  });

  it('computes a forward pass with the declared output shape', () => {
    const model = createDenseNet({ variant: 'tiny', inputShape: [40, 24, 3], seed: 3 });
    const y = tf.tidy(() => model.predict(tf.ones([2, 40, 24, 3])) as tf.Tensor);
    // 40 → 20 → 10 → 5 → 2; 24 → 12 → 6 → 3 → 1
    expect(y.shape).toEqual([2, 2, 1, 32]);
    expect(y.min().dataSync()[0]).toBeGreaterThanOrEqual(0); // final ReLU
    y.dispose();
    model.dispose();
  });

  it('rejects inputs that vanish before the last block, naming the axis', () => {
    expect(() => createDenseNet({ variant: 'densenet121', inputShape: [15, 224, 3] })).toThrow(
      /height 15 is too small/,
    );
    expect(() => createDenseNet({ variant: 'densenet121', inputShape: [15, 224, 3] })).toThrow(
      RangeError,
    );
    expect(() => createDenseNet({ variant: 'tiny', inputShape: [64, 8, 3] })).toThrow(/width 8/);
    expect(() => createDenseNet({ variant: 'tiny', inputShape: [64, 8, 3] })).toThrow(RangeError);
    expect(() => createDenseNet({ variant: 'tiny', inputShape: [64, 64] as never })).toThrow(
      /inputShape must be \[height, width, channels\]/,
    );
    expect(() => createDenseNet({ variant: 'tiny', inputShape: [64, 64] as never })).toThrow(
      RangeError,
    );
  });

  it('is reproducible with a seed and differs between seeds and between layers', () => {
    const kernels = (seed: number) => {
      const model = createDenseNet({ variant: 'tiny', inputShape: [32, 32, 3], seed });
      const a = model.getLayer('conv2_block1_1_conv').getWeights()[0]!.dataSync().slice();
      const b = model
        .getLayer('conv2_block2_1_conv')
        .getWeights()[0]!
        .dataSync()
        .slice(0, 16 * 32);
      model.dispose();
      return { a, b };
    };
    const first = kernels(7);
    const again = kernels(7);
    const other = kernels(8);
    expect(Array.from(again.a)).toEqual(Array.from(first.a));
    expect(Array.from(other.a)).not.toEqual(Array.from(first.a));
    expect(Array.from(first.b)).not.toEqual(Array.from(first.a.slice(0, 16 * 32)));
  });
});
