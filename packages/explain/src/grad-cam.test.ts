import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradCam, peakOf } from './grad-cam.js';
import { perturbBatchNorm, randomImage, tinyClassifier, useCpuBackend } from './test-models.js';

beforeAll(useCpuBackend);

/** Activations of `layerName` through TF.js's own predict, independent of the package's graph walker. */
function activationsOf(model: tf.LayersModel, layerName: string, image: tf.Tensor) {
  return tf.tidy(() => {
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(layerName).output });
    const a = sub.predict(image.rank === 3 ? image.expandDims(0) : image) as tf.Tensor4D;
    return { data: Array.from(a.dataSync()), shape: a.shape };
  });
}

function weightsOf(model: tf.LayersModel, layerName: string): number[][] {
  return model
    .getLayer(layerName)
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
}

/** Naive bilinear resize with half-pixel centres (OpenCV / torch align_corners=False). */
function resizeBilinear(src: number[], h: number, w: number, outH: number, outW: number) {
  const out: number[] = [];
  for (let y = 0; y < outH; y++) {
    const sy = Math.max(0, Math.min(h - 1, ((y + 0.5) * h) / outH - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = Math.max(0, Math.min(w - 1, ((x + 0.5) * w) / outW - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      const top = src[y0 * w + x0]! * (1 - fx) + src[y0 * w + x1]! * fx;
      const bottom = src[y1 * w + x0]! * (1 - fx) + src[y1 * w + x1]! * fx;
      out.push(top * (1 - fy) + bottom * fy);
    }
  }
  return out;
}

function normaliseAndClip(map: number[], clip: number): number[] {
  const max = Math.max(...map);
  return map.map((v) => (max > 0 ? v / max : 0)).map((v) => (v < clip ? 0 : v));
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Hand-derived Grad-CAM for the tiny classifier's head (BN inference → GAP → Dense ReLU → Dense
 * sigmoid; dropout is the identity at inference): ∂p_k/∂A_ijc = p_k(1 − p_k) Σ_u W2[u,k]·1[h_u>0]·
 * W1[c,u] · γ_c/√(σ²_c+ε) / (h·w), the same at every (i, j), so α_c is that value.
 */
function referenceGradCam(model: tf.LayersModel, image: tf.Tensor, label: number, clip: number) {
  const { data: a, shape } = activationsOf(model, 'top_conv2d', image);
  const [, h, w, c] = shape;
  const [gamma, beta, movingMean, movingVar] = weightsOf(model, 'top_bn');
  const eps = 1e-3;
  const scale = gamma!.map((g, ch) => g / Math.sqrt(movingVar![ch]! + eps));
  const pooled = new Array<number>(c).fill(0);
  for (let p = 0; p < h * w; p++) {
    for (let ch = 0; ch < c; ch++) {
      pooled[ch]! += (scale[ch]! * (a[p * c + ch]! - movingMean![ch]!) + beta![ch]!) / (h * w);
    }
  }
  const [w1, b1] = weightsOf(model, 'top_dense');
  const [w2, b2] = weightsOf(model, 'predictions');
  const units = b1!.length;
  const outputs = b2!.length;
  const hidden = b1!.map(
    (b, u) => b + pooled.reduce((s, v, ch) => s + v * w1![ch * units + u]!, 0),
  );
  const z =
    b2![label]! + hidden.reduce((s, v, u) => s + Math.max(v, 0) * w2![u * outputs + label]!, 0);
  const prob = sigmoid(z);
  const alpha = pooled.map((_, ch) => {
    let dHidden = 0;
    for (let u = 0; u < units; u++) {
      if (hidden[u]! > 0) dHidden += w2![u * outputs + label]! * w1![ch * units + u]!;
    }
    return (prob * (1 - prob) * dHidden * scale[ch]!) / (h * w);
  });
  const cam: number[] = [];
  for (let p = 0; p < h * w; p++) {
    let v = 0;
    for (let ch = 0; ch < c; ch++) v += alpha[ch]! * a[p * c + ch]!;
    cam.push(Math.max(v, 0));
  }
  const [, imageH, imageW] = image.rank === 3 ? [1, ...image.shape] : image.shape;
  return { heatmap: normaliseAndClip(resizeBilinear(cam, h, w, imageH!, imageW!), clip), prob };
}

describe('gradCam', () => {
  it('matches a hand-derived Grad-CAM (BN, concat, pooling, bilinear upsampling) for every label', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 3, seed: 11 });
    perturbBatchNorm(model);
    const image = randomImage(16, 5);
    for (const clip of [0, 0.5]) {
      const results = await gradCam(model, image as tf.Tensor3D, { clip });
      expect(results.map((r) => r.label)).toEqual([0, 1, 2]);
      for (const result of results) {
        const reference = referenceGradCam(model, image, result.label, clip);
        expect(result.width).toBe(16);
        expect(result.height).toBe(16);
        expect(result.heatmap).toHaveLength(256);
        expect(result.probability).toBeCloseTo(reference.prob, 5);
        const diff = Math.max(
          ...Array.from(result.heatmap, (v, i) => Math.abs(v - reference.heatmap[i]!)),
        );
        expect(diff).toBeLessThan(1e-4);
      }
    }
    model.dispose();
    image.dispose();
  });

  it('returns maps in [0, 1] with maximum 1, the peak at the maximum, and the probabilities of predict', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 4, seed: 3 });
    const image = randomImage(16, 9, 1);
    const predicted = tf.tidy(() => Array.from((model.predict(image) as tf.Tensor).dataSync()));
    const results = await gradCam(model, image as tf.Tensor4D, {
      labels: ['c', 0],
      outputLabels: ['a', 'b', 'c', 'd'],
    });
    expect(results.map((r) => [r.label, r.name])).toEqual([
      [2, 'c'],
      [0, 'a'],
    ]);
    for (const r of results) {
      expect(r.probability).toBeCloseTo(predicted[r.label]!, 6);
      const max = Math.max(...r.heatmap);
      if (max > 0) {
        expect(max).toBeCloseTo(1, 6);
        expect(Math.min(...r.heatmap)).toBeGreaterThanOrEqual(0);
        expect(r.peak).not.toBeNull();
        expect(r.heatmap[r.peak!.y * r.width + r.peak!.x]).toBe(max);
      }
    }
    model.dispose();
    image.dispose();
  });

  it('sets every normalised value below clip to 0 and leaves the others unchanged', async () => {
    const model = tinyClassifier({ size: 16, seed: 21 });
    const image = randomImage(16, 4);
    const [full] = await gradCam(model, image as tf.Tensor3D, { label: 1, clip: 0 });
    for (const clip of [0.3, 0.5, 0.8]) {
      const [clipped] = await gradCam(model, image as tf.Tensor3D, { label: 1, clip });
      expect(clipped!.heatmap.some((v) => v > 0 && v < clip)).toBe(false);
      expect(clipped!.heatmap.some((v) => v === 0)).toBe(true);
      clipped!.heatmap.forEach((v, i) => {
        const unclipped = full!.heatmap[i]!;
        expect(v).toBe(unclipped >= clip ? unclipped : 0);
      });
    }
    // The unclipped map really has values in (0, 0.5): the clip test above is not vacuous.
    expect(full!.heatmap.some((v) => v > 0 && v < 0.5)).toBe(true);
    model.dispose();
    image.dispose();
  });

  it('gives an all-zero map (no NaN) and a null peak when the label ignores the activations', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 2 });
    const predictions = model.getLayer('predictions');
    const [kernel, bias] = predictions.getWeights();
    const masked = tf.tidy(() => kernel!.mul(tf.tensor2d([[0, 1]])));
    predictions.setWeights([masked, bias!]);
    masked.dispose();
    const image = randomImage(16, 8);
    const [zero, live] = await gradCam(model, image as tf.Tensor3D, { labels: [0, 1] });
    expect(zero!.heatmap.every((v) => v === 0)).toBe(true);
    expect(zero!.peak).toBeNull();
    expect(zero!.probability).toBeCloseTo(sigmoid(bias!.dataSync()[0]!), 6);
    expect(live!.heatmap.some((v) => v === 1)).toBe(true);
    model.dispose();
    image.dispose();
  });

  it('works for a single-output model', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 1, seed: 4 });
    const image = randomImage(16, 12);
    const [result] = await gradCam(model, image as tf.Tensor3D);
    const reference = referenceGradCam(model, image, 0, 0.5);
    result!.heatmap.forEach((v, i) => {
      expect(v).toBeCloseTo(reference.heatmap[i]!, 4);
    });
    model.dispose();
    image.dispose();
  });

  it('works on a tf.sequential model', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 3],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: 'top_conv2d',
        }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 2, activation: 'sigmoid', name: 'predictions' }),
      ],
    });
    const image = randomImage(8, 13);
    const { data: act } = activationsOf(model, 'top_conv2d', image);
    const [kernel] = weightsOf(model, 'predictions');
    for (const r of await gradCam(model, image as tf.Tensor3D, { clip: 0 })) {
      // α_c ∝ W[c, k] with a positive factor p(1 − p)/(h·w).
      const cam = Array.from({ length: 64 }, (_, p) =>
        Math.max(
          0,
          [0, 1, 2, 3].reduce((s, ch) => s + kernel![ch * 2 + r.label]! * act[p * 4 + ch]!, 0),
        ),
      );
      normaliseAndClip(cam, 0).forEach((v, i) => {
        expect(r.heatmap[i]).toBeCloseTo(v, 5);
      });
    }
    model.dispose();
    image.dispose();
  });

  it('leaves the number of tensors unchanged', async () => {
    const model = tinyClassifier({ size: 16 });
    const image = randomImage(16, 2);
    await gradCam(model, image as tf.Tensor3D); // warm-up: lazily created kernels/constants
    const before = tf.memory().numTensors;
    await gradCam(model, image as tf.Tensor3D, { labels: [0, 2], clip: 0.2 });
    await gradCam(model, image as tf.Tensor3D, { layerName: 'block_conv' });
    expect(tf.memory().numTensors).toBe(before);
    await expect(gradCam(model, image as tf.Tensor3D, { label: 7 })).rejects.toThrow(
      /label must be an integer in \[0, 3\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    image.dispose();
  });

  it('handles skip connections around the target layer', async () => {
    // input → conv a → target conv → add(target, a) → GAP → Dense sigmoid: a is fed to the head.
    const input = tf.input({ shape: [8, 8, 3] });
    const a = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a' })
      .apply(input) as tf.SymbolicTensor;
    const t = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'target' })
      .apply(a) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([t, a]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(sum) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ units: 2, activation: 'sigmoid', name: 'out' })
      .apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const image = randomImage(8, 6);
    const before = tf.memory().numTensors;
    const results = await gradCam(model, image as tf.Tensor3D, { layerName: 'target', clip: 0 });
    expect(tf.memory().numTensors).toBe(before);
    // ∂p_k/∂T_ijc = p_k(1 − p_k) W[c,k] / (h·w): α_c ∝ W[c,k] with a positive factor.
    const { data: act } = activationsOf(model, 'target', image);
    const [kernel] = weightsOf(model, 'out');
    for (const r of results) {
      const cam = Array.from({ length: 64 }, (_, p) =>
        Math.max(
          0,
          [0, 1, 2, 3].reduce((s, ch) => s + kernel![ch * 2 + r.label]! * act[p * 4 + ch]!, 0),
        ),
      );
      const expected = normaliseAndClip(cam, 0);
      expected.forEach((v, i) => {
        expect(r.heatmap[i]).toBeCloseTo(v, 5);
      });
    }
    model.dispose();
    image.dispose();
  });

  it('rejects bad input with errors naming the field', async () => {
    const model = tinyClassifier({ size: 16 });
    const image = randomImage(16, 1);
    const wrongSize = randomImage(12, 1);
    const outOfRange = tf.fill([16, 16, 3], 2);
    await expect(gradCam(model, image as tf.Tensor3D, { layerName: 'nope' })).rejects.toThrow(
      /layerName 'nope' is not a layer.*top_conv2d/,
    );
    await expect(gradCam(model, image as tf.Tensor3D, { layerName: 'top_dense' })).rejects.toThrow(
      /\[batch, h, w, channels\]/,
    );
    await expect(gradCam(model, wrongSize as tf.Tensor3D)).rejects.toThrow(
      /image has shape \[1, 12, 12, 3\]/,
    );
    await expect(gradCam(model, outOfRange as tf.Tensor3D)).rejects.toThrow(
      /values must be in \[0, 1\]/,
    );
    await expect(gradCam(model, image as tf.Tensor3D, { label: 'x' })).rejects.toThrow(
      /no outputLabels/,
    );
    await expect(gradCam(model, image as tf.Tensor3D, { outputLabels: ['a'] })).rejects.toThrow(
      /outputLabels has 1 entries/,
    );
    await expect(gradCam(model, image as tf.Tensor3D, { clip: 2 })).rejects.toThrow(
      /clip must be in \[0, 1\]/,
    );
    tf.dispose([image, wrongSize, outOfRange]);
    model.dispose();
  });

  it('throws RangeError for bad label, labels, layerName, clip and image arguments', async () => {
    const model = tinyClassifier({ size: 16 });
    const image = randomImage(16, 1);
    const batch = randomImage(16, 1, 2);
    const outOfRange = tf.fill([16, 16, 3], 2);
    const outputLabels = ['a', 'b', 'c'];
    const cases: [tf.Tensor, Parameters<typeof gradCam>[2], RegExp][] = [
      [image, { label: 0, labels: [1] }, /give either label or labels, not both/],
      [image, { labels: [] }, /labels is empty/],
      [image, { label: 'x' }, /label is the name 'x' but no outputLabels were given/],
      [image, { labels: ['a', 'zz'], outputLabels }, /labels\[1\] 'zz' is not in outputLabels/],
      [image, { label: 7 }, /label must be an integer in \[0, 3\), got 7/],
      [image, { layerName: 'nope' }, /layerName 'nope' is not a layer/],
      [image, { layerName: 'top_dense' }, /Grad-CAM needs a \[batch, h, w, channels\]/],
      [image, { clip: 2 }, /clip must be in \[0, 1\], got 2/],
      [batch, {}, /image must be a single image, got a batch of 2/],
      [outOfRange, {}, /image values must be in \[0, 1\], got \[2, 2\]/],
    ];
    for (const [input, options, message] of cases) {
      const call = gradCam(model, input as tf.Tensor3D, options);
      await expect(call).rejects.toBeInstanceOf(RangeError);
      await expect(call).rejects.toThrow(message);
    }
    tf.dispose([image, batch, outOfRange]);
    model.dispose();
  });
});

describe('peakOf', () => {
  it('finds the first maximum in row-major order', async () => {
    expect(peakOf(new Float32Array([0, 0.5, 1, 0, 1, 0]), 3)).toEqual({ x: 2, y: 0 });
    expect(peakOf(new Float32Array([0, 0, 0, 0.7]), 2)).toEqual({ x: 1, y: 1 });
    expect(peakOf(new Float32Array(4), 2)).toBeNull();
  });
});
