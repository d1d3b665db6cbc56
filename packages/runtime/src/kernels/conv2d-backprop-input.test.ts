import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONV_CASES, describeCase } from '../testing/conv-cases.js';
import { naiveConv2dInputGrad, outputSize } from '../testing/naive-conv.js';
import { relativeError, runKernelValues, seededValues, useBackend } from '../testing/numerics.js';
import { type RegisteredKernels, registerTrainingKernels } from './register-training-kernels.js';

const TOLERANCE = 1e-5;

type Case = (typeof CONV_CASES)[number];

function attrsOf(g: Case) {
  return {
    strides: [g.strideH, g.strideW],
    pad: g.padding,
    dataFormat: 'NHWC',
    inputShape: [g.batch, g.inH, g.inW, g.inC],
  };
}

function inputsOf(g: Case, p: { dy: Float32Array; w: Float32Array }) {
  const { outH, outW } = outputSize(g);
  return {
    dy: tf.tensor4d(p.dy, [g.batch, outH, outW, g.outC]),
    filter: tf.tensor4d(p.w, [g.kh, g.kw, g.inC, g.outC]),
  };
}

describe.each(['cpu', 'wasm'] as const)('Conv2DBackpropInput on %s', (backend) => {
  const prepared: Array<{
    dy: Float32Array;
    w: Float32Array;
    naive: Float64Array;
    stockCpu: Float32Array;
  }> = [];
  let registration: RegisteredKernels;

  beforeAll(async () => {
    await useBackend('cpu');
    CONV_CASES.forEach((g, i) => {
      const { outH, outW } = outputSize(g);
      const dy = seededValues(g.batch * outH * outW * g.outC, 300 + i);
      const w = seededValues(g.kh * g.kw * g.inC * g.outC, 400 + i, 0.5);
      const inputs = inputsOf(g, { dy, w });
      const stockCpu = runKernelValues('Conv2DBackpropInput', inputs, attrsOf(g)).values;
      tf.dispose(Object.values(inputs));
      prepared.push({ dy, w, naive: naiveConv2dInputGrad(dy, w, g), stockCpu });
    });
    registration = registerTrainingKernels(backend);
    await useBackend(backend);
  });

  afterAll(() => registration.restore());

  it.each(CONV_CASES.map((g, i) => [describeCase(g), i] as const))('%s', (_name, i) => {
    const g = CONV_CASES[i]!;
    const p = prepared[i]!;
    const inputs = inputsOf(g, p);
    const before = tf.memory().numTensors;
    const { values, shape } = runKernelValues('Conv2DBackpropInput', inputs, attrsOf(g));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(inputs));
    expect(shape).toEqual([g.batch, g.inH, g.inW, g.inC]);
    expect(relativeError(values, p.naive)).toBeLessThan(TOLERANCE);
    expect(relativeError(values, p.stockCpu)).toBeLessThan(TOLERANCE);
  });

  it('accepts NCHW tensors', () => {
    const g = CONV_CASES.find((c) => c.strideH === 1 && c.kh === 3 && c.padding === 'valid')!;
    const p = prepared[CONV_CASES.indexOf(g)]!;
    const inputs = inputsOf(g, p);
    const dyNchw = inputs.dy.transpose([0, 3, 1, 2]);
    const out = tf
      .engine()
      .runKernel('Conv2DBackpropInput', { dy: dyNchw, filter: inputs.filter }, {
        ...attrsOf(g),
        dataFormat: 'NCHW',
        inputShape: [g.batch, g.inC, g.inH, g.inW],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const nhwc = out.transpose([0, 2, 3, 1]);
    expect(relativeError(nhwc.dataSync(), p.naive)).toBeLessThan(TOLERANCE);
    tf.dispose([out, nhwc, dyNchw, ...Object.values(inputs)]);
  });
});
