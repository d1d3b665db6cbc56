// @cihmlc/runtime: pick the fastest TF.js backend and make every backend train.

export { activateBackend } from './activate-backend.js';
export {
  ADAM_UPDATE_KERNEL,
  type AdamUpdateAttrs,
  adamUpdateOnHost,
} from './kernels/adam-update.js';
export {
  BATCH_NORM_FORWARD_KERNEL,
  BATCH_NORM_GRAD_KERNEL,
  MOVING_AVERAGE_KERNEL,
} from './kernels/batch-norm.js';
export { GRADIENT_OVERRIDES } from './kernels/gradient-overrides.js';
export { REDUCTION_GRADIENTS } from './kernels/reduction-gradients.js';
export {
  type KernelBackendName,
  type RegisteredKernels,
  registerTrainingKernels,
  TRAINING_KERNEL_CONFIGS,
  TRAINING_KERNELS,
} from './kernels/register-training-kernels.js';
export { RELU_GRAD_KERNEL } from './kernels/relu-gradient.js';
export {
  type BackendKernelConfig,
  DEFAULT_TRAINING_KERNEL_OPTIONS,
  type KernelContext,
  type TrainingKernelConfigs,
  type TrainingKernelOptions,
} from './kernels/training-kernel.js';
export type { ModuleLoader } from './module-loader.js';
export { FusedAdamOptimizer, fusedAdam } from './optimizers/fused-adam.js';
export {
  AUTO_ORDER,
  BACKEND_NAMES,
  type BackendName,
  type BackendRequest,
  type BackendSelection,
  type SelectBackendOptions,
  type SkippedBackend,
  selectBackend,
  TENSORFLOW_MIN_FLOPS_PER_STEP,
} from './select-backend.js';
export { TENSORFLOW_PACKAGES, type TensorflowBackendInfo } from './tensorflow-backend.js';
export { estimateTrainingFlops, type TrainingWorkload } from './training-cost.js';
export { wasmBinaryDirectory } from './wasm-backend.js';
export {
  findDawnNode,
  probeWebGpuAdapter,
  releaseWebGpu,
  type WebGpuAdapterDescription,
  type WebGpuOptions,
} from './webgpu-backend.js';
export {
  type BindGroupCache,
  type BindGroupCacheStats,
  bindGroupCacheOf,
  installBindGroupCache,
} from './webgpu-bind-group-cache.js';
export {
  type CaptureOptions,
  captureTrainingStep,
  type ReplayHandle,
  type SeededDraws,
  type StepCapture,
  type StepFn,
} from './webgpu-step-replay.js';
