import { batchNormTrainingPath, movingAverageUpdate } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModule } from '../module-loader.js';
import { fusedAdam } from '../optimizers/fused-adam.js';
import { adamTrajectory, maxRelativeError } from '../testing/adam-reference.js';
import { BATCH_NORM_OUTPUTS, batchNormOutputs } from '../testing/batch-norm-reference.js';
import { CONV_CASES, describeCase } from '../testing/conv-cases.js';
import { naiveConv2dFilterGrad, naiveConv2dInputGrad, outputSize } from '../testing/naive-conv.js';
import { relativeError, seededValues } from '../testing/numerics.js';
import { initWebGpuBackend, probeWebGpuAdapter, releaseWebGpu } from '../webgpu-backend.js';
import { bindGroupCacheOf } from '../webgpu-bind-group-cache.js';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs, adamUpdateOnHost } from './adam-update.js';
import { splitCount } from './conv2d-backprop-filter.js';
import { registerTrainingKernels } from './register-training-kernels.js';

// Runs wherever Dawn finds an adapter: a GPU, or lavapipe on CPU-only machines
// (scripts/install-lavapipe.sh). Elsewhere it is skipped, and says so.
let adapterName = '';
let skipReason = '';
try {
  adapterName = (await probeWebGpuAdapter(loadModule)).adapterName;
} catch (error) {
  skipReason = (error as Error).message;
  console.log(
    `SKIPPED webgpu kernel tests: ${skipReason}. Install a Vulkan driver (scripts/install-lavapipe.sh).`,
  );
}

/** Like runKernelValues, but reads back asynchronously: webgpu's dataSync needs OffscreenCanvas. */
async function runKernelAsync(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
) {
  const out = tf
    .engine()
    .runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return { values };
}

// Fewer, smaller cases than on cpu/wasm: every new shape compiles shaders, slow on lavapipe.
const CASES = CONV_CASES.filter((g) => g.batch * g.inH * g.inW * g.inC <= 4000);

describe.skipIf(skipReason !== '')('webgpu kernels', () => {
  beforeAll(async () => {
    await initWebGpuBackend(loadModule);
    registerTrainingKernels('webgpu');
    console.log(`webgpu kernel tests on adapter '${adapterName}'`);
  }, 120_000);
  afterAll(() => releaseWebGpu());

  it('runs on the webgpu backend with the matmul-based input gradient selected', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(tf.env().getBool('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE')).toBe(false);
  });

  it.each(CASES.map((g) => [describeCase(g), g] as const))('dW and dX: %s', async (_name, g) => {
    const { outH, outW } = outputSize(g);
    const x = seededValues(g.batch * g.inH * g.inW * g.inC, 1);
    const w = seededValues(g.kh * g.kw * g.inC * g.outC, 2, 0.5);
    const dy = seededValues(g.batch * outH * outW * g.outC, 3);
    const xt = tf.tensor4d(x, [g.batch, g.inH, g.inW, g.inC]);
    const wt = tf.tensor4d(w, [g.kh, g.kw, g.inC, g.outC]);
    const dyt = tf.tensor4d(dy, [g.batch, outH, outW, g.outC]);
    const strides = [g.strideH, g.strideW];
    const dw = await runKernelAsync(
      'Conv2DBackpropFilter',
      { x: xt, dy: dyt },
      {
        strides,
        pad: g.padding,
        dataFormat: 'NHWC',
        filterShape: [g.kh, g.kw, g.inC, g.outC],
      },
    );
    const dx = await runKernelAsync(
      'Conv2DBackpropInput',
      { dy: dyt, filter: wt },
      {
        strides,
        pad: g.padding,
        dataFormat: 'NHWC',
        inputShape: [g.batch, g.inH, g.inW, g.inC],
      },
    );
    tf.dispose([xt, wt, dyt]);
    expect(relativeError(dw.values, naiveConv2dFilterGrad(x, dy, g))).toBeLessThan(1e-4);
    expect(relativeError(dx.values, naiveConv2dInputGrad(dy, w, g))).toBeLessThan(1e-4);
  });

  it('FusedAdamOptimizer: same parameters and moments as the stock tf.train.adam on cpu', async () => {
    await tf.setBackend('cpu');
    const stock = tf.train.adam(0.01, 0.8, 0.95, 1e-7);
    const want = await adamTrajectory(stock, 4, 'webgpu_adam_stock');
    stock.dispose();
    await tf.setBackend('webgpu');
    const opt = fusedAdam(0.01, 0.8, 0.95, 1e-7);
    expect(opt.fused).toBe(true);
    const got = await adamTrajectory(opt, 4, 'webgpu_adam_fused');
    opt.dispose();
    expect(maxRelativeError(got, want)).toBeLessThan(1e-5);
  });

  it('Adam kernel with inPlace: writes param, m and v in place only when nothing else refers to them', async () => {
    const n = 300;
    const [pv, mv, vv, gv] = [1, 2, 3, 4].map((seed) => seededValues(n, 50 + seed));
    const vPositive = (vv as Float32Array).map(Math.abs);
    const attrs: AdamUpdateAttrs = {
      beta1: 0.8,
      beta2: 0.95,
      epsilon: 1e-7,
      learningRate: 0.01,
      oneMinusAccBeta1: 1 - 0.8 ** 3,
      oneMinusAccBeta2: 1 - 0.95 ** 3,
      inPlace: true,
    };
    const want = adamUpdateOnHost(
      { param: pv as Float32Array, m: mv as Float32Array, v: vPositive, grad: gv as Float32Array },
      attrs,
    );
    const fresh = () => ({
      param: tf.tensor1d(pv as Float32Array),
      m: tf.tensor1d(mv as Float32Array),
      v: tf.tensor1d(vPositive),
      grad: tf.tensor1d(gv as Float32Array),
    });
    const run = (ins: Record<string, tf.Tensor>) =>
      tf
        .engine()
        .runKernel(ADAM_UPDATE_KERNEL, ins, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const expectState = async (ts: tf.Tensor[]) => {
      for (let k = 0; k < 3; k++) {
        const got = (await (ts[k] as tf.Tensor).data()) as Float32Array;
        expect(relativeError(got, want[k] as Float32Array), `output ${k}`).toBeLessThan(1e-6);
      }
    };

    // Exclusive tensors, one of them read before (its host copy must not be served afterwards).
    const a = fresh();
    await a.param.data();
    expect(run(a)).toEqual([]);
    await expectState([a.param, a.m, a.v]);

    // A clone shares param's buffer: the kernel returns new tensors and leaves both untouched.
    const b = fresh();
    const alias = b.param.clone();
    const outs = run(b);
    expect(outs).toHaveLength(3);
    await expectState(outs);
    expect(Array.from((await b.param.data()) as Float32Array)).toEqual(
      Array.from(pv as Float32Array),
    );
    expect(Array.from((await alias.data()) as Float32Array)).toEqual(
      Array.from(pv as Float32Array),
    );

    // Under tf.profile (GPU timers) it takes the program path too.
    const c = fresh();
    let profiled: tf.Tensor[] = [];
    await tf.profile(() => {
      profiled = run(c);
    });
    expect(profiled).toHaveLength(3);
    await expectState(profiled);
    tf.dispose([
      ...Object.values(a),
      ...Object.values(b),
      alias,
      ...outs,
      ...Object.values(c),
      ...profiled,
    ]);
  });

  it('dW with the split-K product and without it, patches from the WGSL program and from slices', async () => {
    const g = {
      batch: 2,
      inH: 24,
      inW: 24,
      inC: 4,
      kh: 3,
      kw: 3,
      outC: 8,
      strideH: 1,
      strideW: 1,
      padding: 'same' as const,
    };
    const { outH, outW } = outputSize(g);
    expect(splitCount(g.batch * outH * outW, 512)).toBe(3);
    const x = seededValues(g.batch * g.inH * g.inW * g.inC, 21);
    const dy = seededValues(g.batch * outH * outW * g.outC, 22);
    const want = naiveConv2dFilterGrad(x, dy, g);
    for (const [rowsPerGroup, program] of [
      [512, true],
      [0, true],
      [512, false],
    ] as const) {
      // Re-register with these options (the suite registered the defaults).
      registerTrainingKernels('webgpu').restore();
      const registration = registerTrainingKernels('webgpu', {
        webgpuSplitKRows: rowsPerGroup,
        webgpuIm2colProgram: program,
      });
      try {
        const xt = tf.tensor4d(x, [g.batch, g.inH, g.inW, g.inC]);
        const dyt = tf.tensor4d(dy, [g.batch, outH, outW, g.outC]);
        const dw = await runKernelAsync(
          'Conv2DBackpropFilter',
          { x: xt, dy: dyt },
          { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 8] },
        );
        tf.dispose([xt, dyt]);
        expect(relativeError(dw.values, want)).toBeLessThan(1e-4);
      } finally {
        registration.restore();
        registerTrainingKernels('webgpu');
      }
    }
  });

  it.each([
    { shape: [2, 20, 20, 5], offset: 0 }, // 800 rows: several row chunks
    { shape: [3, 7, 5, 3], offset: 40 }, // large mean
    { shape: [1, 1, 2, 9], offset: -2 },
  ])(
    'fused batch norm $shape (offset $offset): forward and gradients vs stock ops on cpu',
    async ({ shape, offset }) => {
      const bnShape = shape as [number, number, number, number];
      await tf.setBackend('cpu');
      const want = await batchNormOutputs(false, bnShape, { offset });
      await tf.setBackend('webgpu');
      expect(batchNormTrainingPath()).toEqual({
        forward: 'kernel',
        grad: 'kernel',
        movingAverage: 'kernel',
      });
      const got = await batchNormOutputs(true, bnShape, { offset });
      got.forEach((g, k) => {
        expect(relativeError(g, want[k] as Float32Array), BATCH_NORM_OUTPUTS[k]).toBeLessThan(1e-4);
      });
    },
  );

  it('moving average: same values as the composite ops on cpu', async () => {
    const moving = seededValues(300, 41).map((v) => v * 5);
    const value = seededValues(300, 42).map((v) => v * 5 + 1);
    const run = () =>
      movingAverageUpdate({
        moving: tf.tensor2d(moving, [3, 100]),
        value: tf.tensor2d(value, [3, 100]),
        decay: 0.01,
      });
    await tf.setBackend('cpu');
    const want = (await run().data()) as Float32Array;
    await tf.setBackend('webgpu');
    const got = run();
    expect(got.shape).toEqual([3, 100]);
    expect(relativeError((await got.data()) as Float32Array, want)).toBeLessThan(1e-6);
  });

  it("Relu's gradient: one kernel, same values as tfjs-core's gradient on cpu (special values too)", async () => {
    const xv = Float32Array.from([
      ...seededValues(200, 43),
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    const wv = Float32Array.from([
      ...seededValues(200, 44),
      1,
      -1,
      2,
      -3,
      Number.POSITIVE_INFINITY,
    ]);
    const grad = () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.tensor1d(wv))))(tf.tensor1d(xv));
    await tf.setBackend('cpu');
    const want = Array.from((await grad().data()) as Float32Array);
    await tf.setBackend('webgpu');
    const got = Array.from((await grad().data()) as Float32Array);
    expect(got).toEqual(want);
    // The last entries: 0·1, −0·... (x ≤ 0 gives dy·0), NaN x gives NaN, ∞·0 gives NaN.
    expect(want.slice(-5)).toEqual([0, -0, Number.NaN, -3, Number.NaN]);
  });

  it('bind-group cache: a repeated step reuses bind groups and still computes with the new values', async () => {
    const cache = bindGroupCacheOf((tf.backend() as unknown as { device: object }).device);
    expect(cache).toBeDefined();
    // Over 1,000 elements, so that tfjs-backend-webgpu does not run the ops on the CPU instead.
    const w = seededValues(32 * 40, 71);
    const step = (x: Float32Array) =>
      tf.tidy(() => {
        const h = tf.relu(tf.matMul(tf.tensor2d(x, [50, 32]), tf.tensor2d(w, [32, 40])));
        return tf.sum(tf.mul(h, h), 0);
      });
    const inputs = [0, 1, 2, 3, 4, 5].map((i) => seededValues(50 * 32, 80 + i));
    await tf.setBackend('cpu');
    const want = await Promise.all(inputs.map(async (x) => (await step(x).data()) as Float32Array));
    await tf.setBackend('webgpu');
    const hitsBefore = (cache as NonNullable<typeof cache>).stats.hits;
    for (const [i, x] of inputs.entries()) {
      const got = (await step(x).data()) as Float32Array;
      expect(relativeError(got, want[i] as Float32Array), `step ${i}`).toBeLessThan(1e-5);
    }
    expect((cache as NonNullable<typeof cache>).stats.hits).toBeGreaterThan(hitsBefore);
  });
});
