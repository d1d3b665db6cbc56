import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scopedSeedDropout } from '@cihmlc/densenet';
import { hbceLoss } from '@cihmlc/hbce-loss';
import { fusedAdam } from '@cihmlc/runtime';
import { validateTaxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch, BatchSource } from './batch-source.js';
import { FitAbortedError, type FitOptions, fit } from './fit.js';
import { memoryCheckpoints } from './memory-checkpoints.js';
import { folderCheckpoints } from './node/checkpoint.js';
import type { EpochRecord } from './schedule.js';
import { NonFiniteLossError } from './step-values.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// g = anyOf(a, b); outputs [g, a, b].
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
const loss = hbceLoss({ taxonomy, penalty: 'fixed', checkValues: false });

function tinyModel(outputBias = 0): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 1], name: 'input' });
  let x = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .dense({
      units: 12,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      name: 'hidden',
    })
    .apply(x) as tf.SymbolicTensor;
  x = scopedSeedDropout({ rate: 0.5, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      name: 'predictions',
      units: 3,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
      biasInitializer: tf.initializers.constant({ value: outputBias }),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

// 24 images: a = mean of the left half is bright, b = right half; g = a or b.
const N = 24;
const images = tf.randomUniform([N, 6, 6, 1], 0, 1, 'float32', 11);
const labels = tf.tidy(() => {
  const left = tf.mean(images.slice([0, 0, 0, 0], [-1, -1, 3, -1]), [1, 2, 3]);
  const right = tf.mean(images.slice([0, 0, 3, 0], [-1, -1, 3, -1]), [1, 2, 3]);
  const a = tf.cast(tf.greater(left, 0.5), 'float32');
  const b = tf.cast(tf.greater(right, 0.5), 'float32');
  return tf.stack([tf.maximum(a, b), a, b], 1);
});
// The last label of every fourth image is unknown (U-Ignore).
const mask = tf.tensor2d(
  Array.from({ length: N * 3 }, (_, i) => (i % 12 === 11 ? 0 : 1)),
  [N, 3],
);

/** A user's own async source: a per-epoch permutation, batches of 6, fresh tensors each time. */
const trainSource: BatchSource = async function* ({ epoch }) {
  const order = Array.from({ length: N }, (_, i) => (i * (5 + 2 * epoch)) % N);
  for (let start = 0; start < N; start += 6) {
    const idx = tf.tensor1d(order.slice(start, start + 6), 'int32');
    yield {
      x: tf.gather(images, idx),
      y: tf.gather(labels, idx),
      mask: tf.gather(mask, idx),
    };
    idx.dispose();
  }
};
const validSource: BatchSource = () => [
  { x: images, y: labels, mask, indices: Array.from({ length: N }, (_, i) => i), release() {} },
];

function options(over: Partial<FitOptions> = {}): FitOptions {
  return {
    model: tinyModel(),
    loss,
    optimizer: fusedAdam(0.01),
    train: trainSource,
    valid: validSource,
    schedule: {
      learningRate: 0.01,
      lrFactor: 0.5,
      lrPatience: 1,
      minLearningRate: 1e-6,
      earlyStoppingPatience: 5,
      epochs: 4,
    },
    seed: 2408,
    outputLabels: taxonomy.outputLabels,
    ...over,
  };
}

const weightsOf = (model: tf.LayersModel) =>
  model.getWeights().map((w) => Array.from(w.dataSync()));
const withoutTimes = (h: EpochRecord[]) =>
  h.map(({ seconds: _s, imagesPerSecond: _i, ...rest }) => rest);

describe('fit', () => {
  it('an interrupted and resumed run ends with bit-identical weights and history', async () => {
    const straight = options({ checkpoints: memoryCheckpoints() });
    const done = await fit(straight);
    expect(done.state.epochs).toBe(4);
    expect(done.resumed).toBe(false);
    // The loss falls and the metrics log has one record per epoch.
    expect(done.state.history).toHaveLength(4);
    expect(done.state.history[3]!.trainLoss).toBeLessThan(done.state.history[0]!.trainLoss);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-fit-'));
    const folders = {
      last: path.join(dir, 'last'),
      bestLoss: path.join(dir, 'best-loss'),
      bestAuroc: path.join(dir, 'best-auroc'),
      metricsLog: path.join(dir, 'metrics.jsonl'),
    };
    // Stop in the middle of epoch 3 (two epochs checkpointed), with a new model each time.
    const controller = new AbortController();
    const first = options({
      checkpoints: folderCheckpoints(folders),
      signal: controller.signal,
      onStep: ({ epoch, step }) => {
        if (epoch === 2 && step === 2) controller.abort();
      },
    });
    await expect(fit(first)).rejects.toThrow(FitAbortedError);
    // Still aborted: a new model resumes from the checkpoint and stops at once.
    await expect(fit({ ...first, model: tinyModel() })).rejects.toThrow(/interrupted: 2 epoch/);
    const resumedStates: number[] = [];
    const second = await fit(
      options({
        checkpoints: folderCheckpoints(folders),
        onResume: (s) => resumedStates.push(s.epochs),
      }),
    );
    expect(resumedStates).toEqual([2]);
    expect(second.resumed).toBe(true);
    expect(withoutTimes(second.state.history)).toEqual(withoutTimes(done.state.history));
    expect(weightsOf(await reload(folders.last))).toEqual(weightsOf(straight.model));
    const log = fs.readFileSync(folders.metricsLog, 'utf8').trim().split('\n');
    expect(log.map((l) => JSON.parse(l).epoch)).toEqual([0, 1, 2, 3]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops early after `earlyStoppingPatience` epochs without a better validation loss', async () => {
    // A near-zero learning rate keeps the model fixed; the validation labels get worse each
    // epoch (one more output set to 1 against predictions near 0.05).
    const valid: BatchSource = ({ epoch }) => {
      const y = tf.tidy(() =>
        tf.mul(tf.onesLike(labels), tf.tensor1d([0, 1, 2].map((c) => (c < epoch ? 1 : 0)))),
      );
      return [{ x: images, y, release: () => y.dispose() }];
    };
    const result = await fit(
      options({
        model: tinyModel(-3),
        valid,
        schedule: {
          learningRate: 1e-9,
          lrFactor: 0.5,
          lrPatience: 1,
          minLearningRate: 1e-12,
          earlyStoppingPatience: 2,
          epochs: 10,
        },
      }),
    );
    const h = result.state.history;
    expect(h).toHaveLength(3);
    expect(h[1]!.valLoss).toBeGreaterThan(h[0]!.valLoss);
    expect(h.map((r) => r.learningRate)).toEqual([1e-9, 1e-9, 5e-10]);
    expect(result.state.schedule.stopReason).toMatch(/did not improve for 2 epochs/);
  });

  it('a custom source: release() replaces disposal, and memory stays flat across epochs', async () => {
    let released = 0;
    const fixed: Batch[] = [0, 12].map((start) => ({
      x: images.slice([start, 0, 0, 0], [12, -1, -1, -1]),
      y: labels.slice([start, 0], [12, -1]),
      release: () => {
        released++;
      },
    }));
    const counts: number[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-fit-flat-'));
    const result = await fit(
      options({
        train: () => fixed,
        // Folder checkpoints too: saving the optimizer must not leave tensors behind.
        checkpoints: folderCheckpoints({
          last: path.join(dir, 'last'),
          bestLoss: path.join(dir, 'best-loss'),
          bestAuroc: path.join(dir, 'best-auroc'),
        }),
        onEpoch: () => {
          counts.push(tf.memory().numTensors);
        },
      }),
    );
    expect(result.state.epochs).toBe(4);
    expect(released).toBe(8);
    expect(fixed[0]!.x.isDisposed).toBe(false);
    expect(new Set(counts.slice(1)).size).toBe(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an aborted signal stops before any step; a NaN loss names its epoch and step', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fit(options({ signal: controller.signal }))).rejects.toThrow(
      /interrupted: 0 epoch/,
    );
    let calls = 0;
    const nanLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
      calls++;
      // Finite for the first two steps, NaN from the third.
      return tf.tidy(() => tf.mul(loss(yTrue, yPred), calls > 2 ? Number.NaN : 1)) as tf.Scalar;
    };
    const error = await fit(options({ loss: nanLoss, readEvery: 2 })).catch((e) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect(error.message).toMatch(
      /^epoch 1, step 3 \(steps 3–4 read together\): the training loss is NaN/,
    );
  });

  it('checks its options once, naming the field', async () => {
    await expect(fit(options({ seed: 1.5 }))).rejects.toThrow(/fit: seed/);
    await expect(fit(options({ readEvery: 0 }))).rejects.toThrow(RangeError);
    await expect(
      fit(options({ optimizer: tf.train.adam(0.1) as unknown as FitOptions['optimizer'] })),
    ).rejects.toThrow(/setLearningRate/);
    await expect(fit(options({ schedule: { ...options().schedule, epochs: 0 } }))).rejects.toThrow(
      /schedule.epochs/,
    );
  });
});

async function reload(dir: string): Promise<tf.LayersModel> {
  const { restoreCheckpoint } = await import('./node/checkpoint.js');
  const model = tinyModel();
  await restoreCheckpoint(dir, model);
  return model;
}
