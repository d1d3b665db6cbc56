import { hashSeed, Random } from './random.js';

/** One image's augmentation draw (method-notes §4). */
export interface AugmentParams {
  flipHorizontal: boolean;
  flipVertical: boolean;
  /** Added to every pixel, in [-maxDelta, maxDelta]. */
  brightness: number;
  /** Contrast factor around each channel's mean, in [lower, upper]. */
  contrast: number;
}

export interface AugmentConfig {
  horizontalFlip: boolean;
  verticalFlip: boolean;
  maxBrightnessDelta: number;
  contrastRange: [number, number];
}

/** The paper's training augmentation: both flips, brightness ±0.1, contrast 0.9–1.1. */
export const DEFAULT_AUGMENT: AugmentConfig = {
  horizontalFlip: true,
  verticalFlip: true,
  maxBrightnessDelta: 0.1,
  contrastRange: [0.9, 1.1],
};

/** The draw for one image: a pure function of (seed, epoch, index), whatever the batch order. */
export function augmentParams(
  seed: number,
  epoch: number,
  index: number,
  config = DEFAULT_AUGMENT,
): AugmentParams {
  const rng = new Random(hashSeed(seed, epoch, index, 0x417567));
  const flipH = rng.next() < 0.5;
  const flipV = rng.next() < 0.5;
  const brightness = rng.uniform(-config.maxBrightnessDelta, config.maxBrightnessDelta);
  const contrast = rng.uniform(config.contrastRange[0], config.contrastRange[1]);
  return {
    flipHorizontal: config.horizontalFlip && flipH,
    flipVertical: config.verticalFlip && flipV,
    brightness,
    contrast,
  };
}

/**
 * Augments one image in place: `data[offset …]` is [height, width, channels] float32. Order:
 * flips, brightness (x + δ), contrast ((x − mean) · f + mean, mean per channel after brightness),
 * like tf.image's random_flip / random_brightness / random_contrast; values are not clipped.
 */
export function augmentImage(
  data: Float32Array,
  offset: number,
  height: number,
  width: number,
  channels: number,
  p: AugmentParams,
): void {
  const rowLen = width * channels;
  if (p.flipHorizontal) {
    for (let y = 0; y < height; y++) {
      const row = offset + y * rowLen;
      for (let x = 0; x < width >> 1; x++) {
        const a = row + x * channels;
        const b = row + (width - 1 - x) * channels;
        for (let c = 0; c < channels; c++) {
          const t = data[a + c]!;
          data[a + c] = data[b + c]!;
          data[b + c] = t;
        }
      }
    }
  }
  if (p.flipVertical) {
    for (let y = 0; y < height >> 1; y++) {
      const a = offset + y * rowLen;
      const b = offset + (height - 1 - y) * rowLen;
      for (let k = 0; k < rowLen; k++) {
        const t = data[a + k]!;
        data[a + k] = data[b + k]!;
        data[b + k] = t;
      }
    }
  }
  const n = height * width;
  const end = offset + n * channels;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let i = offset + c; i < end; i += channels) sum += data[i]!;
    const mean = sum / n + p.brightness;
    const f = p.contrast;
    const shift = p.brightness;
    for (let i = offset + c; i < end; i += channels) data[i] = (data[i]! + shift - mean) * f + mean;
  }
}

/**
 * Augments a batch [B, H, W, C] in place; image b uses augmentParams(seed, epoch, indices[b]),
 * with indices the images' positions in their split.
 */
export function augmentBatch(
  data: Float32Array,
  shape: [number, number, number, number],
  indices: ArrayLike<number>,
  seed: number,
  epoch: number,
  config = DEFAULT_AUGMENT,
): void {
  const [b, h, w, c] = shape;
  if (data.length !== b * h * w * c)
    throw new RangeError(`augmentBatch: data has ${data.length} values for shape [${shape}]`);
  if (indices.length !== b)
    throw new RangeError(`augmentBatch: ${indices.length} indices for batch of ${b}`);
  for (let k = 0; k < b; k++)
    augmentImage(data, k * h * w * c, h, w, c, augmentParams(seed, epoch, indices[k]!, config));
}

const INV255 = 1 / 255;

/**
 * uint8 pixels (1 or 3 channels) → float32 [H, W, 3] model input at `out[offset…]`, optionally
 * augmented: the same result as toFloatRgb followed by augmentImage (up to float rounding), in
 * one pass. Per image and channel the whole map x ↦ ((x/255 + δ − mean)·f + mean) is a 256-entry
 * table, and flips only change which source pixel is read — this is the cache's hot loop.
 */
export function toModelInput(
  src: Uint8Array,
  channels: 1 | 3,
  height: number,
  width: number,
  out: Float32Array,
  offset: number,
  params?: AugmentParams,
): void {
  const tables: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const table = new Float32Array(256);
    if (!params) {
      for (let v = 0; v < 256; v++) table[v] = v * INV255;
    } else {
      // Mean of the channel after brightness (the mean does not depend on flips).
      const hist = new Float64Array(256);
      for (let i = c; i < src.length; i += channels) hist[src[i]!]!++;
      let sum = 0;
      for (let v = 0; v < 256; v++) sum += hist[v]! * Math.fround(v * INV255);
      const mean = sum / (height * width) + params.brightness;
      for (let v = 0; v < 256; v++) {
        table[v] = (Math.fround(v * INV255) + params.brightness - mean) * params.contrast + mean;
      }
    }
    tables.push(table);
  }
  const flipH = params?.flipHorizontal ?? false;
  const flipV = params?.flipVertical ?? false;
  let o = offset;
  for (let y = 0; y < height; y++) {
    const sy = flipV ? height - 1 - y : y;
    const row = sy * width * channels;
    if (channels === 1) {
      const t = tables[0]!;
      // Read direction per row: forward, or backward for a horizontal flip.
      const start = flipH ? row + width - 1 : row;
      const step = flipH ? -1 : 1;
      for (let x = 0, s = start; x < width; x++, s += step) {
        const v = t[src[s]!]!;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
        o += 3;
      }
    } else {
      const [t0, t1, t2] = tables as [Float32Array, Float32Array, Float32Array];
      for (let x = 0; x < width; x++) {
        const s = row + (flipH ? width - 1 - x : x) * 3;
        out[o] = t0[src[s]!]!;
        out[o + 1] = t1[src[s + 1]!]!;
        out[o + 2] = t2[src[s + 2]!]!;
        o += 3;
      }
    }
  }
}
