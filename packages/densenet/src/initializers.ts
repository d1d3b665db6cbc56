import * as tf from '@tensorflow/tfjs';

/**
 * Hands out Glorot-uniform kernel initialisers (Keras's default for Conv2D and Dense).
 *
 * With a seed, the n-th layer gets seed + n, so a whole model is reproducible while its layers still
 * start from different draws; without one, TF.js's unseeded default is used.
 */
export type KernelInitializer = ReturnType<typeof tf.initializers.glorotUniform>;
export type KernelInitializerSource = () => KernelInitializer | 'glorotUniform';

export function glorotUniformSource(seed?: number): KernelInitializerSource {
  if (seed === undefined) {
    return () => 'glorotUniform';
  }
  if (!Number.isFinite(seed)) {
    throw new RangeError(`seed must be a finite number, got ${seed}`);
  }
  let next = 0;
  return () => tf.initializers.glorotUniform({ seed: seed + next++ });
}
