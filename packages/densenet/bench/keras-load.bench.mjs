// Load and save times of Keras weight files for a DenseNet-121 classifier with the paper's head
// (320×320, 512 filters, 128 units, 21 outputs; ~11.8M weights, ~49 MB a file), on wasm.
// Runs against the built package: `pnpm build && node bench/keras-load.bench.mjs [--keras-dir DIR]`.
//
// Without arguments it writes a file with encodeKerasWeights (random weights) and times reading
// it back. With --keras-dir DIR (made by real Keras:
// `python fixtures/make-keras-reference.py --densenet121 DIR`) it also times Keras's own
// densenet121.weights.h5 and densenet121.keras and compares our predictions with Keras's, and
// leaves ours.weights.h5 in DIR for `make-keras-reference.py --check121 DIR DIR/ours.weights.h5`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createClassifier, encodeKerasWeights, loadKerasWeights } from '../dist/index.js';

const dirFlag = process.argv.indexOf('--keras-dir');
const kerasDir = dirFlag > 0 ? process.argv[dirFlag + 1] : undefined;

await tf.setBackend('wasm');
await tf.ready();

const build = (seed) =>
  createClassifier({
    variant: 'densenet121',
    inputShape: [320, 320, 3],
    numOutputs: 21,
    seed,
  });

async function timed(label, run) {
  const t0 = performance.now();
  const result = await run();
  const ms = performance.now() - t0;
  return { label, ms, result };
}

/** The fixture script's inputs: ((k · 2654435761) mod 2³²) / 2³² for one image. */
function hashedImage() {
  const values = new Float32Array(320 * 320 * 3);
  for (let k = 0; k < values.length; k++) {
    values[k] = Number((BigInt(k) * 2654435761n) % 4294967296n) / 4294967296;
  }
  return tf.tensor4d(values, [1, 320, 320, 3]);
}

const rows = [];
const model = build(1);
// h5wasm's first use compiles its WebAssembly module: time it apart.
const first = await timed('h5wasm start-up (first encode of a 1-weight file)', async () => {
  const tiny = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  await encodeKerasWeights(tiny);
  tiny.dispose();
});
rows.push([first.label, first.ms, '']);

const encoded = await timed('encodeKerasWeights (DenseNet-121 classifier)', () =>
  encodeKerasWeights(model),
);
rows.push([encoded.label, encoded.ms, `${(encoded.result.byteLength / 1e6).toFixed(1)} MB`]);
const target = build(2);
const ours = await timed('loadKerasWeights (our .weights.h5)', () =>
  loadKerasWeights(target, encoded.result, { file: 'ours.weights.h5' }),
);
rows.push([ours.label, ours.ms, `${ours.result.loaded.length} weights`]);

if (kerasDir) {
  for (const name of ['densenet121.weights.h5', 'densenet121.keras']) {
    const file = path.join(kerasDir, name);
    const read = await timed(`read ${name} (node:fs)`, () => readFileSync(file));
    rows.push([read.label, read.ms, `${(read.result.byteLength / 1e6).toFixed(1)} MB`]);
    const loaded = await timed(`loadKerasWeights (${name}, Keras 3)`, () =>
      loadKerasWeights(target, read.result, { file }),
    );
    rows.push([loaded.label, loaded.ms, `${loaded.result.loaded.length} weights`]);
  }
  const expected = JSON.parse(readFileSync(path.join(kerasDir, 'expected.json'), 'utf8'));
  const x = hashedImage();
  const predicted = await timed('predict 1 image (wasm)', async () => {
    const y = target.predict(x);
    const values = await y.data();
    y.dispose();
    return values;
  });
  const diff = expected.predictions.reduce(
    (m, v, i) => Math.max(m, Math.abs(predicted.result[i] - v)),
    0,
  );
  rows.push([predicted.label, predicted.ms, `max |ours − Keras| = ${diff.toExponential(2)}`]);
  x.dispose();
  writeFileSync(path.join(kerasDir, 'ours.weights.h5'), await encodeKerasWeights(target));
}

console.log(
  `Keras weight files, DenseNet-121 classifier, ${new Date().toISOString().slice(0, 10)}`,
);
console.log('| step | ms | note |\n| --- | ---: | --- |');
for (const [label, ms, note] of rows) console.log(`| ${label} | ${ms.toFixed(0)} | ${note} |`);
model.dispose();
target.dispose();
