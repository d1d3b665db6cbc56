import * as tf from '@tensorflow/tfjs';
import { type FileSystemHandlerOptions, fileSystemHandler } from './file-system-handler.js';

/** Saves topology and weights to `dir` in the TF.js layers format (model.json + .bin shards). */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  options: FileSystemHandlerOptions = {},
): Promise<tf.io.SaveResult> {
  return model.save(fileSystemHandler(dir, options));
}

/** Loads a TF.js layers-format model (ours or tensorflowjs_converter's) from `dir`. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemHandler(dir));
}
