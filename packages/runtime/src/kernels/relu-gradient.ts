import { CUSTOM_KERNEL_NAMES } from '@cihmlc/internal';
import * as tf from '@tensorflow/tfjs';
import { BackendOps } from './backend-ops.js';
import type { KernelContext, TrainingKernelConfigs } from './training-kernel.js';
import { flatProgram, runFlat } from './webgpu-program.js';

/**
 * Relu's gradient `dy · step(x)` as one kernel: tfjs-core's runs Step, a Cast and a Multiply
 * (two dispatches on webgpu, DenseNet-121: 121 ReLUs per step). Inputs `{dy, x}` (float32, one
 * shape); output dy · s with s = 1 where x > 0, 0 where x ≤ 0 and NaN where x is NaN, exactly as
 * tfjs's Step (so dy · 0 is −0 for negative dy, NaN for infinite dy).
 */
export const RELU_GRAD_KERNEL = CUSTOM_KERNEL_NAMES.reluGrad;

export const RELU_GRADIENT: Record<string, string> = {
  Relu: `dy·step(x) as one kernel (${RELU_GRAD_KERNEL}) where the backend registers it, instead of Step, Cast and Multiply`,
};

export interface ReluGradInputs {
  dy: tf.TensorInfo;
  x: tf.TensorInfo;
}

function checkInputs({ dy, x }: ReluGradInputs): number {
  if (!dy || !x) throw new TypeError(`${RELU_GRAD_KERNEL}: inputs 'dy' and 'x' are required`);
  if (dy.dtype !== 'float32' || x.dtype !== 'float32') {
    throw new TypeError(
      `${RELU_GRAD_KERNEL}: dy and x must be float32, got ${dy.dtype}, ${x.dtype}`,
    );
  }
  if (dy.shape.join() !== x.shape.join()) {
    throw new RangeError(`${RELU_GRAD_KERNEL}: dy has shape [${dy.shape}], x has [${x.shape}]`);
  }
  return x.shape.reduce((a, b) => a * b, 1);
}

/**
 * cpu: two loops over host memory. The first is branch-free (dy · (x > 0)); a per-element branch
 * on the sign costs ~10 ns in V8 when signs are mixed, 7× the whole loop. The second puts the
 * NaNs of x back, a branch that is (nearly) never taken.
 */
export function reluGradOnHost(ops: BackendOps, inputs: ReluGradInputs): tf.TensorInfo {
  const n = checkInputs(inputs);
  const outInfo = ops.allocateHost([...inputs.x.shape]);
  const out = ops.hostView(outInfo);
  const dy = ops.hostView(inputs.dy);
  const x = ops.hostView(inputs.x);
  for (let i = 0; i < n; i++) out[i] = (dy[i] as number) * +((x[i] as number) > 0);
  for (let i = 0; i < n; i++) if (Number.isNaN(x[i])) out[i] = Number.NaN;
  return outInfo;
}

/**
 * wasm: the backend's own SIMD Step and Multiply, called directly (no tape, no Cast): faster than
 * any JavaScript loop over the wasm heap.
 */
export function reluGradWithBackendKernels(ops: BackendOps, inputs: ReluGradInputs): tf.TensorInfo {
  checkInputs(inputs);
  const step = ops.run('Step', { x: inputs.x }, { alpha: 0 });
  const out = ops.run('Multiply', { a: inputs.dy, b: step });
  ops.release(step);
  return out;
}

/** webgpu: one dispatch. */
export function reluGradWebGpu(ops: BackendOps, inputs: ReluGradInputs): tf.TensorInfo {
  const n = checkInputs(inputs);
  const program = flatProgram(
    'cihmlcReluGrad',
    ['dy', 'x'],
    '',
    [n],
    `let xi = x[index];
          var s = select(0.0, 1.0, xi > 0.0);
          if (isnan(xi)) { s = xi; }
          setOutputAtIndex(index, dy[index] * s);`,
  );
  return runFlat(ops.backend, program, [inputs.dy, inputs.x], inputs.x.shape);
}

/**
 * Relu's gradient for every backend: the kernel where the active backend registers it (and the
 * tensors are float32), else tfjs-core's formula.
 */
export function reluGradient(): tf.GradConfig {
  return {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const x = saved[0] as tf.Tensor;
      const g = dy as tf.Tensor;
      return {
        x: () =>
          g.dtype === 'float32' &&
          x.dtype === 'float32' &&
          tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) !== undefined
            ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: g, x }) as tf.Tensor)
            : tf.mul(g, tf.cast(tf.step(x), 'float32')),
      };
    },
  };
}

const RELU_GRAD_WHY =
  "new: Relu's gradient dy·step(x) as one loop (stock: Step, Cast and Multiply)";

const reluGradKernel =
  (reluGrad: (ops: BackendOps, inputs: ReluGradInputs) => tf.TensorInfo) =>
  ({ backend }: KernelContext): tf.KernelFunc =>
  ({ inputs, backend: be }) =>
    reluGrad(new BackendOps(backend, be as tf.KernelBackend), inputs as unknown as ReluGradInputs);

/** The Relu-gradient kernel on every backend. */
export const RELU_GRAD_KERNELS: TrainingKernelConfigs = {
  kernelName: RELU_GRAD_KERNEL,
  backends: {
    wasm: { why: RELU_GRAD_WHY, kernelFunc: reluGradKernel(reluGradWithBackendKernels) },
    cpu: { why: RELU_GRAD_WHY, kernelFunc: reluGradKernel(reluGradOnHost) },
    webgpu: {
      why: "new: Relu's gradient dy·step(x) as 1 dispatch instead of Step and Multiply (2 dispatches)",
      kernelFunc: reluGradKernel(reluGradWebGpu),
    },
  },
};
