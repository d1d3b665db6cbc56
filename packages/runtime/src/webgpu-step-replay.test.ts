import { dropoutDraws, withDropoutSeed } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from './kernels/register-training-kernels.js';
import { loadModule } from './module-loader.js';
import { fusedAdam } from './optimizers/fused-adam.js';
import {
  buildDenseNetLike,
  type DenseNetLikeConfig,
  SMALL_DENSENET,
  trainingStepFn,
} from './testing/densenet-like.js';
import { installWebGpuCounters } from './testing/webgpu-counters.js';
import { initWebGpuBackend, probeWebGpuAdapter, releaseWebGpu } from './webgpu-backend.js';
import { captureTrainingStep, type StepCapture } from './webgpu-step-replay.js';

// Runs wherever Dawn finds an adapter: a GPU, or lavapipe on CPU-only machines
// (scripts/install-lavapipe.sh). Elsewhere it is skipped, and says so.
let skipReason = '';
try {
  await probeWebGpuAdapter(loadModule);
} catch (error) {
  skipReason = (error as Error).message;
  console.log(`SKIPPED webgpu step replay tests: ${skipReason}.`);
}

/** A DenseNet-like model small enough for lavapipe: fused batch norm, dropout on a [2, 8] tensor. */
const TINY: DenseNetLikeConfig = {
  ...SMALL_DENSENET,
  inputSize: 16,
  blocks: [2, 2],
  growthRate: 4,
  stemFilters: 8,
  headFilters: 8,
  dropout: 0.3,
};
const STEPS = 6;

/** A seeded Math.random: tf.dropout draws its masks from Math.random-seeded generators. */
function seedMathRandom(seed: number): void {
  let s = seed >>> 0;
  Math.random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Setup {
  model: tf.LayersModel;
  optimizer: ReturnType<typeof fusedAdam>;
  xs: tf.Tensor[];
  ys: tf.Tensor[];
  stepFn: (x: tf.Tensor, y: tf.Tensor) => tf.Scalar;
  dispose(): void;
}

function setup(config: DenseNetLikeConfig = TINY): Setup {
  seedMathRandom(7);
  const model = buildDenseNetLike(config);
  const init = tf.tidy(() =>
    model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.3, 0.3, 'float32', i + 1)),
  );
  model.setWeights(init);
  tf.dispose(init);
  const optimizer = fusedAdam(1e-2);
  const size = config.inputSize;
  const xs = Array.from({ length: STEPS }, (_, i) =>
    tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 100 + i),
  );
  const ys = Array.from({ length: STEPS }, (_, i) =>
    tf.tidy(() => tf.randomUniform([2, config.classes], 0, 1, 'float32', 200 + i).round()),
  );
  const stepFn = trainingStepFn(model, optimizer);
  return {
    model,
    optimizer,
    xs,
    ys,
    stepFn,
    dispose() {
      tf.dispose([...xs, ...ys]);
      model.dispose();
      optimizer.dispose();
    },
  };
}

async function normalStep(s: Setup, i: number): Promise<number> {
  const loss = s.stepFn(s.xs[i] as tf.Tensor, s.ys[i] as tf.Tensor);
  const value = (await loss.data())[0] as number;
  loss.dispose();
  return value;
}

/** Weights (with the batch norms' moving statistics), optimizer state (iterations, m, v). */
async function state(s: Setup): Promise<Float32Array[]> {
  const weights = s.model.getWeights();
  const opt = (await s.optimizer.getWeights()).map((w) => w.tensor);
  return Promise.all([...weights, ...opt].map(async (t) => Float32Array.from(await t.data())));
}

function maxAbsDifference(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    expect(x.length).toBe(y.length);
    for (let j = 0; j < x.length; j++)
      max = Math.max(max, Math.abs((x[j] as number) - (y[j] as number)));
  });
  return max;
}

describe.skipIf(skipReason !== '')('captureTrainingStep on webgpu', () => {
  beforeAll(async () => {
    await initWebGpuBackend(loadModule);
    registerTrainingKernels('webgpu');
  }, 120_000);
  afterAll(() => releaseWebGpu());

  it('replays steps with the same losses, weights, moving statistics and Adam state as the normal path, bit for bit', async () => {
    // Reference: every step through TF.js. Step 0 warms up; the capture records steps 1 and 2
    // (real steps, both on batch 1), so the reference runs batch 1 twice as well.
    const ref = setup();
    const initial = await Promise.all(
      ref.model.getWeights().map(async (t) => Float32Array.from(await t.data())),
    );
    const refLosses: number[] = [];
    for (const i of [0, 1, 1, 2, 3, 4, 5]) refLosses.push(await normalStep(ref, i));
    const refState = await state(ref);
    ref.dispose();
    // Training moved the weights (the comparison below can fail).
    expect(maxAbsDifference(initial, refState.slice(0, initial.length))).toBeGreaterThan(1e-3);

    const s = setup();
    const losses = [await normalStep(s, 0)];
    const capture = await captureTrainingStep(s.stepFn, {
      inputs: [s.xs[1] as tf.Tensor, s.ys[1] as tf.Tensor],
      optimizer: s.optimizer,
      randomUploads: true,
    });
    expect(capture.reason).toBe('');
    expect(capture.replayable).toBe(true);
    // The test exercises what replay must handle: dropout masks drawn on the host, moving
    // statistics re-assigned to new tensors, per-step Adam uniforms.
    expect(capture.stats.randomUploads).toBe(1);
    expect(s.model.nonTrainableWeights.length).toBe(2 * 12); // 12 batch norms × (mean, variance)
    expect(capture.stats.movedVariables).toBe(s.model.nonTrainableWeights.length);
    expect(capture.stats.adamUniforms).toBe(s.model.trainableWeights.length);
    losses.push(Number.NaN, Number.NaN); // the two recorded steps
    // The batches on the GPU first, so that the counts below are the replayed steps' own.
    for (const t of [...s.xs, ...s.ys])
      (tf.backend() as unknown as { uploadToGPU(id: object): void }).uploadToGPU(t.dataId);
    const flushed = tf.addN(s.xs);
    await flushed.data(); // submits the uploads
    flushed.dispose();
    const counters = installWebGpuCounters(tf.backend());
    const tensors = tf.memory().numTensors;
    const created: number[] = [];
    for (let i = 2; i < STEPS; i++) {
      if (i === 3) {
        // One step through TF.js in between (e.g. a last partial batch): it re-assigns the moving
        // statistics; the next replayed step starts from there.
        losses.push(await normalStep(s, i));
        continue;
      }
      // Step 4's batch as host arrays (written into the capture's input buffers), the others as tensors.
      const arrays = i === 4;
      const batch = arrays
        ? [
            (await (s.xs[i] as tf.Tensor).data()) as Float32Array,
            (await (s.ys[i] as tf.Tensor).data()) as Float32Array,
          ]
        : [s.xs[i] as tf.Tensor, s.ys[i] as tf.Tensor];
      counters.reset();
      const handle = capture.run(batch);
      expect(handle.path).toBe('replay');
      losses.push(((await handle.outputs())[0] as Float32Array)[0] as number);
      created.push(counters.counts.buffersCreated);
      expect(counters.counts.submits).toBe(1);
      expect(counters.counts.uploads).toBe(0);
      // Adam's uniforms and the dropout mask; the other uniforms are constant, written once.
      expect(counters.counts.writeBuffers).toBe(1 + capture.stats.randomUploads + (arrays ? 2 : 0));
      expect(counters.counts.dispatches).toBe(capture.stats.dispatches);
      expect(tf.memory().numTensors).toBe(tensors);
    }
    counters.uninstall();
    // Only the first replay creates a buffer (the loss's read-back buffer, reused after).
    expect(created.slice(1)).toEqual(created.slice(1).map(() => 0));
    expect(s.optimizer.iterations).toBe(STEPS + 1);
    const got = await state(s);
    capture.release();
    s.dispose();
    expect(losses.slice(3)).toEqual(refLosses.slice(3));
    expect(maxAbsDifference(refState, got)).toBe(0);
  });

  it('with seeded draws and restoreState, replayed steps equal the seeded normal path bit for bit', async () => {
    // Dropout masks from withDropoutSeed (Alea generators seeded per step), not Math.random.
    const keys = [11, 12, 13, 14, 15, 16];
    const ref = setup();
    const refLosses: number[] = [];
    for (let i = 0; i < STEPS; i++)
      refLosses.push(await withDropoutSeed(keys[i] as number, () => normalStep(ref, i)));
    const refState = await state(ref);
    ref.dispose();

    const s = setup();
    const losses = [await withDropoutSeed(keys[0] as number, () => normalStep(s, 0))];
    const before = await state(s);
    let key = Number.NaN;
    const began: number[] = [];
    const capture = await captureTrainingStep(
      (x, y) => withDropoutSeed(key, () => s.stepFn(x, y)),
      {
        inputs: [s.xs[1] as tf.Tensor, s.ys[1] as tf.Tensor],
        optimizer: s.optimizer,
        randomUploads: {
          recordKeys: [991, 992],
          begin(k) {
            key = k;
            began.push(k);
          },
          draw: dropoutDraws,
        },
        restoreState: true,
      },
    );
    expect(capture.reason).toBe('');
    expect(capture.stats.randomUploads).toBe(1);
    expect(began).toEqual([991, 992]);
    // The two recorded steps left no trace: weights, moving statistics, Adam state, iterations.
    expect(s.optimizer.iterations).toBe(1);
    expect(maxAbsDifference(before, await state(s))).toBe(0);
    for (let i = 1; i < STEPS; i++) {
      if (i === 3) {
        // One step through TF.js in between, with its own seed.
        losses.push(await withDropoutSeed(keys[i] as number, () => normalStep(s, i)));
        continue;
      }
      const handle = capture.run([s.xs[i] as tf.Tensor, s.ys[i] as tf.Tensor], keys[i]);
      expect(handle.path).toBe('replay');
      losses.push(((await handle.outputs())[0] as Float32Array)[0] as number);
    }
    expect(() => capture.run([s.xs[1] as tf.Tensor, s.ys[1] as tf.Tensor])).toThrow(/key/);
    expect(s.optimizer.iterations).toBe(STEPS);
    const got = await state(s);
    capture.release();
    s.dispose();
    expect(losses).toEqual(refLosses);
    expect(maxAbsDifference(refState, got)).toBe(0);
  });

  it('takes the normal path, and says why, where replay cannot be proven identical', async () => {
    const s = setup();
    await normalStep(s, 0);
    const inputs = [s.xs[1] as tf.Tensor, s.ys[1] as tf.Tensor];
    const captures: StepCapture[] = [];
    const expectFallback = async (capture: StepCapture, reason: RegExp) => {
      captures.push(capture);
      expect(capture.replayable).toBe(false);
      expect(capture.reason).toMatch(reason);
      const handle = capture.run(inputs);
      expect(handle.path).toBe('normal');
      expect(Number.isFinite(((await handle.outputs())[0] as Float32Array)[0])).toBe(true);
    };
    // Dropout masks are host draws that change every step: not replayed unless declared.
    await expectFallback(
      await captureTrainingStep(s.stepFn, { inputs, optimizer: s.optimizer }),
      /upload \d+ \(shape \[2,8\]\) changed between the two recorded steps/,
    );
    // Adam's bias corrections change every step: not replayed without the optimizer.
    await expectFallback(
      await captureTrainingStep(s.stepFn, { inputs, randomUploads: true }),
      /uniform write \d+ .* changed between the two recorded steps/,
    );
    // A step that reads a value back to the host.
    await expectFallback(
      await captureTrainingStep(
        (x, y) => {
          const loss = s.stepFn(x, y);
          void loss.data();
          return loss;
        },
        { inputs, optimizer: s.optimizer, randomUploads: true },
      ),
      /reads data back/,
    );
    // Another backend.
    await tf.setBackend('cpu');
    const ones = tf.ones([2, 2]);
    const onCpu = await captureTrainingStep((x) => tf.sum(x), { inputs: [ones] });
    expect(onCpu.replayable).toBe(false);
    expect(onCpu.reason).toMatch(/the backend is cpu, not webgpu/);
    ones.dispose();
    await tf.setBackend('webgpu');
    // A replayable capture still falls back for inputs of another shape, and after the model's
    // state moved outside it.
    const capture = await captureTrainingStep(s.stepFn, {
      inputs,
      optimizer: s.optimizer,
      randomUploads: true,
    });
    expect(capture.replayable).toBe(true);
    const other = tf.zeros([1, TINY.inputSize, TINY.inputSize, 3]);
    const odd = capture.run([other, tf.zeros([1, TINY.classes])]);
    expect(odd.path).toBe('normal');
    expect(odd.reason).toMatch(/input 0 has shape \[1,16,16,3\]/);
    await odd.outputs();
    const again = capture.run(inputs); // after that normal step, it replays again
    expect(again.path).toBe('replay');
    expect((await again.outputs())[0]?.length).toBe(1);
    capture.release();
    for (const c of captures) c.release();
    other.dispose();
    s.dispose();
  });
});
