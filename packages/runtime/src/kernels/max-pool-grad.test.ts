import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededValues, useBackend } from '../testing/numerics.js';
import type { MaxPoolGradAttrs } from './max-pool-grad.js';
import { type RegisteredKernels, registerTrainingKernels } from './register-training-kernels.js';

interface Case {
  shape: [number, number, number, number];
  attrs: MaxPoolGradAttrs;
  /** Integer-valued input in a small range: many ties, which must route dy as the stock kernel does. */
  ties?: boolean;
}

const CASES: Case[] = [
  { shape: [2, 34, 34, 16], attrs: { filterSize: 3, strides: 2, pad: 'valid' } }, // DenseNet stem
  { shape: [2, 32, 32, 24], attrs: { filterSize: 3, strides: 2, pad: 'same' } },
  { shape: [1, 7, 9, 3], attrs: { filterSize: 2, strides: 2, pad: 'valid' } },
  { shape: [3, 7, 9, 1], attrs: { filterSize: [3, 2], strides: [1, 2], pad: 'same' } },
  { shape: [2, 11, 10, 5], attrs: { filterSize: 3, strides: 1, pad: 'same' } },
  { shape: [1, 13, 13, 2], attrs: { filterSize: 5, strides: 3, pad: 1 } },
  { shape: [2, 8, 8, 4], attrs: { filterSize: 4, strides: 4, pad: 'valid' } },
  { shape: [1, 10, 10, 3], attrs: { filterSize: 3, strides: 2, pad: 0, dimRoundingMode: 'ceil' } },
  { shape: [2, 10, 10, 6], attrs: { filterSize: 3, strides: 2, pad: 'same' }, ties: true },
  { shape: [2, 9, 9, 3], attrs: { filterSize: 3, strides: 1, pad: 'valid' }, ties: true },
];

function inputOf(c: Case): Float32Array {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const v = seededValues(n, 21);
  return c.ties ? v.map((x) => Math.round(x * 2)) : v;
}

function dyShape(c: Case): number[] {
  const info = tf.backend_util.computePool2DInfo(
    c.shape,
    c.attrs.filterSize,
    c.attrs.strides,
    1,
    c.attrs.pad,
    c.attrs.dimRoundingMode,
  );
  return info.outShape;
}

/** dx from a MaxPoolGrad kernel function on the active backend. */
function runGrad(c: Case, kernel?: tf.KernelFunc): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor4d(inputOf(c), c.shape);
    const output = tf.maxPool(
      input,
      c.attrs.filterSize,
      c.attrs.strides,
      c.attrs.pad,
      c.attrs.dimRoundingMode,
    );
    const shape = dyShape(c);
    const dy = tf.tensor(
      seededValues(
        shape.reduce((a, b) => a * b, 1),
        22,
      ),
      shape,
    );
    const inputs = { dy, input, output };
    const attrs = c.attrs as unknown as tf.NamedAttrMap;
    const out = kernel
      ? tf
          .engine()
          .makeTensorFromTensorInfo(
            kernel({ inputs, attrs, backend: tf.backend() }) as tf.TensorInfo,
          )
      : (tf.engine().runKernel('MaxPoolGrad', inputs, attrs) as tf.Tensor);
    return out.dataSync() as Float32Array;
  });
}

const label = (c: Case) => `[${c.shape}] ${JSON.stringify(c.attrs)}${c.ties ? ' ties' : ''}`;

describe('MaxPoolGrad kernels vs the cpu backend’s stock kernel', () => {
  const want = new Map<Case, Float32Array>();
  const registrations: RegisteredKernels[] = [];

  beforeAll(async () => {
    await useBackend('cpu');
    const stockCpu = tf.getKernel('MaxPoolGrad', 'cpu')?.kernelFunc;
    if (!stockCpu) throw new Error('no stock cpu MaxPoolGrad');
    for (const c of CASES) want.set(c, runGrad(c, stockCpu));
  });
  afterAll(() => {
    for (const r of new Set(registrations)) r.restore();
  });

  it.each(['cpu', 'wasm'] as const)('%s: registered, and equal on every case', async (backend) => {
    await useBackend(backend);
    const registration = registerTrainingKernels(backend);
    registrations.push(registration);
    expect(registration.kernels).toContain('MaxPoolGrad');
    for (const c of CASES) {
      const got = runGrad(c);
      const ref = want.get(c) as Float32Array;
      let worst = 0;
      for (let i = 0; i < ref.length; i++) {
        worst = Math.max(worst, Math.abs((got[i] as number) - (ref[i] as number)));
      }
      // Only the order of summing dy where one pixel wins several windows differs.
      expect(worst, `${backend} ${label(c)}`).toBeLessThan(1e-6);
      expect(got.some((v) => v !== 0)).toBe(true);
    }
  });

  it('hands every window’s dy to exactly one pixel (Σdx = Σdy)', async () => {
    // tfjs-backend-wasm 4.22's own kernel fails this once there is more than one channel (on the
    // DenseNet stem case it loses 13 of 8,192 ones), which is one reason it is replaced.
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      registrations.push(registerTrainingKernels(backend)); // idempotent
      for (const c of CASES) {
        const got = runGrad(c);
        const shape = dyShape(c);
        const dySum = seededValues(
          shape.reduce((a, b) => a * b, 1),
          22,
        ).reduce((a, b) => a + b, 0);
        const dxSum = got.reduce((a, b) => a + b, 0);
        expect(Math.abs(dxSum - dySum), `${backend} ${label(c)}`).toBeLessThan(1e-3);
      }
    }
  });
});
