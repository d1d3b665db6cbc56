import type * as tf from '@tensorflow/tfjs';
import { type FileSystemHandlerOptions, fileSystemHandler } from './file-system-handler.js';
import { type LoadModelOptions, loadModelFrom } from './model-sources.js';

/** Saves topology and weights to `dir` in the TF.js layers format (model.json + .bin shards). */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  options: FileSystemHandlerOptions = {},
): Promise<tf.io.SaveResult> {
  return model.save(fileSystemHandler(dir, options));
}

/** Loads a TF.js layers-format model (ours or tensorflowjs_converter's) from `dir`. */
export async function loadModel(
  dir: string,
  options: LoadModelOptions = {},
): Promise<tf.LayersModel> {
  return loadModelFrom(fileSystemHandler(dir), options);
}
