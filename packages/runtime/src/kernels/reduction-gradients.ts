import * as tf from '@tensorflow/tfjs';

/**
 * Gradients of Mean and Sum that broadcast dy with Tile instead of multiplying it by
 * `ones(x.shape)`: tfjs-core's versions build that all-ones tensor on the host, so every
 * batch-norm layer's backward pass allocated an activation-sized Float32Array in JS and, on
 * webgpu, uploaded it through a fresh staging buffer (DenseNet-121 at batch 16, 320×320: 243
 * uploads of up to 100 MB per step). Same values: dy·1 = dy exactly, and Mean divides the
 * small tensor by the reduction size before broadcasting instead of after.
 */
export const REDUCTION_GRADIENTS: Record<string, string> = {
  Mean: 'broadcast dy/N with Tile instead of dy·ones(x.shape)/N (no host-built tensor)',
  Sum: 'broadcast dy with Tile instead of dy·ones(x.shape) (no host-built tensor)',
};

/** The Mean or Sum gradient of REDUCTION_GRADIENTS (installed by installGradientOverrides). */
export function reductionGradient(kernelName: 'Mean' | 'Sum'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const x = saved[0] as tf.Tensor;
      const axis = (attrs as unknown as { axis: number | number[] | null }).axis;
      const rank = x.shape.length;
      // tfjs's parseAxisParam: null = every axis, negative counts from the end.
      const axes =
        axis == null
          ? x.shape.map((_, i) => i)
          : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
      const expandedShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const reduceSize = axes.reduce((n, a) => n * (x.shape[a] as number), 1);
      return {
        x: () => {
          const expanded = tf.reshape(dy as tf.Tensor, expandedShape);
          const scaled = kernelName === 'Mean' ? tf.div(expanded, reduceSize) : expanded;
          return tf.broadcastTo(scaled, x.shape);
        },
      };
    },
  };
}
