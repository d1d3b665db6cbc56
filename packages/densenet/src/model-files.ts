import * as tf from '@tensorflow/tfjs';
import { type FileSystemHandlerOptions, fileSystemHandler } from './file-system-handler.js';
import { FusedBatchNormalization } from './fused-batch-normalization.js';

/** Saves topology and weights to `dir` in the TF.js layers format (model.json + .bin shards). */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  options: FileSystemHandlerOptions = {},
): Promise<tf.io.SaveResult> {
  return model.save(fileSystemHandler(dir, options));
}

export interface LoadModelOptions {
  /**
   * Build the model's BatchNormalization layers as FusedBatchNormalization (same weights and
   * inference; faster training), as createDenseNet/createClassifier do. Default true.
   */
  fusedBatchNorm?: boolean;
}

/** Loads a TF.js layers-format model (ours or tensorflowjs_converter's) from `dir`. */
export async function loadModel(
  dir: string,
  options: LoadModelOptions = {},
): Promise<tf.LayersModel> {
  if (options.fusedBatchNorm === false) return tf.loadLayersModel(fileSystemHandler(dir));
  // Deserialisation looks classes up by name: point 'BatchNormalization' at the fused subclass
  // for this load only.
  const classes = tf.serialization.SerializationMap.getMap().classNameMap;
  const stock = classes.BatchNormalization;
  if (!stock) return tf.loadLayersModel(fileSystemHandler(dir));
  classes.BatchNormalization = [FusedBatchNormalization as unknown as (typeof stock)[0], stock[1]];
  try {
    return await tf.loadLayersModel(fileSystemHandler(dir));
  } finally {
    classes.BatchNormalization = stock;
  }
}
