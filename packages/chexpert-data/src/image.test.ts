import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { describe, expect, it } from 'vitest';
import {
  decodeAndResize,
  ImageDecodeError,
  loadImage,
  resizeBilinear,
  toFloatRgb,
} from './image.js';
import { tempDir } from './test-support/fixtures.js';

describe('resizeBilinear (half-pixel centres)', () => {
  it('upsamples 2x2 → 4x4 as worked out by hand', () => {
    const src = Uint8Array.from([0, 100, 200, 60]);
    // Source coordinates of the 4 output columns/rows: -0.25→0, 0.25, 0.75, 1.25→1.
    expect(Array.from(resizeBilinear(src, 2, 2, 1, 4, 1))).toEqual([
      0, 25, 75, 100, 50, 60, 80, 90, 150, 130, 90, 70, 200, 165, 95, 60,
    ]);
  });

  it('downsamples 4x4 → 2x2 by averaging 2x2 neighbourhoods (sample points at 0.5 and 2.5)', () => {
    const src = Uint8Array.from({ length: 16 }, (_, i) => i * 10);
    // Output (0,0) = mean of pixels (0,0),(1,0),(0,1),(1,1) = (0+10+40+50)/4 = 25.
    expect(Array.from(resizeBilinear(src, 4, 4, 1, 2, 1))).toEqual([25, 45, 105, 125]);
  });

  it('takes the first channels of interleaved RGBA and stretches non-square images', () => {
    const rgba = Uint8Array.from([10, 20, 30, 255, 50, 60, 70, 255]); // 2 wide, 1 high
    const out = resizeBilinear(rgba, 2, 1, 4, 2, 3);
    expect(Array.from(out)).toEqual([10, 20, 30, 50, 60, 70, 10, 20, 30, 50, 60, 70]);
  });
});

describe('decoding', () => {
  const dir = tempDir();

  it('decodes a grayscale PNG to 1 channel and an RGB PNG to 3', async () => {
    const gray = new Jimp({ width: 6, height: 4, color: 0x808080ff });
    const grayFile = join(dir, 'g.png');
    await gray.write(grayFile as `${string}.png`);
    const g = await loadImage(grayFile, 3);
    expect(g.channels).toBe(1);
    expect(Array.from(g.data)).toEqual(Array(9).fill(128));

    const rgb = new Jimp({ width: 4, height: 4, color: 0xff0000ff });
    const rgbFile = join(dir, 'c.png');
    await rgb.write(rgbFile as `${string}.png`);
    const c = await decodeAndResize(readFileSync(rgbFile), 2);
    expect(c.channels).toBe(3);
    expect(Array.from(c.data)).toEqual([255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0]);
  });

  it('names the file when bytes are not an image', async () => {
    await expect(
      decodeAndResize(Uint8Array.from([1, 2, 3]), 8, 'broken.jpg'),
    ).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(decodeAndResize(Uint8Array.from([1, 2, 3]), 8, 'broken.jpg')).rejects.toThrow(
      /broken\.jpg/,
    );
  });

  it('toFloatRgb scales to [0, 1] and replicates gray into 3 channels', () => {
    expect(Array.from(toFloatRgb(Uint8Array.from([0, 255]), 1))).toEqual([0, 0, 0, 1, 1, 1]);
    const out = new Float32Array(8).fill(-1);
    toFloatRgb(Uint8Array.from([51, 102]), 1, out, 2);
    expect(Array.from(out).map((v) => Math.round(v * 100) / 100)).toEqual([
      -1, -1, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4,
    ]);
  });
});
