import type * as tf from '@tensorflow/tfjs';

/**
 * One Adam step for one variable as a single kernel: the stock tf.train.adam runs 14 kernels and
 * uploads 6 scalar constants per variable per step. On webgpu every kernel is a dispatch with
 * ~1 ms of host overhead on the lent H100 machine (DenseNet-121: 364 variables), and every
 * scalar upload creates a staging buffer and ends the compute pass.
 */
import {
  flatProgram,
  flatView,
  type WebGpuBackendLike,
  type WebGpuProgram,
  type WebGpuUniform,
} from './webgpu-program.js';

export const ADAM_UPDATE_KERNEL = 'CihmlcAdamUpdate';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Inputs: param, m, v, grad (float32, same shape). Outputs: [param', m', v']. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 − β1^t and 1 − β2^t for this step t (1-based), the bias corrections. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

interface AdamInputs {
  param: tf.TensorInfo;
  m: tf.TensorInfo;
  v: tf.TensorInfo;
  grad: tf.TensorInfo;
}

function checkInputs(inputs: tf.NamedTensorInfoMap): AdamInputs {
  const { param, m, v, grad } = inputs as unknown as AdamInputs;
  for (const [name, t] of Object.entries({ param, m, v, grad })) {
    if (!t) throw new Error(`${ADAM_UPDATE_KERNEL}: input '${name}' is missing`);
    if (t.dtype !== 'float32')
      throw new Error(`${ADAM_UPDATE_KERNEL}: input '${name}' must be float32, got ${t.dtype}`);
    if (t.shape.join(',') !== param.shape.join(','))
      throw new Error(
        `${ADAM_UPDATE_KERNEL}: input '${name}' has shape [${t.shape}], param has [${param.shape}]`,
      );
  }
  return { param, m, v, grad };
}

/**
 * The update in float32, in the same order of operations as tfjs-core's AdamOptimizer:
 * m' = m·β1 + g·(1−β1); v' = v·β2 + g²·(1−β2);
 * p' = (m'/(1−β1^t)) / (sqrt(v'/(1−β2^t)) + ε) · (−lr) + p.
 */
export function adamUpdateOnHost(
  param: Float32Array,
  m: Float32Array,
  v: Float32Array,
  grad: Float32Array,
  a: AdamUpdateAttrs,
): [Float32Array, Float32Array, Float32Array] {
  const n = param.length;
  const p2 = new Float32Array(n);
  const m2 = new Float32Array(n);
  const v2 = new Float32Array(n);
  const f = Math.fround;
  const b1 = f(a.beta1);
  const b2 = f(a.beta2);
  const c1 = f(1 - a.beta1);
  const c2 = f(1 - a.beta2);
  const d1 = f(a.oneMinusAccBeta1);
  const d2 = f(a.oneMinusAccBeta2);
  const eps = f(a.epsilon);
  const negLr = f(-a.learningRate);
  for (let i = 0; i < n; i++) {
    const g = grad[i] as number;
    const mi = f(f(f(m[i] as number) * b1) + f(g * c1));
    const vi = f(f((v[i] as number) * b2) + f(f(g * g) * c2));
    m2[i] = mi;
    v2[i] = vi;
    const step = f(f(mi / d1) / f(f(Math.sqrt(f(vi / d2))) + eps));
    p2[i] = f(f(step * negLr) + (param[i] as number));
  }
  return [p2, m2, v2];
}

/** cpu and wasm: read the four arrays, one loop, write three new tensors. */
export function adamUpdateHostKernel({ inputs, backend: be, attrs }: KernelArgs): tf.TensorInfo[] {
  const { param, m, v, grad } = checkInputs(inputs);
  const backend = be as tf.KernelBackend;
  const read = (t: tf.TensorInfo) => backend.readSync(t.dataId) as Float32Array;
  const outs = adamUpdateOnHost(
    read(param),
    read(m),
    read(v),
    read(grad),
    attrs as unknown as AdamUpdateAttrs,
  );
  return outs.map((values) => ({
    dataId: backend.write(values, param.shape, 'float32'),
    shape: param.shape,
    dtype: 'float32' as const,
  }));
}

type AdamOutput = 'param' | 'm' | 'v';

const ADAM_UNIFORMS =
  'beta1 : f32, beta2 : f32, oneMinusBeta1 : f32, oneMinusBeta2 : f32, oneMinusAccBeta1 : f32, oneMinusAccBeta2 : f32, epsilon : f32, negLearningRate : f32,';

/** One program per output, because a tfjs WebGPU program writes one output buffer. */
function adamProgram(output: AdamOutput, n: number): WebGpuProgram {
  const m = 'moment1[index] * uniforms.beta1 + grad[index] * uniforms.oneMinusBeta1';
  const v =
    'moment2[index] * uniforms.beta2 + (grad[index] * grad[index]) * uniforms.oneMinusBeta2';
  if (output === 'm')
    return flatProgram(
      'cihmlcAdam_m',
      ['moment1', 'grad'],
      ADAM_UNIFORMS,
      [n],
      `setOutputAtIndex(index, ${m});`,
    );
  if (output === 'v')
    return flatProgram(
      'cihmlcAdam_v',
      ['moment2', 'grad'],
      ADAM_UNIFORMS,
      [n],
      `setOutputAtIndex(index, ${v});`,
    );
  return flatProgram(
    'cihmlcAdam_param',
    ['param', 'moment1', 'moment2', 'grad'],
    ADAM_UNIFORMS,
    [n],
    `let m = ${m};
          let v = ${v};
          let step = (m / uniforms.oneMinusAccBeta1) / (sqrt(v / uniforms.oneMinusAccBeta2) + uniforms.epsilon);
          setOutputAtIndex(index, step * uniforms.negLearningRate + param[index]);`,
  );
}

/** webgpu: three single-dispatch programs (param', m', v'), constants in the uniform buffer. */
export function adamUpdateWebGpuKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { param, m, v, grad } = checkInputs(inputs);
  const a = attrs as unknown as AdamUpdateAttrs;
  const n = param.shape.reduce((x, y) => x * y, 1);
  const uniforms = [
    a.beta1,
    a.beta2,
    1 - a.beta1,
    1 - a.beta2,
    a.oneMinusAccBeta1,
    a.oneMinusAccBeta2,
    a.epsilon,
    -a.learningRate,
  ].map((x): WebGpuUniform => ({ type: 'float32', data: [x] }));
  const be = backend as unknown as WebGpuBackendLike;
  const run = (output: AdamOutput, ins: tf.TensorInfo[]) => {
    // Rank-1 views: one compiled shader per program whatever the variable's rank.
    const out = be.runWebGPUProgram(adamProgram(output, n), ins.map(flatView), 'float32', uniforms);
    return { dataId: out.dataId, shape: param.shape, dtype: 'float32' as const };
  };
  return [run('param', [param, m, v, grad]), run('m', [m, grad]), run('v', [v, grad])];
}
