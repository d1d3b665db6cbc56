// Node-only entry (`@cihmlc/densenet/node`): models and weights in directories, on node:fs.
// Everything browser-safe is in the main entry (`@cihmlc/densenet`).
export { type FileSystemHandlerOptions, fileSystemHandler } from './file-system-handler.js';
export { type KerasClassifierFile, readKerasClassifierFile } from './keras-classifier-file.js';
export {
  loadKerasWeightsFile,
  readKerasArchiveFile,
  saveKerasWeights,
} from './keras-weights-files.js';
export { loadModel, saveModel } from './model-files.js';
export { readModelFolder, writeModelFolder } from './model-folder-files.js';
export { loadWeights, saveWeights } from './weight-checkpoint-files.js';
