import * as tf from '@tensorflow/tfjs';

/** Test helper: every test file runs on the pure-JS cpu backend. */
export async function useCpuBackend(): Promise<void> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}

export interface TinyClassifierOptions {
  size?: number;
  numOutputs?: number;
  dropoutRate?: number;
  headFilters?: number;
  denseUnits?: number;
  seed?: number;
  /** Add a concatenation before the head, like DenseNet's dense blocks. */
  concat?: boolean;
}

/**
 * Test helper: a tiny conv net with the project classifier's head — `top_conv2d` (3×3, ReLU),
 * `top_bn`, global average pooling, Dense ReLU, `top_dropout`, Dense sigmoid `predictions`.
 * One 2×2 max pool halves the resolution so that Grad-CAM has to upsample.
 */
export function tinyClassifier(options: TinyClassifierOptions = {}): tf.LayersModel {
  const {
    size = 16,
    numOutputs = 3,
    dropoutRate = 0.5,
    headFilters = 8,
    denseUnits = 16,
    seed = 1,
    concat = true,
  } = options;
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const stem = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(),
      name: 'stem_conv',
    })
    .apply(input) as tf.SymbolicTensor;
  let x = tf.layers
    .maxPooling2d({ poolSize: 2, name: 'stem_pool' })
    .apply(stem) as tf.SymbolicTensor;
  if (concat) {
    const branch = tf.layers
      .conv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
        name: 'block_conv',
      })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ name: 'block_concat' }).apply([x, branch]) as tf.SymbolicTensor;
  }
  x = tf.layers
    .conv2d({
      filters: headFilters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(),
      name: 'top_conv2d',
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'top_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'top_avg_pool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: denseUnits, activation: 'relu', kernelInitializer: init(), name: 'top_dense' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: dropoutRate, name: 'top_dropout' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      units: numOutputs,
      activation: 'sigmoid',
      kernelInitializer: init(),
      name: 'predictions',
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'tiny_classifier' });
}

/** Gives every BatchNormalization layer non-trivial moving statistics and affine parameters. */
export function perturbBatchNorm(model: tf.LayersModel, seed = 7): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const weights = layer.getWeights();
    const replaced = weights.map((w, i) => {
      const u = tf.randomUniform(w.shape, 0, 1, 'float32', seed + i);
      // gamma, beta, moving mean, moving variance (> 0)
      const value = i === 3 ? u.add(0.5) : i === 0 ? u.add(0.5) : u.sub(0.5);
      u.dispose();
      return value;
    });
    layer.setWeights(replaced);
    tf.dispose(replaced);
  }
}

/** A deterministic pseudo-random image in [0, 1]. */
export function randomImage(size: number, seed = 3, batch?: number): tf.Tensor {
  const shape = batch == null ? [size, size, 3] : [batch, size, size, 3];
  return tf.randomUniform(shape, 0, 1, 'float32', seed);
}

/** Copies of every weight value (trainable and not), for bit-identical comparisons. */
export function snapshotWeights(model: tf.LayersModel): Map<string, Float32Array> {
  const snapshot = new Map<string, Float32Array>();
  for (const weight of model.weights) {
    snapshot.set(weight.name, (weight.read().dataSync() as Float32Array).slice());
  }
  return snapshot;
}

/**
 * Test helper: `count` grey-noise images, half of them with a bright `blob × blob` square at a
 * random place (label 1) and its box, normalised. Deterministic for a seed.
 */
export function blobDataset(count: number, size: number, blob: number, seed: number) {
  let state = seed >>> 0;
  const random = () => {
    // Park–Miller minimal standard generator: tiny, deterministic, good enough for test data.
    state = (state * 48271) % 2147483647 || 1;
    return state / 2147483647;
  };
  const pixels = new Float32Array(count * size * size * 3);
  const labels: number[][] = [];
  const boxes: ({ x0: number; y0: number; x1: number; y1: number } | null)[] = [];
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < size * size; p++) {
      pixels.fill(0.3 + 0.2 * random(), (i * size * size + p) * 3, (i * size * size + p + 1) * 3);
    }
    const positive = random() < 0.5;
    labels.push([positive ? 1 : 0]);
    if (!positive) {
      boxes.push(null);
      continue;
    }
    const x0 = Math.floor(random() * (size - blob + 1));
    const y0 = Math.floor(random() * (size - blob + 1));
    for (let y = y0; y < y0 + blob; y++) {
      const row = ((i * size + y) * size + x0) * 3;
      pixels.fill(0.9, row, row + blob * 3);
    }
    boxes.push({ x0: x0 / size, y0: y0 / size, x1: (x0 + blob) / size, y1: (y0 + blob) / size });
  }
  return {
    images: tf.tensor4d(pixels, [count, size, size, 3]),
    labels: tf.tensor2d(labels, [count, 1]),
    boxes,
  };
}
