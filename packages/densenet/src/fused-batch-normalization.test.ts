import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENSENET_BN_EPSILON } from './blocks.js';
import { createClassifier } from './classifier.js';
import { FusedBatchNormalization, fusedBatchNormalization } from './fused-batch-normalization.js';
import { useCpuBackend } from './test-backend.js';

beforeAll(useCpuBackend);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

/** A fused and a stock layer with the same arguments and the same (non-trivial) weights. */
function pair(args: Parameters<typeof tf.layers.batchNormalization>[0], shape: number[]) {
  const fused = fusedBatchNormalization(args);
  const stock = tf.layers.batchNormalization({ ...args, name: `${args?.name}_stock` });
  fused.build(shape);
  stock.build(shape);
  const weights = stock
    .getWeights()
    .map((w, i) =>
      tf.tidy(() =>
        tf.add(tf.mul(tf.randomUniform(w.shape, 0, 1, 'float32', 10 + i), 0.5), i === 3 ? 0.5 : 0),
      ),
    );
  fused.setWeights(weights);
  stock.setWeights(weights);
  tf.dispose(weights);
  return { fused, stock };
}

describe('FusedBatchNormalization', () => {
  const shape = [4, 5, 6, 7];
  const args = { epsilon: DENSENET_BN_EPSILON, momentum: 0.9, name: 'bn' };

  it('is a BatchNormalization to serialisation: same class name and config', () => {
    const { fused, stock } = pair(args, shape);
    expect(fused.getClassName()).toBe('BatchNormalization');
    expect(fused.getConfig()).toEqual({ ...stock.getConfig(), name: 'bn' });
    expect(fused.getWeights().map((w) => w.shape)).toEqual(stock.getWeights().map((w) => w.shape));
    expect(fused.weights.map((w) => w.originalName)).toEqual(
      stock.weights.map((w) => w.originalName),
    );
    expect(fused.weights.map((w) => w.originalName)).toEqual([
      'gamma',
      'beta',
      'moving_mean',
      'moving_variance',
    ]);
    expect(fused).toBeInstanceOf(FusedBatchNormalization);
    expect(fused).toBeInstanceOf(stock.constructor);
  });

  it('trains like the stock layer: outputs, gradients and moving statistics', () => {
    const { fused, stock } = pair(args, shape);
    const x = tf.add(tf.mul(tf.randomUniform(shape, -1, 1, 'float32', 3), 2), 0.5);
    const dy = tf.randomUniform(shape, -1, 1, 'float32', 4);
    const run = (layer: tf.layers.Layer) => {
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads: byName } = tf.variableGrads(
        () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar,
        vars,
      );
      const grads = vars.map((v) => byName[v.name] as tf.Tensor);
      const dx = tf.grad((input: tf.Tensor) =>
        tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)),
      )(x);
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      return { value, grads, dx, y };
    };
    const a = run(fused);
    const b = run(stock);
    expect(maxAbsDiff(a.y, b.y)).toBeLessThan(1e-5);
    expect(maxAbsDiff(a.dx, b.dx)).toBeLessThan(1e-5);
    expect(a.grads).toHaveLength(2); // gamma, beta
    a.grads.forEach((g, i) => {
      expect(maxAbsDiff(g, b.grads[i] as tf.Tensor)).toBeLessThan(1e-4);
    });
    expect(
      Math.abs((a.value.dataSync()[0] as number) - (b.value.dataSync()[0] as number)),
    ).toBeLessThan(1e-3);
    // Three training-mode calls each: moving mean and variance followed the same updates.
    const [, , fMean, fVar] = fused.getWeights();
    const [, , sMean, sVar] = stock.getWeights();
    expect(maxAbsDiff(fMean as tf.Tensor, sMean as tf.Tensor)).toBeLessThan(1e-6);
    expect(maxAbsDiff(fVar as tf.Tensor, sVar as tf.Tensor)).toBeLessThan(1e-5);
    expect(maxAbsDiff(fVar as tf.Tensor, tf.onesLike(fVar as tf.Tensor))).toBeGreaterThan(0.1);
    // Inference uses the moving statistics, as the stock layer does.
    const yInfer = fused.apply(x, { training: false }) as tf.Tensor;
    expect(maxAbsDiff(yInfer, stock.apply(x, { training: false }) as tf.Tensor)).toBeLessThan(1e-5);
  });

  it('leaves other axes to the stock implementation, with the same results', () => {
    const other = { axis: 1, epsilon: 1e-3, name: 'bn_axis1', momentum: 0.5 };
    const { fused, stock } = pair(other, shape);
    const x = tf.randomUniform(shape, -1, 1, 'float32', 5);
    const yf = fused.apply(x, { training: true }) as tf.Tensor;
    const ys = stock.apply(x, { training: true }) as tf.Tensor;
    expect(maxAbsDiff(yf, ys)).toBeLessThan(1e-6);
    expect(maxAbsDiff(fused.getWeights()[3] as tf.Tensor, stock.getWeights()[3] as tf.Tensor)).toBe(
      0,
    );
  });

  it('is what createClassifier builds, and serialises as Keras BatchNormalization', () => {
    const model = createClassifier({
      variant: 'tiny',
      inputShape: [32, 32, 3],
      numOutputs: 3,
      headFilters: 8,
      denseUnits: 4,
      seed: 1,
    });
    const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    expect(bns.length).toBeGreaterThan(10);
    expect(bns.every((l) => l instanceof FusedBatchNormalization)).toBe(true);
    const json = model.toJSON(null, false) as {
      config: { layers: Array<{ class_name: string; name: string }> };
    };
    const classes = new Set(json.config.layers.map((l) => l.class_name));
    expect(classes.has('BatchNormalization')).toBe(true);
    expect([...classes].some((c) => /Fused/.test(c))).toBe(false);
    model.dispose();
  });
});
