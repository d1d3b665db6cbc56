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

// Scratch space of toModelInput (a thread runs one call at a time): per-channel histograms and
// lookup tables, the tables also seen as their float32 bit patterns.
const HIST = new Int32Array(4 * 256);
const TABLE = new Float32Array(3 * 256);
const TABLE_BITS = new Int32Array(TABLE.buffer);

/** Histogram of a grayscale image into HIST[0..255] (four partial histograms, 4 bytes a step). */
function grayHistogram(src: Uint8Array): void {
  const h = HIST;
  h.fill(0);
  const n = src.length;
  // Bytes up to a 4-byte boundary, then whole 32-bit words, then the rest.
  let i = 0;
  while (i < n && ((src.byteOffset + i) & 3) !== 0) h[src[i++]!]!++;
  const words = (n - i) >> 2;
  if (words > 0) {
    const w32 = new Uint32Array(src.buffer, src.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const w = w32[k]!;
      h[w & 255]!++;
      h[256 + ((w >>> 8) & 255)]!++;
      h[512 + ((w >>> 16) & 255)]!++;
      h[768 + (w >>> 24)]!++;
    }
    i += words * 4;
  }
  while (i < n) h[src[i++]!]!++;
  for (let v = 0; v < 256; v++) h[v] = h[v]! + h[256 + v]! + h[512 + v]! + h[768 + v]!;
}

/** Per-channel histograms of an interleaved RGB image into HIST[c * 256 + v]. */
function rgbHistogram(src: Uint8Array): void {
  const h = HIST;
  h.fill(0);
  for (let i = 0; i + 2 < src.length; i += 3) {
    h[src[i]!]!++;
    h[256 + src[i + 1]!]!++;
    h[512 + src[i + 2]!]!++;
  }
}

/**
 * Fills TABLE[c * 256 + v] with channel c's output for input byte v: v / 255, or with `params`
 * ((v/255 + δ − mean)·f + mean), the mean being the channel's mean after brightness as
 * augmentImage computes it (the float64 sum of the float32 values v/255, then + δ).
 */
/**
 * Per channel, the sum over the image's pixels of x = v/255 as float32 — what the contrast step
 * needs for its mean. The cache stores it per image (computed when the shard is written), so
 * augmented batches skip this pass; computed here otherwise. Same value either way.
 */
export function channelSums(
  src: Uint8Array,
  channels: 1 | 3,
  out: Float64Array = new Float64Array(channels),
): Float64Array {
  if (channels === 1) grayHistogram(src);
  else rgbHistogram(src);
  for (let c = 0; c < channels; c++) {
    const base = c * 256;
    let sum = 0;
    for (let v = 0; v < 256; v++) sum += HIST[base + v]! * Math.fround(v * INV255);
    out[c] = sum;
  }
  return out;
}

const SUMS = new Float64Array(3);

function fillTables(
  src: Uint8Array,
  channels: 1 | 3,
  pixels: number,
  params: AugmentParams | undefined,
  sums: ArrayLike<number> | undefined,
): void {
  if (!params) {
    for (let v = 0; v < 256; v++) TABLE[v] = v * INV255;
    if (channels === 3) {
      TABLE.copyWithin(256, 0, 256);
      TABLE.copyWithin(512, 0, 256);
    }
    return;
  }
  const channelSum = sums ?? channelSums(src, channels, SUMS);
  const { brightness, contrast } = params;
  for (let c = 0; c < channels; c++) {
    const base = c * 256;
    const mean = (channelSum[c] as number) / pixels + brightness;
    for (let v = 0; v < 256; v++) {
      TABLE[base + v] = (Math.fround(v * INV255) + brightness - mean) * contrast + mean;
    }
  }
}

/**
 * Gray bytes [H, W] → [H, W, 3] through the table `t` (float32 bits), written into `out` (int32
 * view of the float32 output: plain 32-bit copies, no float conversions). A vertical flip reads
 * the source rows bottom-up, a horizontal flip reads each row right to left.
 */
function expandGray(
  src: Uint8Array,
  width: number,
  height: number,
  out: Int32Array,
  t: Int32Array,
  flipH: boolean,
  flipV: boolean,
): void {
  const w4 = width & ~3;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = (flipV ? height - 1 - y : y) * width;
    if (!flipH) {
      let s = row;
      const end4 = row + w4;
      const end = row + width;
      for (; s < end4; s += 4) {
        const a = t[src[s]!]!;
        const b = t[src[s + 1]!]!;
        const c = t[src[s + 2]!]!;
        const d = t[src[s + 3]!]!;
        out[o] = a;
        out[o + 1] = a;
        out[o + 2] = a;
        out[o + 3] = b;
        out[o + 4] = b;
        out[o + 5] = b;
        out[o + 6] = c;
        out[o + 7] = c;
        out[o + 8] = c;
        out[o + 9] = d;
        out[o + 10] = d;
        out[o + 11] = d;
        o += 12;
      }
      for (; s < end; s++) {
        const a = t[src[s]!]!;
        out[o] = a;
        out[o + 1] = a;
        out[o + 2] = a;
        o += 3;
      }
    } else {
      let s = row + width - 1;
      const stop4 = s - w4;
      const stop = row - 1;
      for (; s > stop4; s -= 4) {
        const a = t[src[s]!]!;
        const b = t[src[s - 1]!]!;
        const c = t[src[s - 2]!]!;
        const d = t[src[s - 3]!]!;
        out[o] = a;
        out[o + 1] = a;
        out[o + 2] = a;
        out[o + 3] = b;
        out[o + 4] = b;
        out[o + 5] = b;
        out[o + 6] = c;
        out[o + 7] = c;
        out[o + 8] = c;
        out[o + 9] = d;
        out[o + 10] = d;
        out[o + 11] = d;
        o += 12;
      }
      for (; s > stop; s--) {
        const a = t[src[s]!]!;
        out[o] = a;
        out[o + 1] = a;
        out[o + 2] = a;
        o += 3;
      }
    }
  }
}

/** RGB bytes [H, W, 3] → [H, W, 3] through the per-channel tables t[c * 256 + v]. */
function expandRgb(
  src: Uint8Array,
  width: number,
  height: number,
  out: Int32Array,
  t: Int32Array,
  flipH: boolean,
  flipV: boolean,
): void {
  const rowLen = width * 3;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = (flipV ? height - 1 - y : y) * rowLen;
    if (!flipH) {
      const end = row + rowLen;
      for (let s = row; s < end; s += 3) {
        out[o] = t[src[s]!]!;
        out[o + 1] = t[256 + src[s + 1]!]!;
        out[o + 2] = t[512 + src[s + 2]!]!;
        o += 3;
      }
    } else {
      for (let s = row + rowLen - 3; s >= row; s -= 3) {
        out[o] = t[src[s]!]!;
        out[o + 1] = t[256 + src[s + 1]!]!;
        out[o + 2] = t[512 + src[s + 2]!]!;
        o += 3;
      }
    }
  }
}

/**
 * uint8 pixels (1 or 3 channels) → float32 [H, W, 3] model input at `out[offset…]`, optionally
 * augmented: the same result as toFloatRgb followed by augmentImage (up to float rounding), in
 * one pass. Per image and channel the whole map x ↦ ((x/255 + δ − mean)·f + mean) is a 256-entry
 * table (the mean from the image's histogram), flips only change which source pixel is read,
 * and pixels are copied as 32-bit patterns — this is the cache's hot loop.
 */
export function toModelInput(
  src: Uint8Array,
  channels: 1 | 3,
  height: number,
  width: number,
  out: Float32Array,
  offset: number,
  params?: AugmentParams,
  /** channelSums(src) if known (the cache stores it), else computed when augmenting. */
  sums?: ArrayLike<number>,
): void {
  const pixels = height * width;
  if (src.length < pixels * channels) {
    throw new RangeError(
      `toModelInput: ${src.length} bytes for ${height}x${width}x${channels} pixels`,
    );
  }
  if (offset < 0 || offset + pixels * 3 > out.length) {
    throw new RangeError(`toModelInput: output too short for offset ${offset}`);
  }
  // A plain Uint8Array view (a Buffer's own class would make the loops polymorphic).
  const bytes = new Uint8Array(src.buffer, src.byteOffset, pixels * channels);
  fillTables(bytes, channels, pixels, params, sums);
  const dst = new Int32Array(out.buffer, out.byteOffset + offset * 4, pixels * 3);
  const flipH = params?.flipHorizontal ?? false;
  const flipV = params?.flipVertical ?? false;
  if (channels === 1) expandGray(bytes, width, height, dst, TABLE_BITS, flipH, flipV);
  else expandRgb(bytes, width, height, dst, TABLE_BITS, flipH, flipV);
}

/** Raw cache bytes of a batch, image after image, as read from the shards. */
export interface RawBatch {
  /** Image k's bytes are raw[offsets[k] .. offsets[k + 1]). */
  raw: Uint8Array;
  offsets: Float64Array;
  /** 1 or 3 per image. */
  channels: Uint8Array;
  size: number;
  /** Per image augmentation, or none. */
  params?: AugmentParams[];
  /** Image k's channelSums at [3k, 3k + channels), when known. */
  sums?: Float64Array;
  /** Where to write the result: n × size² × 3 values. */
  out: Float32Array;
}

/** A raw batch → float32 [n, size, size, 3] model input, written into `b.out`. */
export function modelInputBatch(b: RawBatch): Float32Array {
  const n = b.channels.length;
  const px = b.size * b.size;
  const images = b.out;
  if (images.length !== n * px * 3)
    throw new RangeError(`modelInputBatch: output has ${images.length} values, not ${n * px * 3}`);
  for (let k = 0; k < n; k++) {
    toModelInput(
      b.raw.subarray(b.offsets[k]!, b.offsets[k + 1]!),
      b.channels[k] as 1 | 3,
      b.size,
      b.size,
      images,
      k * px * 3,
      b.params?.[k],
      b.sums?.subarray(3 * k, 3 * k + 3),
    );
  }
  return images;
}
