import type * as tf from '@tensorflow/tfjs';

/**
 * A loss `fit` can train with: `(yTrue, yPred, mask?) => scalar`, optionally with `components`
 * (two terms summing to the loss, logged separately). `hbceLoss` from @cihmlc/hbce-loss is one
 * (create it with `checkValues: false`: the loop checks its accumulated values instead).
 */
export interface TrainingLoss {
  (yTrue: tf.Tensor, yPred: tf.Tensor, mask?: tf.Tensor): tf.Scalar;
  components?(
    yTrue: tf.Tensor,
    yPred: tf.Tensor,
    mask?: tf.Tensor,
  ): { bce: tf.Scalar; penalty: tf.Scalar };
}
