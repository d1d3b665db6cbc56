import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONV_CASES, describeCase } from '../testing/conv-cases.js';
import { naiveConv2dFilterGrad, outputSize } from '../testing/naive-conv.js';
import { relativeError, runKernelValues, seededValues, useBackend } from '../testing/numerics.js';
import { BackendOps } from './backend-ops.js';
import { conv2dBackpropFilterViaMatMul, splitCount } from './conv2d-backprop-filter.js';
import { type RegisteredKernels, registerTrainingKernels } from './register-training-kernels.js';

const TOLERANCE = 1e-5;

interface Prepared {
  x: Float32Array;
  dy: Float32Array;
  naive: Float64Array;
  stockCpu: Float32Array;
}

function attrsOf(g: (typeof CONV_CASES)[number]) {
  return {
    strides: [g.strideH, g.strideW],
    pad: g.padding,
    dataFormat: 'NHWC',
    filterShape: [g.kh, g.kw, g.inC, g.outC],
  };
}

function inputsOf(g: (typeof CONV_CASES)[number], p: { x: Float32Array; dy: Float32Array }) {
  const { outH, outW } = outputSize(g);
  return {
    x: tf.tensor4d(p.x, [g.batch, g.inH, g.inW, g.inC]),
    dy: tf.tensor4d(p.dy, [g.batch, outH, outW, g.outC]),
  };
}

// wasm computes stride-1 filter gradients as an XNNPACK convolution; the im2col path it uses
// otherwise (strided, and on cpu) is checked on wasm too, with that switched off.
describe.each([
  ['cpu', true],
  ['wasm', true],
  ['wasm', false],
] as const)('Conv2DBackpropFilter on %s (convolution for stride 1: %s)', (backend, convolution) => {
  const prepared: Prepared[] = [];
  let registration: RegisteredKernels;

  beforeAll(async () => {
    // References first: the textbook sum, and tfjs's own cpu kernel before anything is registered.
    await useBackend('cpu');
    CONV_CASES.forEach((g, i) => {
      const { outH, outW } = outputSize(g);
      const x = seededValues(g.batch * g.inH * g.inW * g.inC, 100 + i);
      const dy = seededValues(g.batch * outH * outW * g.outC, 200 + i);
      const inputs = inputsOf(g, { x, dy });
      const stockCpu = runKernelValues('Conv2DBackpropFilter', inputs, attrsOf(g)).values;
      tf.dispose(Object.values(inputs));
      prepared.push({ x, dy, naive: naiveConv2dFilterGrad(x, dy, g), stockCpu });
    });
    registration = registerTrainingKernels(backend, { convolutionOnWasm: convolution });
    await useBackend(backend);
  });

  afterAll(() => registration.restore());

  it.each(CONV_CASES.map((g, i) => [describeCase(g), i] as const))('%s', (_name, i) => {
    const g = CONV_CASES[i]!;
    const p = prepared[i]!;
    const inputs = inputsOf(g, p);
    const before = tf.memory().numTensors;
    const { values, shape } = runKernelValues('Conv2DBackpropFilter', inputs, attrsOf(g));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(inputs));
    expect(shape).toEqual([g.kh, g.kw, g.inC, g.outC]);
    expect(relativeError(values, p.naive)).toBeLessThan(TOLERANCE);
    expect(relativeError(values, p.stockCpu)).toBeLessThan(TOLERANCE);
  });

  it('sums image chunks when the patch matrix would exceed the size cap', () => {
    const g = CONV_CASES.find((c) => c.batch === 4 && c.kh === 3)!;
    const i = CONV_CASES.indexOf(g);
    const p = prepared[i]!;
    const inputs = inputsOf(g, p);
    const ops = new BackendOps(backend, tf.backend());
    // A cap of one image's patches forces four chunks.
    const { outH, outW } = outputSize(g);
    const cap = outH * outW * g.kh * g.kw * g.inC;
    const info = conv2dBackpropFilterViaMatMul(
      ops,
      inputs.x,
      inputs.dy,
      {
        strides: [g.strideH, g.strideW],
        pad: g.padding,
        dataFormat: 'NHWC',
        filterShape: [g.kh, g.kw, g.inC, g.outC],
      },
      { maxColumnElements: cap, convolutionOnWasm: convolution },
    );
    const out = tf.engine().makeTensorFromTensorInfo(info);
    expect(relativeError(out.dataSync(), p.naive)).toBeLessThan(TOLERANCE);
    tf.dispose([out, ...Object.values(inputs)]);
  });

  it('accepts NCHW tensors', () => {
    const g = CONV_CASES.find((c) => c.strideH === 2 && c.kh === 3 && c.padding === 'same')!;
    const p = prepared[CONV_CASES.indexOf(g)]!;
    const inputs = inputsOf(g, p);
    const xNchw = inputs.x.transpose([0, 3, 1, 2]);
    const dyNchw = inputs.dy.transpose([0, 3, 1, 2]);
    const { values } = runKernelValues(
      'Conv2DBackpropFilter',
      { x: xNchw, dy: dyNchw },
      { ...attrsOf(g), dataFormat: 'NCHW' },
    );
    expect(relativeError(values, p.naive)).toBeLessThan(TOLERANCE);
    tf.dispose([xNchw, dyNchw, ...Object.values(inputs)]);
  });
});

describe('splitCount (split-K groups of the webgpu filter gradient)', () => {
  it('divides the rows into equal groups of about the target size, or not at all', () => {
    expect(splitCount(102_400, 512)).toBe(200);
    expect(splitCount(1_152, 512)).toBe(3);
    expect(splitCount(1_000, 512)).toBe(1); // under twice the target: not worth a second kernel
    expect(splitCount(2_178, 512)).toBe(6); // 2 x 33 x 33: smallest divisor >= 5
    expect(splitCount(4_099, 512)).toBe(1); // prime: no equal split
    expect(splitCount(102_400, 0)).toBe(1);
    for (const rows of [1_024, 6_400, 25_600, 99_999]) {
      const s = splitCount(rows, 512);
      expect(rows % s).toBe(0);
    }
  });
});
