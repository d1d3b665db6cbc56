import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fusedAdam } from '../optimizers/fused-adam.js';
import {
  buildDenseNetLike,
  type DenseNetLikeConfig,
  SMALL_DENSENET,
} from '../testing/densenet-like.js';
import { relativeError, seededValues, useBackend } from '../testing/numerics.js';
import {
  registerTrainingKernels,
  TRAINING_KERNEL_CONFIGS,
  TRAINING_KERNELS,
} from './register-training-kernels.js';

// A reduced DenseNet-like model: every layer type of the real one (7x7/2 stem, max pool,
// bottlenecks + concat, transitions with avg pool, 3x3 head, BN, GAP, dense, dropout).
const CONFIG: DenseNetLikeConfig = {
  ...SMALL_DENSENET,
  inputSize: 32,
  classes: 5,
  growthRate: 8,
  blocks: [2, 2],
  stemFilters: 16,
  headFilters: 16,
  dropout: 0,
};
const BATCH = 4;

function batchData() {
  const s = CONFIG.inputSize;
  const x = tf.tensor4d(seededValues(BATCH * s * s * 3, 11), [BATCH, s, s, 3]);
  const y = tf.tensor2d(
    Array.from(seededValues(BATCH * CONFIG.classes, 12), (v) => (v > 0 ? 1 : 0)),
    [BATCH, CONFIG.classes],
  );
  return { x, y };
}

function lossOf(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.losses.sigmoidCrossEntropy(
    y,
    model.apply(x, { training: true }) as tf.Tensor,
  ) as tf.Scalar;
}

/** Loss and per-variable gradients of one training-mode forward/backward pass. */
function gradients(model: tf.LayersModel): { loss: number; grads: Map<string, Float32Array> } {
  const { x, y } = batchData();
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => lossOf(model, x, y), vars);
  const out = new Map<string, Float32Array>();
  for (const [name, g] of Object.entries(grads)) out.set(name, g.dataSync() as Float32Array);
  const loss = value.dataSync()[0] as number;
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return { loss, grads: out };
}

/**
 * Worst per-variable error, relative to that variable's largest gradient, but never to less than
 * 1e-3 of the largest gradient overall: some gradients are zero in exact arithmetic (e.g. the
 * stem BN's gamma here, ~1e-7) and their float noise carries no information.
 */
function worstGradientError(
  got: Map<string, Float32Array>,
  want: Map<string, Float32Array>,
): number {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  const largest = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const globalScale = Math.max(...[...want.values()].map(largest));
  let worst = 0;
  for (const [name, w] of want) {
    const g = got.get(name)!;
    const scale = Math.max(largest(w), 1e-3 * globalScale);
    worst = Math.max(worst, (relativeError(g, w) * (largest(w) || 1)) / scale);
  }
  return worst;
}

describe('training a DenseNet-like model with the registered kernels', () => {
  let model: tf.LayersModel;
  let stock: { loss: number; grads: Map<string, Float32Array> };

  beforeAll(async () => {
    await useBackend('cpu');
    model = buildDenseNetLike(CONFIG);
    stock = gradients(model); // tfjs's own cpu kernels: the reference
  });

  afterAll(() => model.dispose());

  it('stock wasm cannot train a conv net (the gap these kernels fill)', async () => {
    await useBackend('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(() => gradients(model)).toThrow(/Conv2DBackpropFilter.*not registered.*wasm/);
  });

  it('wasm gradients match the stock cpu gradients for every variable', async () => {
    const registration = registerTrainingKernels('wasm');
    expect(registration.kernels).toEqual([
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'Tile',
      'CihmlcAdamUpdate',
      'Concat',
      'SplitV',
      'MaxPoolGrad',
      'CihmlcBatchNormForward',
      'CihmlcBatchNormGrad',
      'CihmlcMovingAverage',
      'CihmlcReluGrad',
    ]);
    expect(registerTrainingKernels('wasm')).toBe(registration);
    await useBackend('wasm');
    const got = gradients(model);
    expect(Math.abs(got.loss - stock.loss)).toBeLessThan(1e-4);
    expect(worstGradientError(got.grads, stock.grads)).toBeLessThan(1e-3);
  });

  it('patched cpu gradients match the stock cpu gradients, and restore() brings the stock kernels back', async () => {
    const stockFilterKernel = tf.getKernel('Conv2DBackpropFilter', 'cpu');
    const registration = registerTrainingKernels('cpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).not.toBe(stockFilterKernel);
    await useBackend('cpu');
    const got = gradients(model);
    expect(worstGradientError(got.grads, stock.grads)).toBeLessThan(1e-3);
    registration.restore();
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBe(stockFilterKernel);
  });

  it.each(['tf.train.adam', 'fusedAdam'])(
    '%s on wasm (with dropout) lowers the loss and keeps memory flat',
    async (name) => {
      registerTrainingKernels('wasm');
      await useBackend('wasm');
      const trainable = buildDenseNetLike({ ...CONFIG, dropout: 0.2 });
      const { x, y } = batchData();
      const optimizer = name === 'fusedAdam' ? fusedAdam(0.02) : tf.train.adam(0.02);
      const losses: number[] = [];
      let tensorsAfterFirst = 0;
      for (let step = 0; step < 16; step++) {
        const loss = optimizer.minimize(() => lossOf(trainable, x, y), true) as tf.Scalar;
        losses.push(loss.dataSync()[0] as number);
        loss.dispose();
        if (step === 0) tensorsAfterFirst = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
      expect(losses.every(Number.isFinite)).toBe(true);
      // Mean of the last three against the first: dropout makes single steps noisy.
      const tail = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
      expect(tail).toBeLessThan(losses[0]! * 0.85);
      tf.dispose([x, y]);
      optimizer.dispose();
      trainable.dispose();
    },
  );
});

describe('the kernel table', () => {
  it.each(['cpu', 'wasm'] as const)(
    'TRAINING_KERNELS.%s lists exactly the kernels a registration installs, each with a reason',
    async (backend) => {
      await useBackend(backend);
      const registration = registerTrainingKernels(backend);
      try {
        expect(Object.keys(TRAINING_KERNELS[backend])).toEqual(registration.kernels);
        for (const why of Object.values(TRAINING_KERNELS[backend])) expect(why).toMatch(/\w{3}/);
      } finally {
        registration.restore();
      }
    },
  );

  it('webgpu gets every configured kernel, the input gradient as a stock flag', () => {
    const webgpu = TRAINING_KERNEL_CONFIGS.filter((c) => c.backends.webgpu).map(
      (c) => c.kernelName,
    );
    expect(Object.keys(TRAINING_KERNELS.webgpu)).toEqual(webgpu);
    expect(TRAINING_KERNELS.webgpu.Conv2DBackpropInput).toMatch(
      /WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE/,
    );
    expect(TRAINING_KERNELS.webgpu.Tile).toBeUndefined();
  });

  it('checks its options and backend, naming the field', () => {
    expect(() => registerTrainingKernels('cpu', { webgpuSplitKRows: -1 })).toThrow(RangeError);
    expect(() => registerTrainingKernels('cpu', { webgpuSplitKRows: 1.5 })).toThrow(
      /options\.webgpuSplitKRows/,
    );
    expect(() =>
      registerTrainingKernels('cpu', { convolutionOnWasm: 'yes' as unknown as boolean }),
    ).toThrow(TypeError);
    expect(() =>
      registerTrainingKernels('cpu', { fast: true } as unknown as { convolutionOnWasm: boolean }),
    ).toThrow(/unknown option "fast"/);
    expect(() => registerTrainingKernels('webgl' as 'cpu')).toThrow(RangeError);
  });

  it('returns the same registration for the same options, refuses other options until restore()', () => {
    const first = registerTrainingKernels('cpu', { webgpuSplitKRows: 256 });
    try {
      expect(first.options).toEqual({
        convolutionOnWasm: true,
        webgpuSplitKRows: 256,
        webgpuIm2colProgram: true,
      });
      expect(Object.isFrozen(first.options)).toBe(true);
      expect(registerTrainingKernels('cpu', { webgpuSplitKRows: 256 })).toBe(first);
      expect(() => registerTrainingKernels('cpu')).toThrow(/restore\(\) first/);
    } finally {
      first.restore();
    }
    registerTrainingKernels('cpu').restore();
  });
});
