import { ViewerError } from './model-folder.js';

/** Decoded RGBA pixels of an image file. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** The image type from the file's first bytes (its name or MIME type may lie). */
export function sniffImageType(head: Uint8Array): 'png' | 'jpeg' | null {
  if (
    head.length >= 8 &&
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => head[i] === b)
  ) {
    return 'png';
  }
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * Decodes a PNG or JPEG file to RGBA at its own size, without colour-space conversion or alpha
 * premultiplication (the values the file holds, as training's decoder reads them). A file that
 * is not a PNG/JPEG, or smaller than `minSide` on a side, is refused with a message for the user.
 */
export async function decodeImageFile(
  file: Blob & { name?: string },
  minSide: number,
): Promise<Rgba> {
  const name = file.name ?? 'the file';
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  const type = sniffImageType(head);
  if (type === null) {
    throw new ViewerError(
      `${name} is not a PNG or JPEG image; drop a chest X-ray saved as PNG or JPEG.`,
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch {
    throw new ViewerError(
      `${name} looks like a ${type.toUpperCase()} file but cannot be decoded (damaged?).`,
    );
  }
  const { width, height } = bitmap;
  if (width < minSide || height < minSide) {
    bitmap.close();
    throw new ViewerError(
      `${name} is ${width}×${height} px: too small; the model needs at least ${minSide}×${minSide} px.`,
    );
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  if (!ctx) throw new ViewerError('This browser gives no 2D canvas to decode images with.');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' });
  return { width, height, data };
}
