import * as tf from '@tensorflow/tfjs';
import { activateBackend } from './activate-backend.js';
import { errorMessage, type ModuleLoader } from './module-loader.js';

/** The native backends, most capable first: tfjs-node-gpu (CUDA) and tfjs-node (CPU). */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export interface TensorflowBackendInfo {
  packageName: string;
  /** 'GPU (CUDA)' when libtensorflow found a CUDA device, else 'CPU'. */
  devices: string[];
  libtensorflowVersion?: string;
}

/** What tfjs-node's backend object exposes (not part of the @tensorflow/tfjs types). */
interface NodeBackendShape {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

/**
 * Loads tfjs-node-gpu, else tfjs-node (each registers the 'tensorflow' backend on import) and
 * activates it. Throws one error listing why each package failed.
 */
export async function initTensorflowBackend(load: ModuleLoader): Promise<TensorflowBackendInfo> {
  const failures: string[] = [];
  for (const packageName of TENSORFLOW_PACKAGES) {
    try {
      load(packageName);
    } catch (error) {
      failures.push(`${packageName}: ${errorMessage(error)}`);
      continue;
    }
    await activateBackend('tensorflow');
    const be = tf.backend() as unknown as NodeBackendShape;
    const info: TensorflowBackendInfo = {
      packageName,
      devices: [be.isUsingGpuDevice ? 'GPU (CUDA)' : 'CPU'],
    };
    if (be.binding?.TF_Version) info.libtensorflowVersion = be.binding.TF_Version;
    return info;
  }
  throw new Error(`no TensorFlow native binding loads (${failures.join('; ')})`);
}
