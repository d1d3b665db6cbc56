import { describe, expect, it } from 'vitest';
import { type AugmentParams, augmentImage, augmentParams, toModelInput } from './augment.js';
import { Random } from './random.js';

/** The documented formula, straightforwardly: x / 255 (gray replicated), then augmentImage. */
function reference(
  src: Uint8Array,
  channels: 1 | 3,
  height: number,
  width: number,
  params?: AugmentParams,
): Float32Array {
  const f = new Float32Array(height * width * 3);
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < 3; c++) f[p * 3 + c] = src[p * channels + (channels === 1 ? 0 : c)]! / 255;
  }
  if (params) augmentImage(f, 0, height, width, 3, params);
  return f;
}

/**
 * toModelInput as it was before the fast path (per-channel Float32Array tables, one pixel a
 * step): the new code must give the same float32 values bit for bit.
 */
function previousToModelInput(
  src: Uint8Array,
  channels: 1 | 3,
  height: number,
  width: number,
  out: Float32Array,
  offset: number,
  params?: AugmentParams,
): void {
  const INV255 = 1 / 255;
  const tables: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const table = new Float32Array(256);
    if (!params) {
      for (let v = 0; v < 256; v++) table[v] = v * INV255;
    } else {
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
  let o = offset;
  for (let y = 0; y < height; y++) {
    const sy = params?.flipVertical ? height - 1 - y : y;
    for (let x = 0; x < width; x++) {
      const sx = params?.flipHorizontal ? width - 1 - x : x;
      const s = (sy * width + sx) * channels;
      for (let c = 0; c < 3; c++)
        out[o++] = tables[channels === 1 ? 0 : c]![src[s + (channels === 1 ? 0 : c)]!]!;
    }
  }
}

const randomBytes = (n: number, seed: number) => {
  const rng = new Random(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
};

const flips = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

describe('toModelInput fast path', () => {
  // Odd and even widths (the gray loop does 4 pixels a step, then the rest of the row).
  const sizes = [
    [1, 1],
    [3, 5],
    [4, 8],
    [7, 6],
    [13, 11],
    [32, 32],
  ] as const;

  for (const channels of [1, 3] as const) {
    it(`equals x/255 then augmentImage (to 1e-6) and the previous code (exactly), ${channels} channel(s), every flip`, () => {
      for (const [height, width] of sizes) {
        const src = randomBytes(height * width * channels, height * 100 + width + channels);
        const draws: (AugmentParams | undefined)[] = [undefined];
        for (const [flipHorizontal, flipVertical] of flips) {
          const p = augmentParams(7, 2, height * width);
          draws.push({ ...p, flipHorizontal, flipVertical });
          draws.push({ flipHorizontal, flipVertical, brightness: -0.1, contrast: 1.1 });
        }
        for (const params of draws) {
          const want = reference(src, channels, height, width, params);
          // Written at an offset inside a larger buffer, from a byte view at an odd offset.
          const padded = new Uint8Array(src.length + 3);
          padded.set(src, 1);
          const view = padded.subarray(1, 1 + src.length);
          const out = new Float32Array(want.length + 5).fill(-7);
          toModelInput(view, channels, height, width, out, 2, params);
          expect(out[0]).toBe(-7);
          expect(out[1]).toBe(-7);
          expect(out[want.length + 2]).toBe(-7);
          const got = out.subarray(2, 2 + want.length);
          let maxErr = 0;
          for (let k = 0; k < want.length; k++)
            maxErr = Math.max(maxErr, Math.abs(got[k]! - want[k]!));
          expect(maxErr).toBeLessThan(1e-6);
          const previous = new Float32Array(want.length);
          previousToModelInput(src, channels, height, width, previous, 0, params);
          expect(Array.from(got)).toEqual(Array.from(previous));
        }
      }
    });
  }

  it('reads Buffers and 320x320 images like plain arrays', () => {
    const src = randomBytes(320 * 320, 9);
    const params = { ...augmentParams(1, 0, 3), flipHorizontal: true, flipVertical: true };
    const a = new Float32Array(320 * 320 * 3);
    const b = new Float32Array(320 * 320 * 3);
    toModelInput(src, 1, 320, 320, a, 0, params);
    toModelInput(Buffer.from(src), 1, 320, 320, b, 0, params);
    let same = true;
    for (let k = 0; k < a.length; k++) same &&= a[k] === b[k];
    expect(same).toBe(true);
    const want = reference(src, 1, 320, 320, params);
    let maxErr = 0;
    for (let k = 0; k < want.length; k++) maxErr = Math.max(maxErr, Math.abs(a[k]! - want[k]!));
    expect(maxErr).toBeLessThan(1e-6);
  });

  it('rejects a short source or output', () => {
    expect(() => toModelInput(new Uint8Array(5), 1, 2, 3, new Float32Array(18), 0)).toThrow(
      RangeError,
    );
    expect(() => toModelInput(new Uint8Array(6), 1, 2, 3, new Float32Array(18), 1)).toThrow(
      RangeError,
    );
  });
});
