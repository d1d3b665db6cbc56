import fs from 'node:fs';
import {
  type KerasClassifierArchitecture,
  kerasClassifierArchitecture,
} from './keras-model-config.js';
import { readKerasArchiveFile } from './keras-weights-files.js';

/** What a `.keras` file says about the classifier it holds. */
export interface KerasClassifierFile {
  architecture: KerasClassifierArchitecture;
  /** The archive's metadata.json (Keras version, date), or null. */
  metadata: unknown;
}

/**
 * The architecture of the classifier in a Keras file: for a `.keras` archive (a zip), its
 * config.json read with `kerasClassifierArchitecture` (errors name the file and layer); `null`
 * for an HDF5 file (`.weights.h5`, legacy `.h5`), which holds weights only. Only the zip's
 * signature decides, not the file name.
 */
export async function readKerasClassifierFile(file: string): Promise<KerasClassifierFile | null> {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.readUInt32LE(0) !== 0x04034b50) return null;
  const archive = await readKerasArchiveFile(file);
  return {
    architecture: kerasClassifierArchitecture(archive.config, `${file}: config.json`),
    metadata: archive.metadata,
  };
}
