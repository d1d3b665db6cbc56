import type * as tf from '@tensorflow/tfjs';
import { MODEL_JSON } from './model-sources.js';
import {
  assignWeights,
  encodeWeights,
  type LoadWeightsOptions,
  type LoadWeightsReport,
  type SaveWeightsOptions,
  WEIGHTS_JSON,
} from './weight-checkpoints.js';
import {
  DEFAULT_SHARD_BYTES,
  findManifestFile,
  readManifestWithWeights,
  writeManifestWithWeights,
} from './weights-manifest-files.js';

/**
 * Writes every weight of `model` (trainable and BatchNormalization statistics) to `dir` as
 * weights.json + .bin shards, named by layer and weight (`conv1/conv/kernel`), atomically.
 */
export async function saveWeights(
  model: tf.LayersModel,
  dir: string,
  options: SaveWeightsOptions = {},
): Promise<void> {
  const { fields, specs, data } = await encodeWeights(model);
  await writeManifestWithWeights(
    dir,
    WEIGHTS_JSON,
    fields,
    specs,
    data,
    options.shardBytes ?? DEFAULT_SHARD_BYTES,
  );
}

/**
 * Loads weights into `model` by layer/weight name from a weights-only checkpoint, a saved model, or
 * tensorflowjs_converter output. `location` is a directory (weights.json or model.json inside) or a
 * manifest file. Every shape is checked before anything is assigned, so a failed load changes
 * nothing.
 */
export async function loadWeights(
  model: tf.LayersModel,
  location: string,
  options: LoadWeightsOptions = {},
): Promise<LoadWeightsReport> {
  const file = await findManifestFile(location, [WEIGHTS_JSON, MODEL_JSON]);
  const { specs, data } = await readManifestWithWeights(file);
  return assignWeights(model, specs, data, file, options);
}
