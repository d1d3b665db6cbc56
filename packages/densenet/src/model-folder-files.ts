import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomicSync } from '@cihmlc/internal/node';
import type * as tf from '@tensorflow/tfjs';
import { type FileSystemHandlerOptions, fileSystemHandler } from './file-system-handler.js';
import { saveModel } from './model-files.js';
import {
  checkModelFits,
  type LoadModelFolderOptions,
  loadCheckedModel,
  MODEL_FOLDER_MANIFEST,
  type ModelFolder,
  ModelFolderError,
  type ModelFolderManifest,
  parseModelFolderManifest,
} from './model-folder.js';
import { loadModelFrom, MODEL_JSON } from './model-sources.js';

/**
 * Writes a model folder to `dir`: the model in the TF.js layers format (`model.json` + shards,
 * `saveModel`), then `manifest` as `cihmlc-model.json` (indented JSON, keys in the order given),
 * atomically and last, so a folder with a manifest has its model. The manifest is checked first
 * (`parseModelFolderManifest`) and the model against it (`checkModelFits`): nothing is written
 * for a folder that would not load. Throws `ModelFolderError` naming the field at fault, and a
 * `TypeError` if `manifest.model` is not `model.json` (the name `saveModel` writes).
 */
export async function writeModelFolder(
  model: tf.LayersModel,
  dir: string,
  manifest: ModelFolderManifest,
  options: FileSystemHandlerOptions = {},
): Promise<void> {
  const parsed = parseModelFolderManifest(manifest, dir);
  if (parsed.model !== MODEL_JSON) {
    throw new TypeError(
      `manifest.model: writeModelFolder writes the model as ${MODEL_JSON} (got ${JSON.stringify(parsed.model)})`,
    );
  }
  checkModelFits(model, parsed, dir);
  await saveModel(model, dir, options);
  writeJsonAtomicSync(path.join(dir, MODEL_FOLDER_MANIFEST), manifest, { durable: true });
}

/**
 * Loads the model folder in directory `dir` (what `loadModelFolder` does for a URL or files, on
 * node:fs): the manifest, checked, then the model, checked against it. A folder that cannot be
 * used is a `ModelFolderError`.
 */
export async function readModelFolder(
  dir: string,
  options: Pick<LoadModelFolderOptions, 'fusedBatchNorm'> = {},
): Promise<ModelFolder> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MODEL_FOLDER_MANIFEST), 'utf8');
  } catch (error) {
    throw new ModelFolderError(
      `No ${MODEL_FOLDER_MANIFEST} in ${dir} (${(error as Error).message}): not a model folder written by writeModelFolder or \`trainer export\``,
      dir,
      undefined,
      { cause: error },
    );
  }
  const manifest = parseModelFolderManifest(text, dir);
  if (manifest.model !== MODEL_JSON) {
    throw new ModelFolderError(
      `The model folder ${dir} does not match: readModelFolder reads ${MODEL_JSON}, the manifest names ${manifest.model}`,
      dir,
      'model',
    );
  }
  return loadCheckedModel(() => loadModelFrom(fileSystemHandler(dir), options), manifest, dir);
}
