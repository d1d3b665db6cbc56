import { Jimp } from 'jimp';
import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { encodeGrayscaleJpeg } from './jpeg-gray.js';

/** A smooth pattern with an edge: what radiographs look like to a JPEG encoder. */
function pattern(w: number, h: number): Uint8Array {
  const rng = new Random(3);
  return Uint8Array.from({ length: w * h }, (_, i) => {
    const x = i % w;
    const y = Math.floor(i / w);
    const v =
      128 + 80 * Math.sin(x / 5) * Math.cos(y / 7) + (x > w / 2 ? 30 : 0) + rng.normal() * 3;
    return Math.max(0, Math.min(255, Math.round(v)));
  });
}

describe('encodeGrayscaleJpeg', () => {
  it('produces a JPEG that an independent decoder (jimp / jpeg-js) reads back closely', async () => {
    for (const [w, h] of [
      [64, 64],
      [37, 21], // partial blocks
    ] as const) {
      const gray = pattern(w, h);
      const jpeg = encodeGrayscaleJpeg(gray, w, h, 92);
      expect([jpeg[0], jpeg[1], jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([
        0xff, 0xd8, 0xff, 0xd9,
      ]);
      const img = await Jimp.fromBuffer(Buffer.from(jpeg));
      expect([img.bitmap.width, img.bitmap.height]).toEqual([w, h]);
      let abs = 0;
      for (let i = 0; i < gray.length; i++) {
        const r = img.bitmap.data[4 * i]!;
        expect(img.bitmap.data[4 * i + 1]).toBe(r);
        abs += Math.abs(r - gray[i]!);
      }
      expect(abs / gray.length).toBeLessThan(3);
    }
  });

  it('is deterministic, and lower quality gives smaller files', () => {
    const gray = pattern(48, 48);
    expect(encodeGrayscaleJpeg(gray, 48, 48, 90)).toEqual(encodeGrayscaleJpeg(gray, 48, 48, 90));
    expect(encodeGrayscaleJpeg(gray, 48, 48, 30).length).toBeLessThan(
      encodeGrayscaleJpeg(gray, 48, 48, 95).length,
    );
  });

  it('encodes extremes (0 and 255 everywhere) without corrupting the stream', async () => {
    for (const v of [0, 255]) {
      const img = await Jimp.fromBuffer(
        Buffer.from(encodeGrayscaleJpeg(new Uint8Array(16 * 16).fill(v), 16, 16, 100)),
      );
      expect(Math.abs(img.bitmap.data[0]! - v)).toBeLessThanOrEqual(1);
    }
  });

  it('rejects a pixel count that does not match the size', () => {
    expect(() => encodeGrayscaleJpeg(new Uint8Array(10), 4, 4)).toThrow(/10 pixels for 4x4/);
  });
});
