// The localisation check shared by the benchmark and the test: a small DenseNet classifier on the
// synthetic radiographs of @cihmlc/chexpert-data, Grad-CAM for every positive finding of held-out
// images, and the fraction of findings whose heatmap peak lies inside the finding's box.
//
// Two ways to train (`train` option):
// - 'full': the whole classifier with Adam, which needs a backend that trains convolutions fast
//   (wasm with @cihmlc/runtime's kernels: seconds per epoch here);
// - 'head': on the stock cpu backend a DenseNet step costs minutes (Conv2DBackpropFilter), so the
//   backbone keeps its seeded random initialisation and only the head is trained: the backbone's
//   features are computed once, and `top_conv2d` is trained as the equivalent dense layer over 3×3
//   patches (a matmul, fast on cpu); its kernel is then copied back into the convolution.
// Grad-CAM then runs on the full classifier either way.
import * as tf from '@tensorflow/tfjs';

/** Synthetic frontal radiographs with their 14 CheXpert labels and findings' boxes. */
export function syntheticSet({ data, labelNames }, count, size, seed) {
  const rng = new data.Random(seed);
  const pixels = new Float32Array(count * size * size * 3);
  const labels = [];
  const findings = [];
  for (let i = 0; i < count; i++) {
    const study = data.sampleFindings(rng);
    const image = data.renderRadiograph(study, 'frontal', size, data.hashSeed(seed, i));
    for (let p = 0; p < size * size; p++) {
      const offset = (i * size * size + p) * 3;
      pixels.fill(image.gray[p] / 255, offset, offset + 3);
    }
    labels.push(Array.from(study.labels));
    findings.push(
      image.findings.map((f) => {
        const label = labelNames.indexOf(f.label);
        if (label < 0)
          throw new Error(`localisation: finding label '${f.label}' is not a CheXpert label`);
        return { label, name: f.label, box: f.box };
      }),
    );
  }
  return {
    images: tf.tensor4d(pixels, [count, size, size, 3]),
    labels: tf.tensor2d(labels, [count, labelNames.length]),
    findings,
  };
}

/** 3×3 'same' patches of [n, h, w, c] features → [n, h, w, 9c], in the kernel's (kh, kw, c) order. */
function patches3x3(features) {
  return tf.tidy(() => {
    const [n, h, w, c] = features.shape;
    const padded = tf.pad(features, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    const parts = [];
    for (let dy = 0; dy < 3; dy++) {
      for (let dx = 0; dx < 3; dx++) parts.push(padded.slice([0, dy, dx, 0], [n, h, w, c]));
    }
    return tf.concat(parts, -1);
  });
}

const HEAD_AFTER_CONV = ['top_bn', 'top_gap2d', 'top_dense', 'top_dropout', 'top_pred'];

/** Trains the classifier's head on frozen backbone features (see the file comment). */
export async function trainHead(
  model,
  images,
  labels,
  { epochs, batchSize = 32, learningRate = 3e-3 },
) {
  const top = model.getLayer('top_conv2d');
  const { filters, kernelSize, strides, padding, activation } = top.getConfig();
  if (String(kernelSize) !== '3,3' || String(strides) !== '1,1' || padding !== 'same') {
    throw new Error('localisation: top_conv2d must be a 3×3, stride 1, same-padded convolution');
  }
  const backbone = tf.model({ inputs: model.inputs, outputs: top.input });
  const features = backbone.predict(images, { batchSize });
  const channels = features.shape[3];
  const patches = patches3x3(features);
  features.dispose();
  const surrogate = tf.layers.dense({ units: filters, activation });
  const input = tf.input({ shape: patches.shape.slice(1) });
  let x = surrogate.apply(input);
  for (const name of HEAD_AFTER_CONV) x = model.getLayer(name).apply(x);
  const head = tf.model({ inputs: input, outputs: x });
  // Start from the convolution's own initialisation.
  const [kernel, bias] = top.getWeights();
  surrogate.setWeights([kernel.reshape([9 * channels, filters]), bias]);
  const losses = await fitWithAdam(head, patches, labels, { epochs, batchSize, learningRate });
  const [trainedKernel, trainedBias] = surrogate.getWeights();
  const convKernel = trainedKernel.reshape([3, 3, channels, filters]);
  top.setWeights([convKernel, trainedBias]);
  tf.dispose([patches, convKernel]);
  return losses;
}

/** Trains the whole classifier (backbone included) with Adam on binary cross-entropy. */
export async function trainFull(
  model,
  images,
  labels,
  { epochs, batchSize = 32, learningRate = 3e-3 },
) {
  return fitWithAdam(model, images, labels, { epochs, batchSize, learningRate });
}

/** Compiles `model` with Adam and binary cross-entropy, fits in order; the loss per epoch. */
async function fitWithAdam(model, x, y, { epochs, batchSize, learningRate }) {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'binaryCrossentropy' });
  const history = await model.fit(x, y, { epochs, batchSize, verbose: 0, shuffle: false });
  return history.history.loss;
}

/** Grad-CAM peaks of every positive finding, scored per label and overall. */
export async function scoreLocalisation({ gradCam, localisationScore }, model, set, size) {
  const cases = [];
  for (const [i, findings] of set.findings.entries()) {
    if (findings.length === 0) continue;
    const image = set.images.slice([i, 0, 0, 0], [1, -1, -1, -1]);
    const cams = await gradCam(model, image, { labels: findings.map((f) => f.label) });
    image.dispose();
    findings.forEach((f, k) => {
      cases.push({ name: f.name, box: f.box, peak: cams[k].peak, width: size, height: size });
    });
  }
  const byLabel = new Map();
  for (const c of cases) byLabel.set(c.name, [...(byLabel.get(c.name) ?? []), c]);
  return {
    overall: localisationScore(cases),
    perLabel: [...byLabel.entries()].map(([name, list]) => ({ name, ...localisationScore(list) })),
  };
}

/**
 * The whole check. `deps`: { explain: { gradCam, localisationScore }, densenet: { createClassifier },
 * data: { Random, hashSeed, sampleFindings, renderRadiograph }, labelNames } — injected so that the
 * test runs the sources and the benchmark the built package.
 */
export async function runLocalisation(deps, options = {}) {
  const {
    size = 64,
    trainImages = 300,
    testImages = 60,
    epochs = 20,
    seed = 1,
    headFilters = 64,
    denseUnits = 32,
    dropoutRate = 0,
    train: trainMode = 'head',
    // BN moving statistics must keep up with a short full training (a few dozen steps).
    batchNormMomentum = trainMode === 'full' ? 0.9 : 0.99,
    // One transition: 64 px → 8 × 8 at top_conv2d (the stem divides by 4).
    variant = { blocks: [2, 2], growthRate: 8, initialFilters: 16 },
  } = options;
  const numOutputs = deps.labelNames.length;
  const model = deps.densenet.createClassifier({
    variant,
    inputShape: [size, size, 3],
    numOutputs,
    headFilters,
    denseUnits,
    dropoutRate,
    batchNormMomentum,
    seed,
  });
  const train = syntheticSet(deps, trainImages, size, seed);
  const test = syntheticSet(deps, testImages, size, seed + 1000);
  const untrained = await scoreLocalisation(deps.explain, model, test, size);
  const started = performance.now();
  if (trainMode !== 'head' && trainMode !== 'full') {
    throw new Error(`localisation: train must be 'head' or 'full', got ${trainMode}`);
  }
  const losses = await (trainMode === 'full' ? trainFull : trainHead)(
    model,
    train.images,
    train.labels,
    { epochs },
  );
  const trainSeconds = (performance.now() - started) / 1000;
  const trained = await scoreLocalisation(deps.explain, model, test, size);
  tf.dispose([train.images, train.labels, test.images, test.labels]);
  model.dispose();
  return { untrained, trained, losses, trainSeconds };
}
