/**
 * Node-only: Keras weight files on disk (node:fs). The byte-level work is in keras-weights.ts,
 * which has no I/O and runs in browsers too.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import {
  encodeKerasWeights,
  type KerasArchive,
  type LoadKerasWeightsOptions,
  type LoadKerasWeightsReport,
  loadKerasWeights,
  readKerasArchive,
} from './keras-weights.js';

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as Error).message})`);
  }
}

/**
 * Loads a Keras `.weights.h5`, `.keras` or Keras 2 `.h5` file into `model` (see loadKerasWeights:
 * by layer name, every shape checked before anything is assigned).
 */
export async function loadKerasWeightsFile(
  model: tf.LayersModel,
  file: string,
  options: Omit<LoadKerasWeightsOptions, 'file'> = {},
): Promise<LoadKerasWeightsReport> {
  return loadKerasWeights(model, await readBytes(file), { ...options, file });
}

/** Reads a `.keras` file's config.json, metadata.json and weights. */
export async function readKerasArchiveFile(file: string): Promise<KerasArchive> {
  return readKerasArchive(await readBytes(file), file);
}

/**
 * Writes every weight of `model` to `file` as a Keras 3 `.weights.h5` (which Keras's
 * `model.load_weights` reads into the same architecture), atomically (temp file + rename).
 * Keras requires the name to end in `.weights.h5`.
 */
export async function saveKerasWeights(model: tf.LayersModel, file: string): Promise<void> {
  if (typeof file !== 'string' || !file.endsWith('.weights.h5')) {
    throw new RangeError(
      `saveKerasWeights: file must end in .weights.h5 (Keras's load_weights requires it), got ${JSON.stringify(file)}`,
    );
  }
  const bytes = await encodeKerasWeights(model);
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
