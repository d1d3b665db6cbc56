import * as tf from '@tensorflow/tfjs';
import { REDUCTION_GRADIENTS, reductionGradient } from './reduction-gradients.js';
import { RELU_GRADIENT, reluGradient } from './relu-gradient.js';

/** The gradients registerTrainingKernels replaces (for every backend), and why. */
export const GRADIENT_OVERRIDES: Record<string, string> = {
  ...REDUCTION_GRADIENTS,
  ...RELU_GRADIENT,
};

let previous: tf.GradConfig[] | undefined;

/** Installs the replacement gradients (gradients are global in TF.js, not per backend). */
export function installGradientOverrides(): void {
  if (previous) return;
  const configs = [reductionGradient('Mean'), reductionGradient('Sum'), reluGradient()];
  previous = configs.map((c) => tf.getGradient(c.kernelName) as tf.GradConfig);
  for (const config of configs) tf.registerGradient(config);
}

/** Puts tfjs-core's own gradients back. */
export function uninstallGradientOverrides(): void {
  if (!previous) return;
  for (const config of previous) if (config) tf.registerGradient(config);
  previous = undefined;
}
