import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAM_UPDATE_KERNEL } from '../kernels/adam-update.js';
import { registerTrainingKernels } from '../kernels/register-training-kernels.js';
import {
  adamState,
  adamTrajectory,
  adamVariables,
  applyAdamSteps,
  maxRelativeError,
} from '../testing/adam-reference.js';
import { useBackend } from '../testing/numerics.js';
import { FusedAdamOptimizer, fusedAdam } from './fused-adam.js';

let run = 0;
const prefix = () => `adam_test_${run++}`;

describe('FusedAdamOptimizer', () => {
  afterAll(() => useBackend('cpu'));

  it.each(['cpu', 'wasm'] as const)(
    'on %s: same parameters and moments as the stock tf.train.adam on cpu, step by step',
    async (backend) => {
      await useBackend('cpu');
      const stockOpt = tf.train.adam(0.01, 0.8, 0.95, 1e-7);
      const want = await adamTrajectory(stockOpt, 4, prefix());
      stockOpt.dispose();

      await useBackend(backend);
      const registration = registerTrainingKernels(backend);
      expect(registration.kernels).toContain(ADAM_UPDATE_KERNEL);
      const opt = fusedAdam(0.01, 0.8, 0.95, 1e-7);
      expect(opt.fused).toBe(true);
      const got = await adamTrajectory(opt, 4, prefix());
      expect(opt.iterations).toBe(4);
      opt.dispose();
      expect(maxRelativeError(got, want)).toBeLessThan(1e-6);
    },
  );

  it('falls back to the stock update where the kernel is not registered', async () => {
    await useBackend('cpu');
    const registration = registerTrainingKernels('cpu');
    registration.restore();
    const opt = new FusedAdamOptimizer(0.01, 0.9, 0.999);
    expect(opt.fused).toBe(false);
    const stock = tf.train.adam(0.01, 0.9, 0.999);
    const want = await adamTrajectory(stock, 3, prefix());
    const got = await adamTrajectory(opt, 3, prefix());
    expect(maxRelativeError(got, want)).toBe(0);
    stock.dispose();
    opt.dispose();
  });

  it('checkpoints move between the fused and the stock optimizer (getWeights / setWeights)', async () => {
    await useBackend('cpu');
    registerTrainingKernels('cpu');
    const stockAll = tf.train.adam(0.02);
    const want = await adamTrajectory(stockAll, 4, prefix());
    stockAll.dispose();

    // 2 fused steps, checkpoint, 2 stock steps from the checkpoint == 4 stock steps.
    const fused = fusedAdam(0.02);
    expect(FusedAdamOptimizer.className).toBe('Adam');
    expect(fused.getConfig()).toEqual(tf.train.adam(0.02).getConfig());
    const vars = adamVariables(prefix());
    applyAdamSteps(fused, vars, 0, 2);
    const saved = await fused.getWeights();
    expect(saved.map((w) => w.name)).toEqual([
      'iter',
      ...vars.map((v) => `${v.name}/m`),
      ...vars.map((v) => `${v.name}/v`),
    ]);
    const resumed = tf.train.adam(0.02);
    await resumed.setWeights(saved);
    applyAdamSteps(resumed, vars, 2, 4);
    const got = await adamState(resumed, vars);
    expect(maxRelativeError({ ...got, moments: [] }, { ...want, moments: [] })).toBeLessThan(1e-6);

    // And the other way: stock checkpoint, fused continuation.
    const vars2 = adamVariables(prefix());
    const stockFirst = tf.train.adam(0.02);
    applyAdamSteps(stockFirst, vars2, 0, 2);
    const fusedResumed = fusedAdam(0.02);
    await fusedResumed.setWeights(await stockFirst.getWeights());
    applyAdamSteps(fusedResumed, vars2, 2, 4);
    expect(fusedResumed.iterations).toBe(4);
    const got2 = await adamState(fusedResumed, vars2);
    expect(maxRelativeError(got2, want)).toBeLessThan(1e-6);
    tf.dispose([...vars, ...vars2]);
    for (const o of [fused, resumed, stockFirst, fusedResumed]) o.dispose();
  });

  it('setLearningRate changes the next updates (first Adam step moves by lr · g / (|g| + ε))', async () => {
    await useBackend('cpu');
    registerTrainingKernels('cpu');
    const opt = fusedAdam(0.01);
    const w = tf.variable(tf.scalar(1), true, `${prefix()}/w`);
    expect(opt.getLearningRate()).toBe(0.01);
    opt.setLearningRate(0.2);
    expect(opt.getLearningRate()).toBe(0.2);
    opt.minimize(() => tf.mul(w, 3) as tf.Scalar);
    // m̂ = g, v̂ = g², so the step is lr · g / (|g| + ε) with ε = 1e-7 (TF.js's default; float32 bias corrections).
    expect(w.dataSync()[0]).toBeCloseTo(1 - (0.2 * 3) / (3 + 1e-7), 5);
    opt.setLearningRate(0.05);
    opt.minimize(() => tf.mul(w, 3) as tf.Scalar);
    // Constant gradient: m̂ = g and v̂ = g² again, so the second step is 0.05 · g / (|g| + ε).
    expect(w.dataSync()[0]).toBeCloseTo(1 - 0.2 - 0.05, 5);
    expect(() => opt.setLearningRate(0)).toThrow(RangeError);
    expect(() => opt.setLearningRate(Number.NaN)).toThrow(/learningRate/);
    w.dispose();
    opt.dispose();
  });

  it('rejects mismatched inputs with the input named', async () => {
    await useBackend('cpu');
    registerTrainingKernels('cpu');
    const p = tf.zeros([3]);
    const g = tf.zeros([4]);
    const mismatched = () =>
      tf.engine().runKernel(ADAM_UPDATE_KERNEL, { param: p, m: p, v: p, grad: g }, {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        learningRate: 0.001,
        oneMinusAccBeta1: 0.1,
        oneMinusAccBeta2: 0.001,
      } as unknown as tf.NamedAttrMap);
    expect(mismatched).toThrow(RangeError);
    expect(mismatched).toThrow(/input 'grad' has shape \[4\], param has \[3\]/);
    tf.dispose([p, g]);
  });
});
