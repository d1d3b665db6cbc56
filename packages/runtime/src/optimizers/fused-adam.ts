import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from '../kernels/adam-update.js';

/** tfjs-core's AdamOptimizer keeps these private; this subclass keeps the same state layout. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable }>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable }>;
}

/**
 * tf.train.adam with the whole per-variable update in one kernel (CihmlcAdamUpdate) where the
 * active backend has it (registerTrainingKernels registers it for cpu, wasm and webgpu), and
 * the stock update everywhere else. Same results (float32, same order of operations), same
 * state, same getWeights/setWeights format and class name ('Adam'), so checkpoints move freely
 * between the two.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  static override get className(): string {
    return 'Adam';
  }

  /** The step size the next update uses. */
  getLearningRate(): number {
    return this.learningRate;
  }

  /**
   * Sets the step size of the following updates (a learning-rate schedule's path; the Adam
   * moments and step count are kept). A positive finite number, else a RangeError.
   */
  setLearningRate(learningRate: number): void {
    if (!(Number.isFinite(learningRate) && learningRate > 0)) {
      throw new RangeError(
        `FusedAdamOptimizer.setLearningRate: learningRate must be a positive finite number, got ${learningRate}`,
      );
    }
    this.learningRate = learningRate;
  }

  /** Whether applyGradients takes the one-kernel path on the current backend. */
  get fused(): boolean {
    return tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) !== undefined;
  }

  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0],
  ): void {
    if (!this.fused) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    // Step t (1-based) of this update: the stock optimizer's accBeta = β^t.
    const t = this.iterations + 1;
    const attrs: AdamUpdateAttrs = {
      beta1: s.beta1,
      beta2: s.beta2,
      epsilon: s.epsilon,
      learningRate: s.learningRate,
      oneMinusAccBeta1: 1 - Math.fround(s.beta1 ** t),
      oneMinusAccBeta2: 1 - Math.fround(s.beta2 ** t),
      inPlace: true,
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new RangeError(`FusedAdamOptimizer: no variable named '${name}'`);
        s.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        s.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = Array.isArray(variableGradients)
          ? variableGradients[i]?.tensor
          : variableGradients[name];
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        const outputs = tf
          .engine()
          .runKernel(
            ADAM_UPDATE_KERNEL,
            { param: value, m, v, grad: gradient } as unknown as tf.NamedTensorMap,
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
        // No outputs: the kernel wrote the three in place (webgpu).
        if (outputs.length === 0) return;
        const [param2, m2, v2] = outputs;
        m.assign(m2 as tf.Tensor);
        v.assign(v2 as tf.Tensor);
        value.assign(param2 as tf.Tensor);
      });
      // Keep the stock state current, in case a later step runs on a backend without the kernel.
      s.accBeta1.assign(tf.scalar(s.beta1 ** (t + 1)));
      s.accBeta2.assign(tf.scalar(s.beta2 ** (t + 1)));
    });
    this.incrementIterations();
  }
}

/** Like tf.train.adam (same defaults), returning a FusedAdamOptimizer. */
export function fusedAdam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon?: number,
): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
