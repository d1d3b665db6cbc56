import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Jimp } from 'jimp';
import { describe, expect, it } from 'vitest';
import { checkBrowserBundle } from '../../../scripts/browser-bundle-check.mjs';
import { decodeAndResize, toFloatRgb } from './image.js';
import { preprocessRgba } from './preprocess.js';

const src = path.dirname(fileURLToPath(import.meta.url));

/** A PNG of `width`×`height`, gray or coloured, with a smooth pattern and some noise. */
async function png(width: number, height: number, gray: boolean): Promise<Buffer> {
  const image = new Jimp({ width, height, color: 0x000000ff });
  const d = image.bitmap.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = (x * 7 + y * 3 + ((x * y) % 17)) % 256;
      const i = (y * width + x) * 4;
      d[i] = v;
      d[i + 1] = gray ? v : (v + 40) % 256;
      d[i + 2] = gray ? v : (255 - v) % 256;
      d[i + 3] = 255;
    }
  }
  return image.getBuffer('image/png');
}

describe('preprocessRgba (@cihmlc/chexpert-data/preprocess)', () => {
  it('bundles for the browser with no Node built-in or Node-only package', async () => {
    const { violations, errors } = await checkBrowserBundle(path.join(src, 'preprocess.ts'));
    expect(errors).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('equals the training path (decodeAndResize + toFloatRgb) for gray and RGB PNGs', async () => {
    for (const [width, height, gray] of [
      [97, 61, true],
      [50, 80, false],
    ] as const) {
      const bytes = await png(width, height, gray);
      const trained = await decodeAndResize(bytes, 32);
      expect(trained.channels).toBe(gray ? 1 : 3);
      const expected = toFloatRgb(trained.data, trained.channels);
      // The viewer's path: the decoded RGBA (a canvas's ImageData; here jimp's bitmap).
      const decoded = (await Jimp.fromBuffer(bytes)).bitmap;
      const actual = preprocessRgba(
        new Uint8ClampedArray(decoded.data),
        decoded.width,
        decoded.height,
        32,
      );
      expect(actual.length).toBe(32 * 32 * 3);
      expect(Array.from(actual)).toEqual(Array.from(expected));
    }
  });

  it('2×2 → 1×1 is the rounded mean of the four pixels / 255, gray replicated (hand-computed)', () => {
    const rgba = new Uint8Array([
      10, 10, 10, 255, 20, 20, 20, 255, 30, 30, 30, 255, 41, 41, 41, 255,
    ]);
    const out = preprocessRgba(rgba, 2, 2, 1);
    const v = Math.fround(Math.round((10 + 20 + 30 + 41) / 4) / 255);
    expect(Array.from(out)).toEqual([v, v, v]);
  });

  it('names the field of a bad argument', () => {
    expect(() => preprocessRgba(new Uint8Array(12), 2, 2, 8)).toThrow(
      /rgba has 12 bytes, expected 2×2×4/,
    );
    expect(() => preprocessRgba(new Uint8Array(16), 2, 2, 0)).toThrow(RangeError);
  });
});
