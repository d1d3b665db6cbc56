import type * as tf from '@tensorflow/tfjs';
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
import type { KernelContext, TrainingKernelConfigs } from './training-kernel.js';
import {
  batchNormForwardWebGpu,
  batchNormGradWebGpu,
  movingAverageWebGpu,
} from './webgpu-batch-norm.js';

type Implementation<I> = (
  ops: BackendOps,
  inputs: I,
  attr: number,
) => tf.TensorInfo[] | tf.TensorInfo;

const kernelOf =
  <I>(run: Implementation<I>, attr: 'epsilon' | 'decay') =>
  ({ backend }: KernelContext): tf.KernelFunc =>
  ({ inputs, backend: be, attrs }) =>
    run(
      new BackendOps(backend, be as tf.KernelBackend),
      inputs as unknown as I,
      (attrs as Record<string, number>)[attr] as number,
    );

/** @cihmlc/densenet's fused training batch norm (forward) on every backend. */
export const BATCH_NORM_FORWARD_KERNELS: TrainingKernelConfigs = {
  kernelName: BATCH_NORM_FORWARD_KERNEL,
  backends: {
    wasm: {
      why: "new: @cihmlc/densenet's fused training batch norm, statistics and normalisation in two sweeps",
      kernelFunc: kernelOf<BatchNormForwardInputs>(batchNormForwardOnHost, 'epsilon'),
    },
    cpu: {
      why: "new: @cihmlc/densenet's fused training batch norm, statistics and normalisation in two sweeps",
      kernelFunc: kernelOf<BatchNormForwardInputs>(batchNormForwardOnHost, 'epsilon'),
    },
    webgpu: {
      why: "new: densenet's fused batch norm as WGSL programs, 5 dispatches (two-pass chunked statistics, normalisation)",
      kernelFunc: kernelOf<BatchNormForwardInputs>(batchNormForwardWebGpu, 'epsilon'),
    },
  },
};

/** The closed-form batch-norm gradient on every backend. */
export const BATCH_NORM_GRAD_KERNELS: TrainingKernelConfigs = {
  kernelName: BATCH_NORM_GRAD_KERNEL,
  backends: {
    wasm: {
      why: "new: the closed-form batch-norm gradient in two sweeps (stock: ~25 kernels plus tf.moments' gradients)",
      kernelFunc: kernelOf<BatchNormGradInputs>(batchNormGradOnHost, 'epsilon'),
    },
    cpu: {
      why: 'new: the closed-form batch-norm gradient in two sweeps',
      kernelFunc: kernelOf<BatchNormGradInputs>(batchNormGradOnHost, 'epsilon'),
    },
    webgpu: {
      why: 'new: the closed-form batch-norm gradient as WGSL programs, 4 dispatches instead of ~14 kernels',
      kernelFunc: kernelOf<BatchNormGradInputs>(batchNormGradWebGpu, 'epsilon'),
    },
  },
};

/** densenet's moving-statistics update on every backend. */
export const MOVING_AVERAGE_KERNELS: TrainingKernelConfigs = {
  kernelName: MOVING_AVERAGE_KERNEL,
  backends: {
    wasm: {
      why: "new: densenet's moving-statistics update as one loop (stock: 3 tape-recorded kernels, each saving clones of its inputs)",
      kernelFunc: kernelOf<MovingAverageInputs>(movingAverageOnHost, 'decay'),
    },
    cpu: {
      why: "new: densenet's moving-statistics update as one loop (stock: 3 tape-recorded kernels)",
      kernelFunc: kernelOf<MovingAverageInputs>(movingAverageOnHost, 'decay'),
    },
    webgpu: {
      why: "new: densenet's moving-statistics update as 1 dispatch with decay in the uniforms, instead of 3 dispatches, a scalar upload and 4 input clones",
      kernelFunc: kernelOf<MovingAverageInputs>(movingAverageWebGpu, 'decay'),
    },
  },
};
