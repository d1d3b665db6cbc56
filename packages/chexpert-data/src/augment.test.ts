import { describe, expect, it } from 'vitest';
import {
  augmentBatch,
  augmentImage,
  augmentParams,
  DEFAULT_AUGMENT,
  toModelInput,
} from './augment.js';

describe('augmentImage', () => {
  it('flips, adds brightness, then scales contrast around the mean (hand-worked)', () => {
    const img = Float32Array.from([0.1, 0.2, 0.3, 0.4]); // 2x2, 1 channel
    augmentImage(img, 0, 2, 2, 1, {
      flipHorizontal: true,
      flipVertical: false,
      brightness: 0.05,
      contrast: 1.1,
    });
    // flip → [.2,.1,.4,.3]; +.05 → [.25,.15,.45,.35], mean .3; (v-.3)*1.1+.3
    expect(Array.from(img).map((v) => Number(v.toFixed(6)))).toEqual([0.245, 0.135, 0.465, 0.355]);
  });

  it('vertical flip swaps rows; contrast uses each channel’s own mean', () => {
    // 2 rows x 1 col x 2 channels: channel 0 = [0, 1], channel 1 = [0.5, 0.5]
    const img = Float32Array.from([0, 0.5, 1, 0.5]);
    augmentImage(img, 0, 2, 1, 2, {
      flipHorizontal: false,
      flipVertical: true,
      brightness: 0,
      contrast: 0.9,
    });
    // flip → [1, .5, 0, .5]; channel 0 mean .5: 1→.95, 0→.05; channel 1 constant stays .5
    expect(Array.from(img).map((v) => Number(v.toFixed(6)))).toEqual([0.95, 0.5, 0.05, 0.5]);
  });
});

describe('augmentParams', () => {
  it('is a pure function of (seed, epoch, index) within the configured ranges', () => {
    expect(augmentParams(1, 2, 3)).toEqual(augmentParams(1, 2, 3));
    expect(augmentParams(1, 2, 3)).not.toEqual(augmentParams(1, 3, 3));
    expect(augmentParams(1, 2, 3)).not.toEqual(augmentParams(1, 2, 4));
    const draws = Array.from({ length: 2000 }, (_, i) => augmentParams(5, 0, i));
    for (const p of draws) {
      expect(Math.abs(p.brightness)).toBeLessThanOrEqual(0.1);
      expect(p.contrast).toBeGreaterThanOrEqual(0.9);
      expect(p.contrast).toBeLessThanOrEqual(1.1);
    }
    const h = draws.filter((p) => p.flipHorizontal).length / draws.length;
    const v = draws.filter((p) => p.flipVertical).length / draws.length;
    expect(h).toBeGreaterThan(0.45);
    expect(h).toBeLessThan(0.55);
    expect(v).toBeGreaterThan(0.45);
    expect(v).toBeLessThan(0.55);
  });

  it('honours a config without flips', () => {
    const config = { ...DEFAULT_AUGMENT, horizontalFlip: false, verticalFlip: false };
    for (let i = 0; i < 50; i++) {
      const p = augmentParams(1, 0, i, config);
      expect(p.flipHorizontal || p.flipVertical).toBe(false);
    }
  });
});

describe('augmentBatch', () => {
  const image = (k: number) =>
    Float32Array.from({ length: 4 * 4 * 3 }, (_, i) => ((i * 7 + k * 13) % 17) / 17);

  it('gives each image the same result whatever its position in the batch', () => {
    const batch = new Float32Array(3 * 48);
    for (const k of [0, 1, 2]) batch.set(image(k), k * 48);
    augmentBatch(batch, [3, 4, 4, 3], [10, 11, 12], 42, 1);
    const reversed = new Float32Array(3 * 48);
    for (const [pos, k] of [2, 1, 0].entries()) reversed.set(image(k), pos * 48);
    augmentBatch(reversed, [3, 4, 4, 3], [12, 11, 10], 42, 1);
    expect(Array.from(reversed.subarray(0, 48))).toEqual(Array.from(batch.subarray(96, 144)));
    const single = image(1);
    augmentImage(single, 0, 4, 4, 3, augmentParams(42, 1, 11));
    expect(Array.from(batch.subarray(48, 96))).toEqual(Array.from(single));
  });

  it('rejects mismatched shapes', () => {
    expect(() => augmentBatch(new Float32Array(10), [1, 2, 2, 3], [0], 1, 0)).toThrow(/shape/);
    expect(() => augmentBatch(new Float32Array(12), [1, 2, 2, 3], [0, 1], 1, 0)).toThrow(/indices/);
  });
});

describe('toModelInput', () => {
  const gray = Uint8Array.from({ length: 5 * 4 }, (_, i) => (i * 37) % 256);
  const rgb = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 53) % 256);
  const reference = (
    src: Uint8Array,
    channels: 1 | 3,
    params?: ReturnType<typeof augmentParams>,
  ) => {
    // Independent path: expand to float RGB, then augmentImage.
    const f = new Float32Array(5 * 4 * 3);
    for (let p = 0; p < 20; p++) {
      for (let c = 0; c < 3; c++)
        f[p * 3 + c] = src[p * channels + (channels === 1 ? 0 : c)]! / 255;
    }
    if (params) augmentImage(f, 0, 4, 5, 3, params);
    return Array.from(f);
  };

  it('without augmentation is x / 255 with gray replicated', () => {
    const out = new Float32Array(60);
    toModelInput(gray, 1, 4, 5, out, 0);
    expect(Array.from(out)).toEqual(reference(gray, 1));
  });

  it('with augmentation equals expand-then-augmentImage for gray and RGB sources', () => {
    for (let i = 0; i < 12; i++) {
      const params = augmentParams(3, 1, i);
      for (const [src, ch] of [
        [gray, 1],
        [rgb, 3],
      ] as const) {
        const out = new Float32Array(60);
        toModelInput(src, ch, 4, 5, out, 0, params);
        const want = reference(src, ch, params);
        out.forEach((v, k) => {
          expect(v).toBeCloseTo(want[k]!, 6);
        });
      }
    }
  });
});
