/**
 * One benchmark variant in its own process (so a slow one can be stopped by the parent):
 * times training steps (forward + backward + Adam) of a DenseNet-like model and prints one
 * JSON line. Usage: tsx bench/train-step.ts --backend wasm --model small --batch 16 --size 64
 *   [--stock] [--steps 3] [--warmup 1]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, fusedAdam, releaseWebGpu, selectBackend } from '../src/index.js';
import { buildDenseNetLike, DENSENET_121, SMALL_DENSENET } from '../src/testing/densenet-like.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    model: { type: 'string', default: 'small' },
    batch: { type: 'string', default: '16' },
    size: { type: 'string', default: '64' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    stock: { type: 'boolean', default: false },
  },
});
const batch = Number(values.batch);
const size = Number(values.size);
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const base = values.model === 'densenet121' ? DENSENET_121 : SMALL_DENSENET;
const config = { ...base, inputSize: size };

async function main() {
  const selection = await selectBackend({
    backend: values.backend as BackendName,
    registerKernels: !values.stock,
    allowSoftwareWebGpu: true,
  });
  const model = buildDenseNetLike(config);
  const trainableParams = model.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
    0,
  );
  const optimizer = values.stock ? tf.train.adam(1e-3) : fusedAdam(1e-3);
  const x = tf.randomUniform([batch, size, size, 3]);
  const y = tf.tidy(() => tf.randomUniform([batch, config.classes]).round());
  const step = async () => {
    const loss = optimizer.minimize(
      () =>
        tf.losses.sigmoidCrossEntropy(
          y,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      true,
    ) as tf.Scalar;
    const value = (await loss.data())[0] as number;
    loss.dispose();
    if (!Number.isFinite(value)) throw new Error(`non-finite loss ${value}`);
  };
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await step();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  // Best step, not the median: these machines are shared, and contention only ever adds time.
  const msPerStep = Math.min(...times);
  const medianMs = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
  console.log(
    JSON.stringify({
      backend: `${selection.backend}${values.stock ? ' (stock)' : ''}`,
      adapterName: selection.adapterName,
      kernels: selection.kernels,
      model: values.model,
      trainableParams,
      batch,
      size,
      steps: times.length,
      msPerStep,
      medianMs,
      imagesPerSecond: (batch * 1000) / msPerStep,
    }),
  );
  if (selection.backend === 'webgpu') releaseWebGpu();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.log(
      JSON.stringify({
        error: String(error instanceof Error ? error.message : error).split('\n')[0],
      }),
    );
    process.exit(0);
  },
);
