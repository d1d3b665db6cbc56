// Times gradCam (all labels of one image), mcDropout (10 passes over a batch) and the renderers
// on the cpu backend, for a small conv classifier with the project's head.
import * as tf from '@tensorflow/tfjs';
import { gradCam, gradCamPanels, mcDropout } from '../dist/index.js';
import { renderGradCamGrid } from '../dist/node.js';

await tf.setBackend('cpu');
await tf.ready();

function classifier(size, numOutputs) {
  const input = tf.input({ shape: [size, size, 3] });
  let x = input;
  for (const [i, filters] of [16, 32, 64].entries()) {
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `conv${i}` })
      .apply(x);
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  }
  x = tf.layers
    .conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', name: 'top_conv2d' })
    .apply(x);
  x = tf.layers.batchNormalization({ name: 'top_bn' }).apply(x);
  x = tf.layers.globalAveragePooling2d({}).apply(x);
  x = tf.layers.dense({ units: 128, activation: 'relu' }).apply(x);
  x = tf.layers.dropout({ rate: 0.5, name: 'top_dropout' }).apply(x);
  const output = tf.layers
    .dense({ units: numOutputs, activation: 'sigmoid', name: 'predictions' })
    .apply(x);
  return tf.model({ inputs: input, outputs: output });
}

async function time(fn, repeats = 3) {
  await fn(); // warm-up
  const ms = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

const rows = [];
for (const size of [64]) {
  const labels = 21;
  const model = classifier(size, labels);
  const image = tf.randomUniform([size, size, 3], 0, 1, 'float32', 1);
  const batch = tf.randomUniform([8, size, size, 3], 0, 1, 'float32', 2);
  const predict = await time(() => tf.tidy(() => model.predict(image.expandDims(0)).dataSync()));
  const predictBatch = await time(() => tf.tidy(() => model.predict(batch).dataSync()), 2);
  const cams = await gradCam(model, image);
  const one = await time(() => gradCam(model, image, { label: 0 }));
  const all = await time(() => gradCam(model, image));
  const mc = await time(() => mcDropout(model, batch, { samples: 10, seed: 1 }), 1);
  const uncertainty = await mcDropout(model, image, { samples: 10, seed: 1 });
  const grid = await time(() => renderGradCamGrid(gradCamPanels(image, cams, { uncertainty })));
  const before = tf.memory().numTensors;
  await gradCam(model, image);
  await mcDropout(model, batch, { samples: 2, seed: 1 });
  rows.push({
    'image px': size,
    'predict 1 image ms': predict.toFixed(0),
    'gradCam 1 label ms': one.toFixed(0),
    [`gradCam ${labels} labels ms`]: all.toFixed(0),
    'predict 8 images ms': predictBatch.toFixed(0),
    'mcDropout 8 images × 10 ms': mc.toFixed(0),
    [`grid PNG (${labels} panels) ms`]: grid.toFixed(0),
    'tensors leaked': tf.memory().numTensors - before,
  });
  tf.dispose([image, batch]);
  model.dispose();
}
console.log('backend cpu (pure JS), one thread');
console.table(rows);
