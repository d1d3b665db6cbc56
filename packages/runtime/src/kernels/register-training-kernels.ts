import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNELS } from './adam-update.js';
import {
  BATCH_NORM_FORWARD_KERNELS,
  BATCH_NORM_GRAD_KERNELS,
  MOVING_AVERAGE_KERNELS,
} from './batch-norm-kernels.js';
import { CONCAT_KERNELS, SPLIT_V_KERNELS } from './concat.js';
import { CONV2D_BACKPROP_FILTER_KERNELS } from './conv2d-backprop-filter.js';
import { CONV2D_BACKPROP_INPUT_KERNELS } from './conv2d-backprop-input.js';
import {
  GRADIENT_OVERRIDES,
  installGradientOverrides,
  uninstallGradientOverrides,
} from './gradient-overrides.js';
import { MAX_POOL_GRAD_KERNELS } from './max-pool-grad.js';
import { RELU_GRAD_KERNELS } from './relu-gradient.js';
import { TILE_KERNELS } from './tile.js';
import {
  type KernelBackendName,
  type TrainingKernelConfigs,
  type TrainingKernelOptions,
  trainingKernelOptions,
} from './training-kernel.js';

export type { KernelBackendName, TrainingKernelOptions };

/** Every training kernel, in registration order; each file declares its backends and why. */
export const TRAINING_KERNEL_CONFIGS: readonly TrainingKernelConfigs[] = [
  CONV2D_BACKPROP_FILTER_KERNELS,
  CONV2D_BACKPROP_INPUT_KERNELS,
  TILE_KERNELS,
  ADAM_UPDATE_KERNELS,
  CONCAT_KERNELS,
  SPLIT_V_KERNELS,
  MAX_POOL_GRAD_KERNELS,
  BATCH_NORM_FORWARD_KERNELS,
  BATCH_NORM_GRAD_KERNELS,
  MOVING_AVERAGE_KERNELS,
  RELU_GRAD_KERNELS,
];

const BACKENDS: readonly KernelBackendName[] = ['wasm', 'cpu', 'webgpu'];

/** Which kernels each backend gets, and why (derived from TRAINING_KERNEL_CONFIGS). */
export const TRAINING_KERNELS: Readonly<
  Record<KernelBackendName, Readonly<Record<string, string>>>
> = Object.freeze(
  Object.fromEntries(
    BACKENDS.map((backend) => [
      backend,
      Object.freeze(
        Object.fromEntries(
          TRAINING_KERNEL_CONFIGS.flatMap(({ kernelName, backends }) => {
            const config = backends[backend];
            return config ? [[kernelName, config.why]] : [];
          }),
        ),
      ),
    ]),
  ) as Record<KernelBackendName, Record<string, string>>,
);

export interface RegisteredKernels {
  backend: KernelBackendName;
  /** Kernel names now served by this package's implementations. */
  kernels: string[];
  /** Gradient functions replaced for every backend while any registration is active. */
  gradients: string[];
  /** The options the kernels were registered with (defaults filled in). */
  options: Readonly<Required<TrainingKernelOptions>>;
  /** Puts the previous kernels (or none) back, and the stock gradients once none is active. */
  restore(): void;
}

const active = new Map<KernelBackendName, RegisteredKernels>();

const sameOptions = (a: TrainingKernelOptions, b: TrainingKernelOptions) =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * Registers this package's training kernels for `backend` (idempotent: a second call with the
 * same options returns the first registration; other options need its `restore()` first). Works
 * before or after the backend is initialised; the kernels take their building blocks from the
 * backend's own registry at call time.
 */
export function registerTrainingKernels(
  backend: KernelBackendName,
  options: TrainingKernelOptions = {},
): RegisteredKernels {
  if (!BACKENDS.includes(backend)) {
    throw new RangeError(
      `registerTrainingKernels: backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`,
    );
  }
  const checked = trainingKernelOptions(options);
  const existing = active.get(backend);
  if (existing) {
    if (sameOptions(existing.options, checked)) return existing;
    throw new Error(
      `registerTrainingKernels: ${backend} kernels are registered with other options; call restore() first`,
    );
  }
  const replaced: tf.KernelConfig[] = [];
  const names: string[] = [];
  const restoreFlags: Array<() => void> = [];

  for (const { kernelName, backends } of TRAINING_KERNEL_CONFIGS) {
    const config = backends[backend];
    if (!config) continue;
    if ('envFlag' in config) {
      const { name, value } = config.envFlag;
      let previous: boolean | undefined;
      try {
        previous = tf.env().getBool(name); // throws until the backend's package is loaded
      } catch {
        previous = undefined;
      }
      if (previous !== undefined) {
        tf.env().set(name, value);
        restoreFlags.push(() => tf.env().set(name, previous));
      }
      continue;
    }
    const previous = tf.getKernel(kernelName, backend);
    if (config.needsStock && !previous) continue;
    const kernelFunc = config.kernelFunc({
      backend,
      stock: previous?.kernelFunc,
      options: checked,
    });
    if (previous) {
      replaced.push(previous);
      tf.unregisterKernel(kernelName, backend);
    }
    const registered: tf.KernelConfig = { kernelName, backendName: backend, kernelFunc };
    // The stock kernel's setup (e.g. wasm's cwrap of its C++ function) must still run at backend
    // initialisation, because our kernel falls back to it for the cases it does not handle.
    if (previous?.setupFunc) registered.setupFunc = previous.setupFunc;
    if (previous?.disposeFunc) registered.disposeFunc = previous.disposeFunc;
    tf.registerKernel(registered);
    names.push(kernelName);
  }

  installGradientOverrides();
  const registration: RegisteredKernels = {
    backend,
    kernels: names,
    gradients: Object.keys(GRADIENT_OVERRIDES),
    options: checked,
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
