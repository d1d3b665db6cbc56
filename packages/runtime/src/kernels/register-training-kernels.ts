import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNEL, adamUpdateHostKernel, adamUpdateWebGpuKernel } from './adam-update.js';
import { BackendOps } from './backend-ops.js';
import {
  BATCH_NORM_FORWARD_KERNEL,
  BATCH_NORM_GRAD_KERNEL,
  type BatchNormForwardInputs,
  type BatchNormGradInputs,
  batchNormForwardOnHost,
  batchNormGradOnHost,
  MOVING_AVERAGE_KERNEL,
  type MovingAverageInputs,
  movingAverageOnHost,
} from './batch-norm.js';
import { concatOnHost, splitOnHost } from './concat.js';
import {
  type Conv2DBackpropFilterAttrs,
  conv2dBackpropFilterViaMatMul,
  DEFAULT_MAX_COLUMN_ELEMENTS,
} from './conv2d-backprop-filter.js';
import {
  type Conv2DBackpropInputAttrs,
  conv2dBackpropInputViaConv,
} from './conv2d-backprop-input.js';
import {
  GRADIENT_OVERRIDES,
  installGradientOverrides,
  uninstallGradientOverrides,
} from './gradient-overrides.js';
import { type MaxPoolGradAttrs, maxPoolGradOnHost } from './max-pool-grad.js';
import {
  RELU_GRAD_KERNEL,
  type ReluGradInputs,
  reluGradOnHost,
  reluGradWebGpu,
  reluGradWithBackendKernels,
} from './relu-gradient.js';
import { tileByRepeatingOnHost } from './tile.js';
import {
  batchNormForwardWebGpu,
  batchNormGradWebGpu,
  movingAverageWebGpu,
} from './webgpu-batch-norm.js';

/** Backends for which this package has training kernels. */
export type KernelBackendName = 'cpu' | 'wasm' | 'webgpu';

export interface RegisteredKernels {
  backend: KernelBackendName;
  /** Kernel names now served by this package's implementations. */
  kernels: string[];
  /** Gradient functions replaced for every backend while any registration is active. */
  gradients: string[];
  /** Puts the previous kernels (or none) back, and the stock gradients once none is active. */
  restore(): void;
}

/** Which kernels each backend gets, and why. */
export const TRAINING_KERNELS: Record<KernelBackendName, Record<string, string>> = {
  wasm: {
    Conv2DBackpropFilter:
      'missing in tfjs-backend-wasm 4.22; im2col (Transpose/Slice/Concat) + XNNPACK BatchMatMul',
    Conv2DBackpropInput:
      "stock kernel is a scalar loop; recast as a forward Conv2D on the backend's XNNPACK convolution",
    Tile: 'batch-norm gradients tile [1,1,1,C] to the activation shape; done as a doubling memcpy',
    [ADAM_UPDATE_KERNEL]:
      "new kernel for FusedAdamOptimizer: one loop instead of tf.train.adam's 14 kernels per variable",
    Concat:
      "DenseNet's channel concatenations: stock kernel makes a subarray and a set() call per pixel; plain copy loops",
    SplitV: "Concat's gradient: stock kernel runs a strided Slice per output; plain copy loops",
    MaxPoolGrad:
      'stock kernel asks, for every input pixel, which windows it won (re-scanning each window); one scan per window, scattering dy',
    [BATCH_NORM_FORWARD_KERNEL]:
      "new: @cihmlc/densenet's fused training batch norm, statistics and normalisation in two sweeps",
    [BATCH_NORM_GRAD_KERNEL]:
      "new: the closed-form batch-norm gradient in two sweeps (stock: ~25 kernels plus tf.moments' gradients)",
    [MOVING_AVERAGE_KERNEL]:
      "new: densenet's moving-statistics update as one loop (stock: 3 tape-recorded kernels, each saving clones of its inputs)",
    [RELU_GRAD_KERNEL]:
      "new: Relu's gradient dy·step(x) as one loop (stock: Step, Cast and Multiply)",
  },
  cpu: {
    Conv2DBackpropFilter: 'stock kernel is a naive 7-deep loop; im2col + blocked BatchMatMul',
    Conv2DBackpropInput: 'recast as a forward Conv2D',
    Tile: 'batch-norm gradients tile [1,1,1,C] to the activation shape; done as a doubling memcpy',
    [ADAM_UPDATE_KERNEL]:
      "new kernel for FusedAdamOptimizer: one loop instead of tf.train.adam's 14 kernels per variable",
    MaxPoolGrad: 'stock kernel re-scans every window for every input pixel; one scan per window',
    [BATCH_NORM_FORWARD_KERNEL]:
      "new: @cihmlc/densenet's fused training batch norm, statistics and normalisation in two sweeps",
    [BATCH_NORM_GRAD_KERNEL]: 'new: the closed-form batch-norm gradient in two sweeps',
    [MOVING_AVERAGE_KERNEL]:
      "new: densenet's moving-statistics update as one loop (stock: 3 tape-recorded kernels)",
    [RELU_GRAD_KERNEL]:
      "new: Relu's gradient dy·step(x) as one loop (stock: Step, Cast and Multiply)",
  },
  webgpu: {
    Conv2DBackpropFilter:
      'stock kernel is one thread per filter element looping over batch and image; im2col + tiled BatchMatMul',
    Conv2DBackpropInput:
      "not replaced: the stock flag WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE is set to false, selecting the backend's own matmul-based kernel",
    [ADAM_UPDATE_KERNEL]:
      'new kernel for FusedAdamOptimizer: 1 in-place dispatch (3 where the tensors are shared) with constants in uniforms, instead of 14 dispatches and 6 scalar uploads per variable',
    [BATCH_NORM_FORWARD_KERNEL]:
      "new: densenet's fused batch norm as WGSL programs, 5 dispatches (two-pass chunked statistics, normalisation)",
    [BATCH_NORM_GRAD_KERNEL]:
      'new: the closed-form batch-norm gradient as WGSL programs, 4 dispatches instead of ~14 kernels',
    [MOVING_AVERAGE_KERNEL]:
      "new: densenet's moving-statistics update as 1 dispatch with decay in the uniforms, instead of 3 dispatches, a scalar upload and 4 input clones",
    [RELU_GRAD_KERNEL]:
      "new: Relu's gradient dy·step(x) as 1 dispatch instead of Step and Multiply (2 dispatches)",
  },
};

const active = new Map<KernelBackendName, RegisteredKernels>();

/**
 * On webgpu the patch matrix may be as large as one storage binding allows (up to 2^27 floats,
 * 512 MB): fewer, larger chunks mean fewer dispatches, the step's bottleneck (DenseNet-121 at
 * batch 16, 320x320 would otherwise split its first block's 3x3 gradients into 16 chunks).
 */
function webGpuMaxColumnElements(backend: unknown): number | undefined {
  const limits = (backend as { device?: { limits?: Record<string, number> } }).device?.limits;
  const bytes = Math.min(limits?.maxStorageBufferBindingSize ?? 0, limits?.maxBufferSize ?? 0);
  if (!(bytes > 0)) return undefined;
  return Math.max(DEFAULT_MAX_COLUMN_ELEMENTS, Math.min(2 ** 27, Math.floor(bytes / 4)));
}

/**
 * Registers this package's training kernels for `backend` (idempotent: a second call returns
 * the first registration). Works before or after the backend is initialised; the kernels take
 * their building blocks from the backend's own registry at call time.
 */
export function registerTrainingKernels(backend: KernelBackendName): RegisteredKernels {
  const existing = active.get(backend);
  if (existing) return existing;
  const replaced: tf.KernelConfig[] = [];
  const names: string[] = [];

  const register = (kernelName: string, kernelFunc: tf.KernelFunc) => {
    const previous = tf.getKernel(kernelName, backend);
    if (previous) {
      replaced.push(previous);
      tf.unregisterKernel(kernelName, backend);
    }
    const config: tf.KernelConfig = { kernelName, backendName: backend, kernelFunc };
    // The stock kernel's setup (e.g. wasm's cwrap of its C++ function) must still run at backend
    // initialisation, because our kernel falls back to it for the cases it does not handle.
    if (previous?.setupFunc) config.setupFunc = previous.setupFunc;
    if (previous?.disposeFunc) config.disposeFunc = previous.disposeFunc;
    tf.registerKernel(config);
    names.push(kernelName);
  };
  const fallbackOf = (kernelName: string) => tf.getKernel(kernelName, backend)?.kernelFunc;

  const originalInput = fallbackOf('Conv2DBackpropInput');
  register('Conv2DBackpropFilter', ({ inputs, backend: be, attrs }) => {
    const ops = new BackendOps(backend, be as tf.KernelBackend);
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    return conv2dBackpropFilterViaMatMul(
      ops,
      x,
      dy,
      attrs as unknown as Conv2DBackpropFilterAttrs,
      backend === 'webgpu' ? webGpuMaxColumnElements(be) : undefined,
    );
  });
  if (backend !== 'webgpu') {
    register('Conv2DBackpropInput', (args) => {
      const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const out = conv2dBackpropInputViaConv(
        ops,
        dy,
        filter,
        args.attrs as unknown as Conv2DBackpropInputAttrs,
      );
      if (out !== undefined) return out;
      if (!originalInput) throw new Error(`Conv2DBackpropInput: unsupported padding on ${backend}`);
      return originalInput(args);
    });
  }

  if (backend !== 'webgpu') {
    const originalTile = fallbackOf('Tile');
    if (originalTile) {
      register('Tile', (args) => {
        const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { reps } = args.attrs as unknown as { reps: number[] };
        return tileByRepeatingOnHost(ops, x, reps) ?? originalTile(args);
      });
    }
  }

  register(
    ADAM_UPDATE_KERNEL,
    backend === 'webgpu' ? adamUpdateWebGpuKernel : adamUpdateHostKernel,
  );
  if (backend === 'wasm') {
    const originalConcat = fallbackOf('Concat');
    if (originalConcat) {
      register('Concat', (args) => {
        const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
        const inputs = args.inputs as unknown as tf.TensorInfo[];
        const { axis } = args.attrs as unknown as { axis: number | number[] };
        const a = Array.isArray(axis) ? axis[0] : axis;
        return (a === undefined ? undefined : concatOnHost(ops, inputs, a)) ?? originalConcat(args);
      });
    }
    const originalSplit = fallbackOf('SplitV');
    if (originalSplit) {
      register('SplitV', (args) => {
        const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { numOrSizeSplits, axis } = args.attrs as unknown as {
          numOrSizeSplits: number | number[];
          axis: number | number[];
        };
        const a = Array.isArray(axis) ? (axis[0] as number) : axis;
        const ax = a < 0 ? a + x.shape.length : a;
        const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
        return splitOnHost(ops, x, sizes, ax) ?? originalSplit(args);
      });
    }
  }
  if (backend !== 'webgpu') {
    const originalMaxPoolGrad = fallbackOf('MaxPoolGrad');
    if (originalMaxPoolGrad) {
      register('MaxPoolGrad', (args) => {
        const ops = new BackendOps(backend, args.backend as tf.KernelBackend);
        const inputs = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
        return (
          maxPoolGradOnHost(ops, inputs, args.attrs as unknown as MaxPoolGradAttrs) ??
          originalMaxPoolGrad(args)
        );
      });
    }
  }
  const [batchNormForward, batchNormGrad, movingAverage] =
    backend === 'webgpu'
      ? [batchNormForwardWebGpu, batchNormGradWebGpu, movingAverageWebGpu]
      : [batchNormForwardOnHost, batchNormGradOnHost, movingAverageOnHost];
  register(BATCH_NORM_FORWARD_KERNEL, ({ inputs, backend: be, attrs }) =>
    batchNormForward(
      new BackendOps(backend, be as tf.KernelBackend),
      inputs as unknown as BatchNormForwardInputs,
      (attrs as { epsilon: number }).epsilon,
    ),
  );
  register(BATCH_NORM_GRAD_KERNEL, ({ inputs, backend: be, attrs }) =>
    batchNormGrad(
      new BackendOps(backend, be as tf.KernelBackend),
      inputs as unknown as BatchNormGradInputs,
      (attrs as { epsilon: number }).epsilon,
    ),
  );

  register(MOVING_AVERAGE_KERNEL, ({ inputs, backend: be, attrs }) =>
    movingAverage(
      new BackendOps(backend, be as tf.KernelBackend),
      inputs as unknown as MovingAverageInputs,
      (attrs as { decay: number }).decay,
    ),
  );

  const reluGrad = {
    webgpu: reluGradWebGpu,
    wasm: reluGradWithBackendKernels,
    cpu: reluGradOnHost,
  }[backend];
  register(RELU_GRAD_KERNEL, ({ inputs, backend: be }) =>
    reluGrad(new BackendOps(backend, be as tf.KernelBackend), inputs as unknown as ReluGradInputs),
  );

  const restoreFlags: Array<() => void> = [];
  if (backend === 'webgpu') {
    const flag = 'WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE';
    let previous: boolean | undefined;
    try {
      previous = tf.env().getBool(flag); // throws until tfjs-backend-webgpu is loaded
    } catch {
      previous = undefined;
    }
    if (previous !== undefined) {
      tf.env().set(flag, false);
      restoreFlags.push(() => tf.env().set(flag, previous));
    }
  }

  installGradientOverrides();
  const registration: RegisteredKernels = {
    backend,
    kernels: names,
    gradients: Object.keys(GRADIENT_OVERRIDES),
    restore() {
      for (const name of names) tf.unregisterKernel(name, backend);
      for (const config of replaced) tf.registerKernel(config);
      for (const undo of restoreFlags) undo();
      active.delete(backend);
      if (active.size === 0) uninstallGradientOverrides();
    },
  };
  active.set(backend, registration);
  return registration;
}
