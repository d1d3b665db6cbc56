/**
 * Names of the custom TF.js kernels shared by @cihmlc/densenet (whose ops call them when they are
 * registered, else run a composite) and @cihmlc/runtime (which registers them per backend).
 * Declared once here; each package re-exports the names it uses.
 */
export const CUSTOM_KERNEL_NAMES = {
  /** Fused training batch norm: inputs { x, gamma, beta }, attrs { epsilon }. */
  batchNormForward: 'CihmlcBatchNormForward',
  /** Closed-form batch-norm gradient: inputs { dy, x, mean, variance, gamma }, attrs { epsilon }. */
  batchNormGrad: 'CihmlcBatchNormGrad',
  /** Moving-statistics update: inputs { moving, value }, attrs { decay }. */
  movingAverage: 'CihmlcMovingAverage',
  /** Relu's gradient dy·step(x): inputs { dy, x }. */
  reluGrad: 'CihmlcReluGrad',
  /** One Adam step for one variable: inputs { param, m, v, grad }. */
  adamUpdate: 'CihmlcAdamUpdate',
} as const;
