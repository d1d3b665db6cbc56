import * as tf from '@tensorflow/tfjs';
import { relativeError, seededValues } from './numerics.js';

/** Variable shapes of a small conv net: kernel, BN vector, dense matrix, bias, scalar. */
export const ADAM_SHAPES: number[][] = [[3, 3, 4, 8], [8], [16, 5], [5], [1]];

export interface AdamTrajectory {
  params: Float32Array[];
  moments: Float32Array[];
}

/** Seeded variables of ADAM_SHAPES, named `${prefix}_${i}`. */
export function adamVariables(prefix: string): tf.Variable[] {
  return ADAM_SHAPES.map((shape, i) =>
    tf.variable(
      tf.tensor(
        seededValues(
          shape.reduce((a, b) => a * b, 1),
          100 + i,
        ),
        shape,
      ),
      true,
      `${prefix}_${i}`,
    ),
  );
}

/**
 * Applies the seeded gradients of steps [from, to) (a different gradient per step, including
 * zeros and large values).
 */
export function applyAdamSteps(
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  from: number,
  to: number,
): void {
  for (let step = from; step < to; step++) {
    const grads = ADAM_SHAPES.map((shape, i) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const g = seededValues(n, 1000 * step + i, step === 1 ? 50 : 1);
      if (step === 2) g.fill(0, 0, Math.ceil(n / 2));
      return { name: vars[i]!.name, tensor: tf.tensor(g, shape) };
    });
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
}

/** Parameters and the optimizer's saved moments, read back asynchronously (webgpu-safe). */
export async function adamState(
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
): Promise<AdamTrajectory> {
  const params = await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
  const weights = await optimizer.getWeights();
  const moments = await Promise.all(
    weights.slice(1).map(async (w) => (await w.tensor.data()) as Float32Array),
  );
  return { params, moments };
}

/** `steps` updates of fresh seeded variables; returns the final state and frees the variables. */
export async function adamTrajectory(
  optimizer: tf.Optimizer,
  steps: number,
  prefix: string,
): Promise<AdamTrajectory> {
  const vars = adamVariables(prefix);
  applyAdamSteps(optimizer, vars, 0, steps);
  const state = await adamState(optimizer, vars);
  tf.dispose(vars);
  return state;
}

/** The largest relative error over all parameters and moments (see relativeError). */
export function maxRelativeError(got: AdamTrajectory, want: AdamTrajectory): number {
  const pairs: Array<[Float32Array, Float32Array | undefined]> = [
    ...got.params.map((p, i): [Float32Array, Float32Array | undefined] => [p, want.params[i]]),
    ...got.moments.map((m, i): [Float32Array, Float32Array | undefined] => [m, want.moments[i]]),
  ];
  if (got.params.length !== want.params.length || got.moments.length !== want.moments.length)
    return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (const [g, w] of pairs)
    worst = Math.max(worst, w ? relativeError(g, w) : Number.POSITIVE_INFINITY);
  return worst;
}
