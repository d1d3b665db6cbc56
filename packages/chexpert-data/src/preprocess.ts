// The model's input preprocessing on plain arrays, browser-safe (`@cihmlc/chexpert-data/preprocess`):
// decoded RGBA → bilinear resize to the model's size → float32 in [0, 1] with 3 channels. Training
// (decodeAndResize + toModelInput/toFloatRgb) and the web viewer run this same code.

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

/**
 * Decoded RGBA bytes of any size (a canvas's ImageData, jimp's bitmap) → the model input
 * [size, size, 3] float32 in [0, 1], exactly as training prepares an image: grayscale sources
 * (R = G = B everywhere) are resized as one channel and replicated, others as RGB; the bilinear
 * resize rounds to uint8 (as the cache stores images), then x / 255. Alpha is ignored.
 */
export function preprocessRgba(
  rgba: ArrayLike<number> & { length: number },
  width: number,
  height: number,
  size: number,
): Float32Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(
      `preprocessRgba: width and height must be positive integers, got ${width}×${height}`,
    );
  }
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`preprocessRgba: size must be a positive integer, got ${size}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(
      `preprocessRgba: rgba has ${rgba.length} bytes, expected ${width}×${height}×4`,
    );
  }
  const bytes =
    rgba instanceof Uint8Array
      ? rgba
      : ArrayBuffer.isView(rgba)
        ? new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength)
        : Uint8Array.from(rgba);
  const channels = isGrayRgba(bytes) ? 1 : 3;
  return toFloatRgb(resizeBilinear(bytes, width, height, 4, size, channels), channels);
}
