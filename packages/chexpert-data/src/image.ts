import { readFile } from 'node:fs/promises';
import { Jimp } from 'jimp';
import { isGrayRgba, resizeBilinear } from './preprocess.js';

export { isGrayRgba, resizeBilinear, toFloatRgb } from './preprocess.js';

/** A decoded, resized image: `size`×`size`×`channels` uint8, row-major, channels last. */
export interface ResizedImage {
  size: number;
  /** 1 when the source is grayscale (all pixels R = G = B), else 3. */
  channels: 1 | 3;
  data: Uint8Array;
}

export class ImageDecodeError extends Error {
  readonly file: string;
  constructor(file: string, cause: unknown) {
    super(
      `${file}: cannot decode image (${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = 'ImageDecodeError';
    this.file = file;
  }
}

/** Decodes JPEG/PNG bytes with jimp and resizes to a square; grayscale sources keep 1 channel. */
export async function decodeAndResize(
  bytes: Uint8Array,
  size: number,
  file = '<buffer>',
): Promise<ResizedImage> {
  let bitmap: { width: number; height: number; data: Uint8Array };
  try {
    const image = await Jimp.fromBuffer(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    );
    bitmap = image.bitmap;
  } catch (err) {
    throw new ImageDecodeError(file, err);
  }
  const channels = isGrayRgba(bitmap.data) ? 1 : 3;
  return {
    size,
    channels,
    data: resizeBilinear(bitmap.data, bitmap.width, bitmap.height, 4, size, channels),
  };
}

/** Reads, decodes and resizes one image file (in the calling thread). */
export async function loadImage(file: string, size: number): Promise<ResizedImage> {
  const bytes = await readFile(file);
  return decodeAndResize(bytes, size, file);
}
