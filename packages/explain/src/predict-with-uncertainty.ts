import { enforceConsistency, type Taxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import {
  type McDropoutOptions,
  mcDropout,
  resolveMcDropoutOptions,
  type UncertaintyMatrix,
} from './mc-dropout.js';
import { asImageBatch, checkOutputLabels, singleInputOutput } from './model-checks.js';

export interface PredictWithUncertaintyOptions extends McDropoutOptions {
  /**
   * The label hierarchy of the model's outputs: its `outputLabels` name the outputs when
   * `outputLabels` is omitted (and must equal it when both are given).
   */
  taxonomy?: Taxonomy;
  /**
   * Make the probabilities consistent with `taxonomy` (required then): @cihmlc/taxonomy's
   * `enforceConsistency`, no output above any of its parents. Default false. The MC-dropout mean
   * and std stay the raw statistics of the passes.
   */
  consistent?: boolean;
}

export interface PredictionWithUncertainty {
  /** The outputs' names (`outputLabels`, else the taxonomy's), when given. */
  outputLabels?: string[];
  /** Whether `probabilities` were made consistent with the taxonomy. */
  consistent: boolean;
  /** Number of MC-dropout passes behind `mean` and `std`. */
  samples: number;
  /** The seed of the dropout masks (the random one when none was given). */
  seed: number;
  /**
   * The model's inference-mode probabilities, one row per image and one column per output
   * (row-major, like `mean`): image i's output l is `probabilities.data[i * cols + l]`.
   */
  probabilities: UncertaintyMatrix;
  /** MC-dropout mean over the passes (see `mcDropout`), same layout. */
  mean: UncertaintyMatrix;
  /** MC-dropout population standard deviation, same layout. */
  std: UncertaintyMatrix;
}

/**
 * A batch's probabilities and their Monte Carlo dropout uncertainty in one call: the model's
 * inference-mode prediction (`model.predict`, `batchSize` images at a time), made consistent with
 * the hierarchy when `consistent` is set, and `mcDropout`'s mean and std with the same `samples`,
 * `seed` and `batchSize`. Results are flat matrices read asynchronously (every backend, webgpu
 * included); no tensor outlives the call. Option errors are RangeError/TypeError naming the
 * field, as in `mcDropout`.
 *
 * @param images float32 `[B, H, W, C]` (or one `[H, W, C]` image), the model's preprocessing applied.
 */
export async function predictWithUncertainty(
  model: tf.LayersModel,
  images: tf.Tensor3D | tf.Tensor4D,
  options: PredictWithUncertaintyOptions = {},
): Promise<PredictionWithUncertainty> {
  const caller = 'predictWithUncertainty';
  const { input, numOutputs } = singleInputOutput(model, caller);
  const { taxonomy, consistent = false } = options;
  if (consistent && taxonomy == null) {
    throw new TypeError(`${caller}: consistent needs a taxonomy`);
  }
  if (taxonomy != null && options.outputLabels != null) {
    const given = options.outputLabels;
    const same =
      given.length === taxonomy.outputLabels.length &&
      given.every((label, i) => label === taxonomy.outputLabels[i]);
    if (!same) {
      throw new RangeError(
        `${caller}: outputLabels [${given.join(', ')}] differ from the taxonomy's [${taxonomy.outputLabels.join(', ')}]`,
      );
    }
  }
  if (taxonomy != null && taxonomy.outputLabels.length !== numOutputs) {
    throw new RangeError(
      `${caller}: the taxonomy has ${taxonomy.outputLabels.length} output labels but the model has ${numOutputs} outputs`,
    );
  }
  const outputLabels = checkOutputLabels(
    options.outputLabels ?? taxonomy?.outputLabels,
    numOutputs,
    caller,
  );
  const { samples, batchSize, seed } = resolveMcDropoutOptions(options, caller);

  const batch = asImageBatch(images, input, caller, 'images');
  let probabilities: UncertaintyMatrix;
  try {
    const output = tf.tidy(() => model.predict(batch, { batchSize }) as tf.Tensor);
    // Asynchronous read: webgpu in Node has no synchronous one.
    const data = Float32Array.from(await output.data());
    output.dispose();
    probabilities = { rows: batch.shape[0], cols: numOutputs, data };
  } finally {
    if (batch !== images) batch.dispose();
  }
  if (consistent) probabilities = enforceConsistency(probabilities, taxonomy!);
  const mc = await mcDropout(model, images, { samples, seed, batchSize });
  const result: PredictionWithUncertainty = {
    consistent,
    samples,
    seed,
    probabilities,
    mean: mc.mean,
    std: mc.std,
  };
  if (outputLabels != null) result.outputLabels = [...outputLabels];
  return result;
}

/** One image's prediction by label, as JSON-friendly records. */
export interface LabelledPrediction {
  probabilities: Record<string, number>;
  uncertainty: Record<string, { mean: number; std: number }>;
}

/**
 * Image `index` of a prediction as `{ probabilities: { label: p }, uncertainty: { label: { mean,
 * std } } }`; needs the result's `outputLabels` (a RangeError otherwise, or for an index out of
 * range).
 */
export function labelledPrediction(
  prediction: PredictionWithUncertainty,
  index: number,
): LabelledPrediction {
  const labels = prediction.outputLabels;
  if (labels == null) {
    throw new RangeError('labelledPrediction: the prediction has no outputLabels');
  }
  const { rows, cols } = prediction.probabilities;
  if (!Number.isInteger(index) || index < 0 || index >= rows) {
    throw new RangeError(
      `labelledPrediction: index must be an integer in [0, ${rows}), got ${index}`,
    );
  }
  const at = (l: number) => index * cols + l;
  return {
    probabilities: Object.fromEntries(
      labels.map((label, l) => [label, prediction.probabilities.data[at(l)]!]),
    ),
    uncertainty: Object.fromEntries(
      labels.map((label, l) => [
        label,
        { mean: prediction.mean.data[at(l)]!, std: prediction.std.data[at(l)]! },
      ]),
    ),
  };
}
