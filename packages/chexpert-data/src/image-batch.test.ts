import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImage } from './image.js';
import { loadImageBatch } from './image-batch.js';
import { tempDir } from './test-support/fixtures.js';

const SIZE = 6;
let dir: string;
/** RGBA bytes of the two test images, written as lossless PNGs of SIZE×SIZE. */
const colour = new Uint8Array(SIZE * SIZE * 4);
const gray = new Uint8Array(SIZE * SIZE * 4);

async function writePng(file: string, rgba: Uint8Array, side: number): Promise<void> {
  const image = new Jimp({ width: side, height: side });
  image.bitmap.data.set(rgba);
  writeFileSync(file, await image.getBuffer('image/png'));
}

beforeAll(async () => {
  dir = tempDir('cxd-batch-');
  for (let p = 0; p < SIZE * SIZE; p++) {
    colour.set([(p * 37) % 256, (p * 91 + 13) % 256, 255 - ((p * 53) % 256), 255], p * 4);
    const v = (p * 71 + 5) % 256;
    gray.set([v, v, v, 255], p * 4);
  }
  await writePng(join(dir, 'colour.png'), colour, SIZE);
  await writePng(join(dir, 'gray.png'), gray, SIZE);
  const big = new Uint8Array(4 * SIZE * SIZE * 4);
  for (let i = 0; i < big.length; i++) big[i] = i % 4 === 3 ? 255 : (i * 29) % 256;
  await writePng(join(dir, 'big.png'), big, 2 * SIZE);
});

describe('loadImageBatch', () => {
  it('gives the pixels / 255 as NHWC RGB, in the order given (grayscale copied to RGB)', async () => {
    const files = [join(dir, 'gray.png'), join(dir, 'colour.png')];
    const batch = await loadImageBatch(files, SIZE);
    expect(batch.shape).toEqual([2, SIZE, SIZE, 3]);
    expect(batch.images).toBeInstanceOf(Float32Array);
    expect(batch.images.length).toBe(2 * SIZE * SIZE * 3);
    // Same size: the resize is the identity, so the values are the written bytes / 255.
    const px = SIZE * SIZE * 3;
    for (let p = 0; p < SIZE * SIZE; p++) {
      for (let c = 0; c < 3; c++) {
        expect(batch.images[p * 3 + c]).toBeCloseTo(gray[p * 4]! / 255, 6);
        expect(batch.images[px + p * 3 + c]).toBeCloseTo(colour[p * 4 + c]! / 255, 6);
      }
    }
  });

  it('resizes like loadImage: the decoded, resized bytes / 255', async () => {
    const file = join(dir, 'big.png');
    const batch = await loadImageBatch([join(dir, 'colour.png'), file], SIZE);
    const img = await loadImage(file, SIZE);
    expect(img.channels).toBe(3);
    const px = SIZE * SIZE * 3;
    const want = Array.from(img.data, (v) => v / 255);
    const got = Array.from(batch.images.subarray(px, 2 * px));
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
  });

  it('names a missing file, an undecodable file and bad arguments', async () => {
    const missing = join(dir, 'missing.png');
    await expect(loadImageBatch([join(dir, 'gray.png'), missing], SIZE)).rejects.toThrow(
      `image not found: ${missing}`,
    );
    const text = join(dir, 'not-an-image.png');
    writeFileSync(text, 'hello');
    await expect(loadImageBatch([text], SIZE)).rejects.toThrow(
      /not-an-image\.png: cannot decode image/,
    );
    await expect(loadImageBatch([], SIZE)).rejects.toThrow(RangeError);
    await expect(loadImageBatch([], SIZE)).rejects.toThrow(/files: no images given/);
    await expect(loadImageBatch([join(dir, 'gray.png')], 0)).rejects.toThrow(/size/);
    await expect(loadImageBatch([join(dir, 'gray.png')], 2.5)).rejects.toThrow(RangeError);
    await expect(loadImageBatch('gray.png' as never, SIZE)).rejects.toThrow(TypeError);
    await expect(loadImageBatch([3 as never], SIZE)).rejects.toThrow(/files\[0\]/);
  });
});
