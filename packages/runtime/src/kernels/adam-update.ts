import { CUSTOM_KERNEL_NAMES } from '@cihmlc/internal';
import * as tf from '@tensorflow/tfjs';
import type { TrainingKernelConfigs } from './training-kernel.js';

/**
 * One Adam step for one variable as a single kernel: the stock tf.train.adam runs 14 kernels and
 * uploads 6 scalar constants per variable per step. On webgpu every kernel is a dispatch with
 * ~1 ms of host overhead on the lent H100 machine (DenseNet-121: 364 variables), and every
 * scalar upload creates a staging buffer and ends the compute pass.
 */
import {
  exclusiveBuffer,
  f32,
  flatProgram,
  type GpuBufferBinding,
  gpuBuffer,
  i32,
  recordDispatch,
  runFlat,
  type WebGpuInternals,
  type WebGpuProgram,
  webGpuInternals,
} from './webgpu-program.js';

export const ADAM_UPDATE_KERNEL = CUSTOM_KERNEL_NAMES.adamUpdate;

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
  /**
   * Allows the kernel to write param, m and v in place and return no outputs (like TensorFlow's
   * ResourceApplyAdam). Only webgpu does so, and only for tensors nothing else refers to; the
   * outputs [param', m', v'] come back whenever it did not.
   */
  inPlace?: boolean;
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
    if (!t) throw new TypeError(`${ADAM_UPDATE_KERNEL}: input '${name}' is missing`);
    if (t.dtype !== 'float32')
      throw new TypeError(`${ADAM_UPDATE_KERNEL}: input '${name}' must be float32, got ${t.dtype}`);
    if (t.shape.join(',') !== param.shape.join(','))
      throw new RangeError(
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
  {
    param,
    m,
    v,
    grad,
  }: { param: Float32Array; m: Float32Array; v: Float32Array; grad: Float32Array },
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
    { param: read(param), m: read(m), v: read(v), grad: read(grad) },
    attrs as unknown as AdamUpdateAttrs,
  );
  return outs.map((values) => ({
    dataId: backend.write(values, param.shape, 'float32'),
    shape: param.shape,
    dtype: 'float32' as const,
  }));
}

type AdamOutput = 'param' | 'm' | 'v';

// The update in WGSL, shared by the three programs and the in-place shader: same operations in
// the same order as adamUpdateOnHost.
const ADAM_UNIFORMS =
  'beta1 : f32, beta2 : f32, oneMinusBeta1 : f32, oneMinusBeta2 : f32, oneMinusAccBeta1 : f32, oneMinusAccBeta2 : f32, epsilon : f32, negLearningRate : f32,';
const NEW_M = 'moment1[index] * uniforms.beta1 + grad[index] * uniforms.oneMinusBeta1';
const NEW_V =
  'moment2[index] * uniforms.beta2 + (grad[index] * grad[index]) * uniforms.oneMinusBeta2';
/** The new parameter from the new moments `m` and `v`. */
const NEW_PARAM =
  '(m / uniforms.oneMinusAccBeta1) / (sqrt(v / uniforms.oneMinusAccBeta2) + uniforms.epsilon) * uniforms.negLearningRate + param[index]';

/** One program per output, because a tfjs WebGPU program writes one output buffer. */
function adamProgram(output: AdamOutput, n: number): WebGpuProgram {
  if (output === 'm')
    return flatProgram(
      'cihmlcAdam_m',
      ['moment1', 'grad'],
      ADAM_UNIFORMS,
      [n],
      `setOutputAtIndex(index, ${NEW_M});`,
    );
  if (output === 'v')
    return flatProgram(
      'cihmlcAdam_v',
      ['moment2', 'grad'],
      ADAM_UNIFORMS,
      [n],
      `setOutputAtIndex(index, ${NEW_V});`,
    );
  return flatProgram(
    'cihmlcAdam_param',
    ['param', 'moment1', 'moment2', 'grad'],
    ADAM_UNIFORMS,
    [n],
    `let m = ${NEW_M};
          let v = ${NEW_V};
          setOutputAtIndex(index, ${NEW_PARAM});`,
  );
}

const IN_PLACE_WORKGROUP = 64;

/** One thread per element: the same update, m, v and the parameter written in place. */
const IN_PLACE_SHADER = `
struct Uniforms { ${ADAM_UNIFORMS} size : i32, rowStride : i32, };
@group(0) @binding(0) var<storage, read_write> param : array<f32>;
@group(0) @binding(1) var<storage, read_write> moment1 : array<f32>;
@group(0) @binding(2) var<storage, read_write> moment2 : array<f32>;
@group(0) @binding(3) var<storage, read> grad : array<f32>;
@group(0) @binding(4) var<uniform> uniforms : Uniforms;
@compute @workgroup_size(${IN_PLACE_WORKGROUP})
fn main(@builtin(global_invocation_id) id : vec3<u32>) {
  let index = i32(id.x) + i32(id.y) * uniforms.rowStride;
  if (index >= uniforms.size) { return; }
  let m = ${NEW_M};
  let v = ${NEW_V};
  param[index] = ${NEW_PARAM};
  moment1[index] = m;
  moment2[index] = v;
}`;

const inPlacePipelines = new WeakMap<object, { getBindGroupLayout(i: number): unknown }>();

/**
 * The in-place step as one dispatch, if this backend allows it here: its internals are there,
 * no profiler is timing kernels (tf.profile times programs; this one would read as 0 ms), and
 * param, m and v are float32 GPU buffers nothing else refers to. Returns whether it ran.
 */
function adamInPlaceWebGpu(
  backend: unknown,
  { param, m, v, grad }: AdamInputs,
  constants: number[],
  n: number,
): boolean {
  const be: WebGpuInternals | undefined = webGpuInternals(backend);
  if (!be || be.activeTimers != null || n === 0) return false;
  const ids = new Set([param.dataId, m.dataId, v.dataId, grad.dataId]);
  if (ids.size !== 4) return false;
  const writable = [param, m, v].map((t) => exclusiveBuffer(be, t));
  const gradBuffer = gpuBuffer(be, grad);
  if (writable.some((b) => b === undefined) || gradBuffer === undefined) return false;
  let pipeline = inPlacePipelines.get(be.device);
  if (!pipeline) {
    const module = be.device.createShaderModule({ code: IN_PLACE_SHADER });
    pipeline = be.device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    inPlacePipelines.set(be.device, pipeline);
  }
  const groups = Math.ceil(n / IN_PLACE_WORKGROUP);
  const maxPerDimension = be.device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  const x = Math.min(groups, maxPerDimension);
  const y = Math.ceil(groups / x);
  const uniforms = be.makeUniforms([...constants.map(f32), i32(n), i32(x * IN_PLACE_WORKGROUP)]);
  const bytes = n * 4;
  recordDispatch(
    be,
    pipeline,
    [
      ...[...writable, gradBuffer].map(
        (buffer): GpuBufferBinding => ({ buffer, offset: 0, size: bytes }),
      ),
      uniforms,
    ],
    [x, y, 1],
    [param, m, v, grad],
    [param, m, v],
    tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number,
  );
  return true;
}

/**
 * webgpu: with `inPlace`, one dispatch writing param, m and v in place where allowed (see
 * adamInPlaceWebGpu); otherwise three single-dispatch programs (param', m', v'). Constants are
 * in the uniform buffer either way.
 */
export function adamUpdateWebGpuKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { param, m, v, grad } = checkInputs(inputs);
  const a = attrs as unknown as AdamUpdateAttrs;
  const n = param.shape.reduce((x, y) => x * y, 1);
  const constants = [
    a.beta1,
    a.beta2,
    1 - a.beta1,
    1 - a.beta2,
    a.oneMinusAccBeta1,
    a.oneMinusAccBeta2,
    a.epsilon,
    -a.learningRate,
  ];
  if (a.inPlace && adamInPlaceWebGpu(backend, { param, m, v, grad }, constants, n)) return [];
  const uniforms = constants.map(f32);
  const run = (output: AdamOutput, ins: tf.TensorInfo[]) =>
    runFlat(backend, adamProgram(output, n), ins, param.shape, uniforms);
  return [run('param', [param, m, v, grad]), run('m', [m, grad]), run('v', [v, grad])];
}

const ADAM_HOST_WHY =
  "new kernel for FusedAdamOptimizer: one loop instead of tf.train.adam's 14 kernels per variable";

/** The fused Adam step on every backend. */
export const ADAM_UPDATE_KERNELS: TrainingKernelConfigs = {
  kernelName: ADAM_UPDATE_KERNEL,
  backends: {
    wasm: { why: ADAM_HOST_WHY, kernelFunc: () => adamUpdateHostKernel },
    cpu: { why: ADAM_HOST_WHY, kernelFunc: () => adamUpdateHostKernel },
    webgpu: {
      why: 'new kernel for FusedAdamOptimizer: 1 in-place dispatch (3 where the tensors are shared) with constants in uniforms, instead of 14 dispatches and 6 scalar uploads per variable',
      kernelFunc: () => adamUpdateWebGpuKernel,
    },
  },
};
