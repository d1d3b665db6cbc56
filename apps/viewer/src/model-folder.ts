import {
  type LoadModelFolderOptions,
  loadModelFolder,
  type ModelFolder,
  ModelFolderError,
  type ModelFolderSource,
} from '@cihmlc/densenet';

/** A problem the page shows the user as it is (no stack trace needed). */
export class ViewerError extends Error {
  override name = 'ViewerError';
}

/**
 * Opens a model folder (`trainer export`'s output) by URL or from the chosen files with
 * `@cihmlc/densenet`'s `loadModelFolder`: a folder that cannot be used (no manifest, a bad field,
 * a model that does not fit it) becomes a ViewerError, shown on the page as it is; anything else
 * is a bug and stays as it was thrown.
 */
export async function openModelFolder(
  source: ModelFolderSource,
  onProgress?: LoadModelFolderOptions['onProgress'],
): Promise<ModelFolder> {
  try {
    return await loadModelFolder(source, { onProgress });
  } catch (error) {
    if (error instanceof ModelFolderError) throw new ViewerError(error.message, { cause: error });
    throw error;
  }
}
