import { readFile } from 'node:fs/promises';
import { Jimp } from 'jimp';

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

/**
 * Bilinear resize with half-pixel centres (TensorFlow's `resize` default, PyTorch's
 * `align_corners=False`), no antialiasing; aspect ratio is not kept. `src` has `srcChannels`
 * interleaved channels; the first `channels` of them are written.
 */
export function resizeBilinear(
  src: Uint8Array,
  width: number,
  height: number,
  srcChannels: number,
  size: number,
  channels: number,
): Uint8Array {
  const out = new Uint8Array(size * size * channels);
  const sx = width / size;
  const sy = height / size;
  // Precompute column taps once per image.
  const x0s = new Int32Array(size);
  const x1s = new Int32Array(size);
  const wxs = new Float32Array(size);
  for (let x = 0; x < size; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
    const x0 = Math.floor(fx);
    x0s[x] = x0 * srcChannels;
    x1s[x] = Math.min(x0 + 1, width - 1) * srcChannels;
    wxs[x] = fx - x0;
  }
  for (let y = 0; y < size; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const wy = fy - y0;
    const r0 = y0 * width * srcChannels;
    const r1 = Math.min(y0 + 1, height - 1) * width * srcChannels;
    let o = y * size * channels;
    for (let x = 0; x < size; x++) {
      const a = x0s[x]!;
      const b = x1s[x]!;
      const wx = wxs[x]!;
      for (let c = 0; c < channels; c++) {
        const top = src[r0 + a + c]! + (src[r0 + b + c]! - src[r0 + a + c]!) * wx;
        const bottom = src[r1 + a + c]! + (src[r1 + b + c]! - src[r1 + a + c]!) * wx;
        out[o++] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}

/** True when every pixel of an RGBA buffer has R = G = B. */
export function isGrayRgba(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  }
  return true;
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

/**
 * uint8 image(s) with 1 or 3 channels → float32 in [0, 1] with 3 channels (gray replicated),
 * written into `out` at element `offset`. This is the model's input layout [H, W, 3].
 */
export function toFloatRgb(
  data: Uint8Array,
  channels: 1 | 3,
  out: Float32Array = new Float32Array((data.length / channels) * 3),
  offset = 0,
): Float32Array {
  const lut = SCALE_LUT;
  if (channels === 3) {
    for (let i = 0; i < data.length; i++) out[offset + i] = lut[data[i]!]!;
  } else {
    let o = offset;
    for (let i = 0; i < data.length; i++) {
      const v = lut[data[i]!]!;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
      o += 3;
    }
  }
  return out;
}

const SCALE_LUT = Float32Array.from({ length: 256 }, (_, i) => i / 255);
