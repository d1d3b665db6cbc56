import { fusedBatchNormalization, scopedSeedDropout } from '@cihmlc/densenet';
import { hbceLoss } from '@cihmlc/hbce-loss';
import { captureTrainingStep, fusedAdam, selectBackend } from '@cihmlc/runtime';
import { validateTaxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { BatchSource } from './batch-source.js';
import { type FitOptions, fit, type ReplayNote } from './fit.js';
import type { TrainingLoss } from './loss.js';
import type { EpochRecord } from './schedule.js';

// fit with a recorded-and-replayed training step against fit without, on webgpu wherever Dawn
// finds an adapter (a GPU, or lavapipe on CPU-only machines); elsewhere skipped, saying why.
let skipReason = '';
try {
  await selectBackend({ backend: 'webgpu' });
} catch (error) {
  skipReason = (error as Error).message;
  console.log(`SKIPPED fit replay tests on webgpu: ${skipReason}`);
}
await tf.setBackend('cpu');
afterAll(() => tf.setBackend('cpu'));

const taxonomy = validateTaxonomy({
  name: 'mini',
  sourceLabels: ['a', 'b'],
  derived: [{ label: 'g', kind: 'anyOf', of: ['a', 'b'] }],
  outputLabels: ['g', 'a', 'b'],
  edges: [
    { parent: 'g', child: 'a' },
    { parent: 'g', child: 'b' },
  ],
});
// checkValues would read values back inside the step (a capture cannot replay that).
const loss = hbceLoss({ taxonomy, penalty: 'fixed', checkValues: false });

/** A tiny DenseNet-like classifier: conv, batch norm, ReLU, pooling, seeded dropout, sigmoid. */
function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'input' });
  let x = tf.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
      name: 'conv',
    })
    .apply(input) as tf.SymbolicTensor;
  x = fusedBatchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  x = scopedSeedDropout({ rate: 0.4, name: 'top_dropout' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: 3,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }),
      name: 'predictions',
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

// 14 images in batches of 4: three full batches and a partial one of 2 per epoch.
const N = 14;
const BATCH = 4;
const EPOCHS = 3;
function data() {
  const images = tf.randomUniform([N, 8, 8, 3], 0, 1, 'float32', 21);
  const labels = tf.tidy(() => {
    const a = tf.cast(
      tf.greater(tf.mean(images.slice([0, 0, 0, 0], [-1, -1, 4, -1]), [1, 2, 3]), 0.5),
      'float32',
    );
    const b = tf.cast(
      tf.greater(tf.mean(images.slice([0, 0, 4, 0], [-1, -1, 4, -1]), [1, 2, 3]), 0.5),
      'float32',
    );
    return tf.stack([tf.maximum(a, b), a, b], 1);
  });
  const mask = tf.tensor2d(
    Array.from({ length: N * 3 }, (_, i) => (i % 9 === 8 ? 0 : 1)),
    [N, 3],
  );
  const train: BatchSource = async function* ({ epoch }) {
    const order = Array.from({ length: N }, (_, i) => (i * (3 + 2 * epoch)) % N);
    for (let start = 0; start < N; start += BATCH) {
      const idx = tf.tensor1d(order.slice(start, start + BATCH), 'int32');
      yield { x: tf.gather(images, idx), y: tf.gather(labels, idx), mask: tf.gather(mask, idx) };
      idx.dispose();
    }
  };
  // Validation on the flipped labels: its loss rises as training fits, so reduce-LR-on-plateau
  // lowers the learning rate between epochs (replayed steps must follow it).
  const flipped = tf.tidy(() => tf.sub(1, labels));
  const valid: BatchSource = () => [
    { x: images, y: flipped, mask, indices: Array.from({ length: N }, (_, i) => i), release() {} },
  ];
  return { train, valid, dispose: () => tf.dispose([images, labels, flipped, mask]) };
}

interface Run {
  history: Omit<EpochRecord, 'seconds' | 'imagesPerSecond'>[];
  meanLosses: Array<number | null>;
  replayed: boolean[];
  weights: Float32Array[];
  optimizer: Float32Array[];
  tensorsPerEpoch: number[];
  notes: ReplayNote[];
}

async function run(over: Partial<FitOptions>): Promise<Run> {
  const d = data();
  const model = tinyModel();
  const optimizer = fusedAdam(0.02);
  const r: Run = {
    history: [],
    meanLosses: [],
    replayed: [],
    weights: [],
    optimizer: [],
    tensorsPerEpoch: [],
    notes: [],
  };
  const { state } = await fit({
    model,
    loss,
    optimizer,
    train: d.train,
    valid: d.valid,
    schedule: {
      learningRate: 0.02,
      lrFactor: 0.5,
      lrPatience: 1,
      minLearningRate: 1e-6,
      earlyStoppingPatience: 10,
      epochs: EPOCHS,
    },
    seed: 77,
    readEvery: 2,
    onStep: (p) => {
      r.meanLosses.push(p.meanLoss);
      r.replayed.push(p.replayed);
    },
    onEpoch: () => {
      r.tensorsPerEpoch.push(tf.memory().numTensors);
    },
    onReplay: (note) => r.notes.push(note),
    ...over,
  });
  r.history = state.history.map(({ seconds: _s, imagesPerSecond: _i, ...rest }) => rest);
  r.weights = await Promise.all(
    model.getWeights().map(async (w) => Float32Array.from(await w.data())),
  );
  r.optimizer = await Promise.all(
    (await optimizer.getWeights()).map(async (w) => Float32Array.from(await w.tensor.data())),
  );
  model.dispose();
  optimizer.dispose();
  d.dispose();
  return r;
}

function expectSameRuns(a: Run, b: Run): void {
  expect(b.history).toEqual(a.history);
  expect(b.meanLosses).toEqual(a.meanLosses);
  // Bit for bit: parameters, batch-norm moving statistics, Adam's iterations and moments.
  expect(b.weights).toEqual(a.weights);
  expect(b.optimizer).toEqual(a.optimizer);
}

describe('fit with replay', () => {
  it('on a backend other than webgpu with when: "always": the normal path, the reason reported, the same run', async () => {
    await tf.setBackend('cpu');
    const plain = await run({});
    const replayed = await run({ replay: { capture: captureTrainingStep, when: 'always' } });
    expectSameRuns(plain, replayed);
    expect(replayed.replayed.every((r) => !r)).toBe(true);
    expect(replayed.notes).toEqual([
      {
        epoch: 0,
        step: 1,
        event: 'normal',
        reason: 'the step cannot be replayed: the backend is cpu, not webgpu',
      },
      {
        epoch: 0,
        step: 3,
        event: 'normal',
        reason: "a batch of 2 images (the replayed step's has 4)",
      },
    ]);
    // The default (when: 'webgpu') does nothing on cpu.
    const auto = await run({ replay: { capture: captureTrainingStep } });
    expect(auto.notes).toEqual([]);
  }, 60_000);

  it.skipIf(skipReason !== '')(
    'on webgpu: replayed steps give bit-identical losses, weights, moving statistics and Adam state',
    async () => {
      await tf.setBackend('webgpu');
      const plain = await run({});
      const replayed = await run({ replay: { capture: captureTrainingStep } });
      // The model trained (the comparison can fail): the loss moved.
      expect(plain.history[EPOCHS - 1]?.trainLoss).not.toBe(plain.history[0]?.trainLoss);
      // The learning rate changed between epochs (replay recomputes Adam's uniforms).
      expect(new Set(plain.history.map((h) => h.learningRate)).size).toBeGreaterThan(1);
      expectSameRuns(plain, replayed);
      // Steps 0 (warm-up) and 3 (partial) of epoch 0, step 3 of the others: normal; the rest replayed.
      const perEpoch = [false, true, true, false];
      expect(replayed.replayed).toEqual(
        [perEpoch, [true, true, true, false], [true, true, true, false]].flat(),
      );
      expect(replayed.notes.map((n) => [n.epoch, n.step, n.event])).toEqual([
        [0, 1, 'captured'],
        [0, 3, 'normal'],
        [EPOCHS, 0, 'released'],
      ]);
      expect(replayed.notes[1]?.reason).toMatch(/a batch of 2 images/);
      // Nothing leaks: tensor count flat across epochs.
      expect(replayed.tensorsPerEpoch[2]).toBe(replayed.tensorsPerEpoch[1]);
      expect(plain.tensorsPerEpoch[2]).toBe(plain.tensorsPerEpoch[1]);
      await tf.setBackend('cpu');
    },
    120_000,
  );

  it.skipIf(skipReason !== '')(
    'on webgpu: a step that cannot be replayed takes the normal path, says why, and the run is unchanged',
    async () => {
      await tf.setBackend('webgpu');
      // A loss that starts a read of its value inside the step: a capture cannot replay that.
      const components = loss.components as NonNullable<TrainingLoss['components']>;
      const reading: TrainingLoss = Object.assign(
        (y: tf.Tensor, p: tf.Tensor, m?: tf.Tensor) => loss(y, p, m),
        {
          components: (y: tf.Tensor, p: tf.Tensor, m?: tf.Tensor) => {
            const c = components(y, p, m);
            c.bce.data().catch(() => {}); // the step disposes it before the read ends
            return c;
          },
        },
      );
      const plain = await run({ loss: reading });
      const fallback = await run({ loss: reading, replay: { capture: captureTrainingStep } });
      // The two recorded steps of the failed capture left no trace.
      expectSameRuns(plain, fallback);
      expect(fallback.replayed.every((r) => !r)).toBe(true);
      expect(fallback.notes[0]).toMatchObject({ epoch: 0, step: 1, event: 'normal' });
      expect(fallback.notes[0]?.reason).toMatch(/cannot be replayed: the step reads data back/);
      await tf.setBackend('cpu');
    },
    120_000,
  );
});
