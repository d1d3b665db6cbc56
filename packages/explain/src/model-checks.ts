import type * as tf from '@tensorflow/tfjs';

/** The model's single input and single output, with a clear error for anything else. */
export function singleInputOutput(
  model: tf.LayersModel,
  caller: string,
): { input: tf.SymbolicTensor; output: tf.SymbolicTensor; numOutputs: number } {
  if (model.inputs.length !== 1) {
    throw new RangeError(
      `${caller}: model must have exactly 1 input, it has ${model.inputs.length}`,
    );
  }
  if (model.outputs.length !== 1) {
    throw new RangeError(
      `${caller}: model must have exactly 1 output, it has ${model.outputs.length}`,
    );
  }
  const input = model.inputs[0]!;
  const output = model.outputs[0]!;
  const numOutputs = output.shape[output.shape.length - 1];
  if (output.shape.length !== 2 || numOutputs == null) {
    throw new RangeError(
      `${caller}: model output must be [batch, labels], got [${output.shape.join(', ')}]`,
    );
  }
  return { input, output, numOutputs };
}

/**
 * Validates a batch of images against the model input: float32, [B, H, W, C] (a single [H, W, C]
 * image becomes a batch of one), every fixed dimension of the model input matched.
 */
export function asImageBatch(
  images: tf.Tensor,
  input: tf.SymbolicTensor,
  caller: string,
  field: string,
): tf.Tensor4D {
  if (images.dtype !== 'float32') {
    throw new TypeError(`${caller}: ${field} must be float32, got ${images.dtype}`);
  }
  if (images.rank !== 3 && images.rank !== 4) {
    throw new RangeError(
      `${caller}: ${field} must be [H, W, C] or [B, H, W, C], got [${images.shape.join(', ')}]`,
    );
  }
  const batch = (images.rank === 3 ? images.expandDims(0) : images) as tf.Tensor4D;
  if (input.shape.length !== 4) {
    if (batch !== images) batch.dispose();
    throw new RangeError(
      `${caller}: model input must be [batch, H, W, C], got [${input.shape.join(', ')}]`,
    );
  }
  for (let axis = 1; axis < 4; axis++) {
    const expected = input.shape[axis];
    if (expected != null && expected !== batch.shape[axis]) {
      const shape = batch.shape.join(', ');
      if (batch !== images) batch.dispose();
      throw new RangeError(
        `${caller}: ${field} has shape [${shape}] but the model input is [${input.shape.join(', ')}]`,
      );
    }
  }
  return batch;
}

/** Checks `outputLabels` against the model's number of outputs. */
export function checkOutputLabels(
  outputLabels: readonly string[] | undefined,
  numOutputs: number,
  caller: string,
): readonly string[] | undefined {
  if (outputLabels != null && outputLabels.length !== numOutputs) {
    throw new RangeError(
      `${caller}: outputLabels has ${outputLabels.length} entries but the model has ${numOutputs} outputs`,
    );
  }
  return outputLabels;
}
