import { existsSync } from 'node:fs';
import { loadImage, toFloatRgb } from './image.js';
import type { BatchArrays } from './open-cache.js';

/** Images as one model batch: float32 [n, size, size, 3] in [0, 1] (the cache's batch layout). */
export type ImageBatch = Pick<BatchArrays, 'images' | 'shape'>;

/**
 * Reads, decodes and resizes image files (JPEG/PNG) into one batch, in the order given: the
 * same pixels as the cache gives (bilinear resize to `size`×`size`, grayscale copied to three
 * channels, values / 255). For images outside a dataset, e.g. to predict or explain them.
 * A missing file is an error naming it; an undecodable one an ImageDecodeError naming it.
 */
export async function loadImageBatch(files: readonly string[], size: number): Promise<ImageBatch> {
  if (!Array.isArray(files))
    throw new TypeError('loadImageBatch: files: expected an array of paths');
  if (files.length === 0) throw new RangeError('loadImageBatch: files: no images given');
  files.forEach((f, i) => {
    if (typeof f !== 'string' || f === '')
      throw new TypeError(`loadImageBatch: files[${i}]: expected a file path, got ${String(f)}`);
  });
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`loadImageBatch: size: expected a positive integer, got ${size}`);
  const px = size * size * 3;
  const images = new Float32Array(files.length * px);
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    if (!existsSync(file)) throw new Error(`image not found: ${file}`);
    const img = await loadImage(file, size);
    toFloatRgb(img.data, img.channels, images, i * px);
  }
  return { images, shape: [files.length, size, size, 3] };
}
