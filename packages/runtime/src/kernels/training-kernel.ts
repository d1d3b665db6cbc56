import type * as tf from '@tensorflow/tfjs';

/** Backends for which this package has training kernels. */
export type KernelBackendName = 'cpu' | 'wasm' | 'webgpu';

/** Switches of the training kernels (for measurements and tests); checked once and frozen. */
export interface TrainingKernelOptions {
  /**
   * wasm filter gradients of stride-1 convolutions as one XNNPACK convolution (default true);
   * false forces the im2col + matmul path.
   */
  convolutionOnWasm?: boolean;
  /**
   * Rows per group of the split-K product of webgpu filter gradients (default 512; 0 = no split).
   * On an H100 (DenseNet-121, batch 16, 320x320) 512 halved this kernel's GPU time (484 → 234 ms
   * per step).
   */
  webgpuSplitKRows?: number;
  /**
   * Build webgpu im2col patches with one WGSL program (default true); false builds them from
   * pad/slice/concat kernels.
   */
  webgpuIm2colProgram?: boolean;
}

export const DEFAULT_TRAINING_KERNEL_OPTIONS: Readonly<Required<TrainingKernelOptions>> =
  Object.freeze({ convolutionOnWasm: true, webgpuSplitKRows: 512, webgpuIm2colProgram: true });

/** Checks `options` (TypeError / RangeError naming the field) and fills in the defaults, frozen. */
export function trainingKernelOptions(
  options: TrainingKernelOptions = {},
): Readonly<Required<TrainingKernelOptions>> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('registerTrainingKernels: options must be an object');
  }
  const out = { ...DEFAULT_TRAINING_KERNEL_OPTIONS, ...options };
  for (const key of ['convolutionOnWasm', 'webgpuIm2colProgram'] as const) {
    if (typeof out[key] !== 'boolean') {
      throw new TypeError(`registerTrainingKernels: options.${key} must be a boolean`);
    }
  }
  const rows = out.webgpuSplitKRows;
  if (!Number.isInteger(rows) || rows < 0) {
    throw new RangeError(
      `registerTrainingKernels: options.webgpuSplitKRows must be an integer ≥ 0, got ${rows}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_TRAINING_KERNEL_OPTIONS)) {
      throw new TypeError(`registerTrainingKernels: unknown option "${key}"`);
    }
  }
  return Object.freeze(out);
}

/** What a kernel's factory is given when its backend registers it. */
export interface KernelContext {
  backend: KernelBackendName;
  /** The kernel this one replaces on that backend (its fallback), if the backend has one. */
  stock: tf.KernelFunc | undefined;
  options: Readonly<Required<TrainingKernelOptions>>;
}

/** How one backend gets a kernel: one line on why, and the kernel (or a stock flag to set). */
export type BackendKernelConfig =
  | {
      /** One line: why this kernel exists on this backend. */
      why: string;
      /** Only registered where the backend has a stock kernel to fall back to. */
      needsStock?: boolean;
      kernelFunc(context: KernelContext): tf.KernelFunc;
    }
  | {
      why: string;
      /** Not replaced: this tf.env() flag selects a better stock kernel instead. */
      envFlag: { name: string; value: boolean };
    };

/** A kernel name and its configuration on each backend that gets it. */
export interface TrainingKernelConfigs {
  kernelName: string;
  backends: Partial<Record<KernelBackendName, BackendKernelConfig>>;
}
