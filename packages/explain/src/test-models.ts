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
