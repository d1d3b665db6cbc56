/**
 * One benchmark variant in its own process (so a slow one can be stopped by the parent):
 * times training steps (forward + backward + Adam) of a DenseNet model and prints one JSON
 * line. Models: `trainer` is @cihmlc/densenet's classifier as apps/trainer's synthetic profile
 * builds it (tiny DenseNet, head 64/32, BN momentum 0.9, 21 outputs); `small` and
 * `densenet121` are src/testing/densenet-like.ts's. Usage:
 *   tsx bench/train-step.ts --backend wasm --model trainer --batch 16 --size 64
 *   [--stock] [--stock-bn] [--steps 3] [--warmup 1]
 * --stock: no @cihmlc/runtime kernels; --stock-bn: tfjs-layers' own BatchNormalization (the
 * composite tf.moments + tf.batchNorm path) instead of @cihmlc/densenet's fused one.
 */
import { parseArgs } from 'node:util';
import { createClassifier } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import {
  type BackendName,
  estimateTrainingFlops,
  fusedAdam,
  releaseWebGpu,
  selectBackend,
} from '../src/index.js';
import {
  buildDenseNetLike,
  DENSENET_121,
  type DenseNetLikeConfig,
  SMALL_DENSENET,
  trainingStep,
} from '../src/testing/densenet-like.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    model: { type: 'string', default: 'small' },
    batch: { type: 'string', default: '16' },
    size: { type: 'string', default: '64' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    stock: { type: 'boolean', default: false },
    'stock-bn': { type: 'boolean', default: false },
  },
});
const batch = Number(values.batch);
const size = Number(values.size);
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const stockBatchNorm = values['stock-bn'];

/** apps/trainer's synthetic profile (src/config.ts PROFILES.synthetic), hierarchical21 labels. */
export const TRAINER_MODEL = {
  variant: 'tiny',
  headFilters: 64,
  denseUnits: 32,
  batchNormMomentum: 0.9,
  numOutputs: 21,
} as const;

async function buildModel(): Promise<{ model: tf.LayersModel; classes: number }> {
  if (values.model === 'trainer') {
    const model = createClassifier({
      ...TRAINER_MODEL,
      inputShape: [size, size, 3],
      seed: 2408,
    });
    return { model: stockBatchNorm ? await withStockBatchNorm(model) : model, classes: 21 };
  }
  const base = values.model === 'densenet121' ? DENSENET_121 : SMALL_DENSENET;
  const config: DenseNetLikeConfig = { ...base, inputSize: size, stockBatchNorm };
  return { model: buildDenseNetLike(config), classes: config.classes };
}

/** The same model rebuilt from its config with tfjs-layers' registered (stock) layer classes. */
async function withStockBatchNorm(model: tf.LayersModel): Promise<tf.LayersModel> {
  const copy = await tf.models.modelFromJSON({
    modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'],
  } as tf.io.ModelJSON);
  model.dispose();
  return copy;
}

async function main() {
  const selection = await selectBackend({
    backend: values.backend as BackendName,
    registerKernels: !values.stock,
    allowSoftwareWebGpu: true,
  });
  const { model, classes } = await buildModel();
  const trainableParams = model.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
    0,
  );
  const optimizer = values.stock ? tf.train.adam(1e-3) : fusedAdam(1e-3);
  const x = tf.randomUniform([batch, size, size, 3]);
  const y = tf.tidy(() => tf.randomUniform([batch, classes]).round());
  const step = async () => {
    const value = await trainingStep(model, optimizer, x, y);
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
      tensorflowVersion: selection.tensorflowVersion,
      devices: selection.devices,
      kernels: selection.kernels,
      model: values.model,
      batchNorm: stockBatchNorm ? 'tfjs-layers' : '@cihmlc/densenet fused',
      trainableParams,
      flopsPerStep: estimateTrainingFlops(model, batch).flopsPerStep,
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
