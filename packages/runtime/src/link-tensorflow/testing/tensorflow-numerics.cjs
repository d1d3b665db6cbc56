// Runs the kernels of a DenseNet training step on TF.js's `tensorflow` backend (the package at
// argv[2], i.e. tfjs-node(-gpu) with a linked binding) and on its `cpu` backend, and prints one
// JSON line: per case, max |tensorflow − cpu| / max |cpu| over all outputs. Used by
// link-tensorflow.e2e.test.ts in a child process (the native addon stays out of the test worker).
const tf = require(process.argv[2]);

function values(shape, seed) {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 12.9898 + seed * 78.233) * 0.9),
    shape,
  );
}

/** Output and gradients of sum(f(...inputs) · r) with a fixed random upstream gradient r. */
function withGrads(f, inputs, seed) {
  return tf.tidy(() => {
    const y = f(...inputs);
    const r = values(y.shape, seed);
    const grads = tf.grads((...xs) =>
      f(...xs)
        .mul(r)
        .sum(),
    )(inputs);
    return [y, ...grads].map((t) => t.dataSync().slice());
  });
}

const CASES = {
  'conv2d 3x3 stride 1 same (+ input and filter gradients)': () =>
    withGrads(
      (x, w) => tf.conv2d(x, w, 1, 'same'),
      [values([2, 9, 9, 5], 1), values([3, 3, 5, 7], 2)],
      3,
    ),
  'conv2d 7x7 stride 2 same, the DenseNet stem (+ gradients)': () =>
    withGrads(
      (x, w) => tf.conv2d(x, w, 2, 'same'),
      [values([2, 16, 16, 3], 4), values([7, 7, 3, 8], 5)],
      6,
    ),
  'conv2d 1x1 bottleneck (+ gradients)': () =>
    withGrads(
      (x, w) => tf.conv2d(x, w, 1, 'valid'),
      [values([2, 6, 6, 12], 7), values([1, 1, 12, 4], 8)],
      9,
    ),
  'batch norm in training mode, epsilon 1.001e-5 (+ x, gamma, beta gradients)': () =>
    withGrads(
      (x, gamma, beta) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, mean, variance, beta, gamma, 1.001e-5);
      },
      [values([4, 5, 5, 6], 10).mul(3).add(1), values([6], 11).add(1), values([6], 12)],
      13,
    ),
  'relu (+ gradient)': () => withGrads((x) => tf.relu(x), [values([3, 4, 4, 5], 14)], 15),
  'max pool 3x3 stride 2 same (+ gradient)': () =>
    withGrads((x) => tf.maxPool(x, 3, 2, 'same'), [values([2, 9, 9, 4], 16)], 17),
  'average pool 2x2 stride 2 (+ gradient)': () =>
    withGrads((x) => tf.avgPool(x, 2, 2, 'valid'), [values([2, 8, 8, 4], 18)], 19),
  'global average pool + concat (+ gradients)': () =>
    withGrads(
      (a, b) => tf.concat([a, b], 3).mean([1, 2]),
      [values([2, 5, 5, 3], 20), values([2, 5, 5, 2], 21)],
      22,
    ),
  'matmul + sigmoid (+ gradients)': () =>
    withGrads((a, b) => tf.sigmoid(tf.matMul(a, b)), [values([5, 7], 23), values([7, 3], 24)], 25),
  'Adam, 3 steps of 2 variables': () => {
    const v = tf.variable(values([4, 5], 26));
    const u = tf.variable(values([5], 27));
    const target = values([4, 5], 28);
    const optimizer = tf.train.adam(0.01);
    for (let i = 0; i < 3; i++) {
      optimizer.minimize(() => v.sub(target).square().sum().add(u.mul(u).sum().mul(0.5)));
    }
    const out = [v.dataSync().slice(), u.dataSync().slice()];
    optimizer.dispose();
    v.dispose();
    u.dispose();
    return out;
  },
};

function runAll() {
  const out = {};
  for (const [name, f] of Object.entries(CASES)) out[name] = f();
  return out;
}

(async () => {
  const onBackend = tf.getBackend();
  const native = runAll();
  await tf.setBackend('cpu');
  const reference = runAll();
  const errors = {};
  for (const name of Object.keys(CASES)) {
    let worst = 0;
    native[name].forEach((a, k) => {
      const b = reference[name][k];
      let scale = 0;
      let d = 0;
      for (let i = 0; i < b.length; i++) {
        scale = Math.max(scale, Math.abs(b[i]));
        d = Math.max(d, Math.abs(a[i] - b[i]));
      }
      worst = Math.max(worst, scale > 0 ? d / scale : d);
    });
    errors[name] = worst;
  }
  console.log(`CIHMLC-NUMERICS ${JSON.stringify({ backend: onBackend, errors })}`);
})().catch((e) => console.log(`CIHMLC-NUMERICS ${JSON.stringify({ error: String(e?.stack) })}`));
