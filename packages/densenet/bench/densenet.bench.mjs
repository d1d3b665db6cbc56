// Forward and training-step throughput of the DenseNet presets on the TF.js backends available
// without native addons (cpu, wasm). Runs against the built package: `pnpm build && pnpm bench`.
// Pass --densenet121-cpu-train to also time a DenseNet-121 training step at 320 on cpu: the cpu
// backend's filter-gradient kernel manages ~1M multiply-adds/s, so expect hours.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { countParams, createClassifier, createDenseNet } from '../dist/index.js';

const NUM_OUTPUTS = 21;
const withSlowTrain = process.argv.includes('--densenet121-cpu-train');

/**
 * Cases: [variant, input size, batch, what]. The cpu backend computes conv filter gradients with
 * naive loops (~1M MAC/s), so cpu training batches are small and DenseNet-121 training at 320 is
 * opt-in; wasm has no Conv2DBackpropFilter kernel at all, so it only runs forward passes.
 */
const CASES = [
  { variant: 'tiny', size: 64, batch: 8, mode: 'forward' },
  { variant: 'tiny', size: 64, batch: 8, mode: 'train' },
  { variant: 'small', size: 96, batch: 8, mode: 'forward' },
  { variant: 'small', size: 96, batch: 1, mode: 'train' },
  { variant: 'densenet121', size: 320, batch: 1, mode: 'forward' },
  { variant: 'densenet121', size: 320, batch: 1, mode: 'train', slow: true },
];

/**
 * Median time of `run`: one warm-up call, then at least `minRuns` calls until `budgetMs` has
 * passed. Cases that take tens of seconds run once, without warm-up, to keep the bench short.
 */
async function time(run, { warmUp = true, minRuns = 1, maxRuns = 10, budgetMs = 3000 } = {}) {
  if (warmUp) await run();
  const times = [];
  const start = performance.now();
  while (
    times.length < minRuns ||
    (times.length < maxRuns && performance.now() - start < budgetMs)
  ) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function forwardRunner(model, batch, size) {
  const x = tf.randomUniform([batch, size, size, 3]);
  return {
    run: async () => {
      const y = model.predict(x);
      await y.data();
      y.dispose();
    },
    dispose: () => x.dispose(),
  };
}

function trainRunner(model, batch, size) {
  const x = tf.randomUniform([batch, size, size, 3]);
  const y = tf.cast(tf.greater(tf.randomUniform([batch, NUM_OUTPUTS]), 0.5), 'float32');
  const optimizer = tf.train.adam(1e-3);
  return {
    run: async () => {
      const loss = optimizer.minimize(
        () => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true })),
        true,
      );
      await loss.data();
      loss.dispose();
    },
    dispose: () => {
      tf.dispose([x, y]);
      optimizer.dispose();
    },
  };
}

const rows = [];
for (const backend of ['cpu', 'wasm']) {
  if (!(await tf.setBackend(backend))) {
    rows.push({ backend, case: '-', note: 'backend unavailable' });
    continue;
  }
  for (const c of CASES) {
    const label = `${c.variant} ${c.size}px ${c.mode} b${c.batch}`;
    const row = { backend, case: label, 'ms/batch': '', 'images/s': '', note: '' };
    rows.push(row);
    if (c.mode === 'train' && backend === 'wasm') {
      row.note = 'n/a: wasm has no Conv2DBackpropFilter kernel';
      continue;
    }
    if (c.slow && !withSlowTrain) {
      row.note = 'skipped on cpu (est. hours per step); --densenet121-cpu-train to run';
      continue;
    }
    const model =
      c.mode === 'forward'
        ? createDenseNet({ variant: c.variant, inputShape: [c.size, c.size, 3] })
        : createClassifier({
            variant: c.variant,
            inputShape: [c.size, c.size, 3],
            numOutputs: NUM_OUTPUTS,
          });
    const runner =
      c.mode === 'forward'
        ? forwardRunner(model, c.batch, c.size)
        : trainRunner(model, c.batch, c.size);
    const slowCase = backend === 'cpu' && (c.mode === 'train' || c.variant === 'densenet121');
    const ms = await time(runner.run, slowCase ? { warmUp: false, minRuns: 1, maxRuns: 1 } : {});
    row['ms/batch'] = ms.toFixed(0);
    row['images/s'] = ((1000 * c.batch) / ms).toFixed(2);
    row.note = `${(countParams(model).total / 1e6).toFixed(3)}M params${c.mode === 'train' ? ', classifier (512-filter head), Adam, BCE' : ', backbone'}${slowCase ? ', 1 cold run' : ''}`;
    runner.dispose();
    model.dispose();
    console.error(`${backend} ${label}: ${row['ms/batch']} ms`);
  }
}

console.log(`\n@cihmlc/densenet benchmark, TF.js ${tf.version.tfjs}, Node ${process.version}`);
console.table(rows);
