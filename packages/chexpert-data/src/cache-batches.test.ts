import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AugmentParams, augmentImage, augmentParams } from './augment.js';
import { CACHE_FORMAT_VERSION, type CacheIndex, SHARD_HEADER_BYTES, SHARD_MAGIC } from './cache.js';
import { type BatchArrays, openCache } from './open-cache.js';
import { Random } from './random.js';
import { tempDir } from './test-support/fixtures.js';

// A hand-written cache: odd image size (169 pixels, not a multiple of 4), shards of 4 images,
// the middle shard RGB, the others grayscale.
const SIZE = 13;
const PX = SIZE * SIZE;
const COUNT = 10;
const SHARD_SIZE = 4;
const CHANNELS = [1, 3, 1] as const;
const COLS = 3;
let dir: string;
/** Image i's cached bytes. */
const pixels: Uint8Array[] = [];

const channelsOf = (i: number) => CHANNELS[Math.floor(i / SHARD_SIZE)]!;

beforeAll(() => {
  dir = tempDir();
  const rng = new Random(11);
  const shards: CacheIndex['splits'][string]['shards'] = [];
  for (let s = 0; s * SHARD_SIZE < COUNT; s++) {
    const count = Math.min(SHARD_SIZE, COUNT - s * SHARD_SIZE);
    const ch = CHANNELS[s]!;
    const header = Buffer.alloc(SHARD_HEADER_BYTES);
    header.write(SHARD_MAGIC, 0, 'ascii');
    header.writeUInt32LE(count, 4);
    header.writeUInt32LE(SIZE, 8);
    header.writeUInt32LE(ch, 12);
    const body: Uint8Array[] = [];
    for (let k = 0; k < count; k++) {
      const img = Uint8Array.from({ length: PX * ch }, () => Math.floor(rng.next() * 256));
      pixels.push(img);
      body.push(img);
    }
    // The trailer: per image and channel, the sum of v/255 (float32 values) over its pixels.
    const trailer = Buffer.alloc(count * ch * 8);
    body.forEach((img, k) => {
      for (let c = 0; c < ch; c++) {
        let sum = 0;
        for (let p = c; p < img.length; p += ch) sum += Math.fround(img[p]! / 255);
        trailer.writeDoubleLE(sum, (k * ch + c) * 8);
      }
    });
    const file = `train-${String(s).padStart(5, '0')}.bin`;
    writeFileSync(join(dir, file), Buffer.concat([header, ...body, trailer]));
    shards.push({ file, count, channels: ch });
  }
  const labels = Float32Array.from({ length: COUNT * COLS }, (_, k) => k % 2);
  writeFileSync(join(dir, 'train.labels.f32'), new Uint8Array(labels.buffer));
  writeFileSync(
    join(dir, 'train.paths.json'),
    JSON.stringify(Array.from({ length: COUNT }, (_, i) => `p${i}`)),
  );
  const index: CacheIndex = {
    formatVersion: CACHE_FORMAT_VERSION,
    fingerprint: 'test',
    size: SIZE,
    labelSet: 'flat14',
    policy: 'zeros',
    blank: 'zero',
    outputLabels: ['a', 'b', 'c'],
    splits: {
      train: {
        count: COUNT,
        shardSize: SHARD_SIZE,
        shards,
        labels: 'train.labels.f32',
        paths: 'train.paths.json',
      },
    },
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
});

/** The documented formula, straightforwardly: x / 255 (gray replicated), then augmentImage. */
function reference(i: number, params?: AugmentParams): Float32Array {
  const src = pixels[i]!;
  const ch = channelsOf(i);
  const f = new Float32Array(PX * 3);
  for (let p = 0; p < PX; p++) {
    for (let c = 0; c < 3; c++) f[p * 3 + c] = src[p * ch + (ch === 1 ? 0 : c)]! / 255;
  }
  if (params) augmentImage(f, 0, SIZE, SIZE, 3, params);
  return f;
}

function expectBatch(b: BatchArrays, aug?: { seed: number; epoch: number }) {
  expect(b.shape).toEqual([b.indices.length, SIZE, SIZE, 3]);
  b.indices.forEach((i, k) => {
    const want = reference(i, aug ? augmentParams(aug.seed, aug.epoch, i) : undefined);
    const got = b.images.subarray(k * PX * 3, (k + 1) * PX * 3);
    let maxErr = 0;
    for (let j = 0; j < want.length; j++) maxErr = Math.max(maxErr, Math.abs(got[j]! - want[j]!));
    expect(maxErr).toBeLessThan(1e-6);
    expect(Array.from(b.labels.subarray(k * COLS, (k + 1) * COLS))).toEqual(
      Array.from({ length: COLS }, (_, c) => (i * COLS + c) % 2),
    );
  });
}

// Runs within a shard, across shard (and channel) boundaries, repeats, backwards, empty.
const INDEX_SETS = [
  Array.from({ length: COUNT }, (_, i) => i),
  [9, 3, 4, 5, 0, 0, 2],
  [7, 6, 5, 4],
  [],
];

describe('cache batches (gray and RGB shards)', () => {
  it('equal x/255 then augmentImage for every image, with and without each flip', async () => {
    const cache = await openCache(dir);
    const flips = new Set<string>();
    for (const indices of INDEX_SETS) {
      expectBatch(await cache.loadBatch('train', indices));
      for (const epoch of [0, 1, 2, 3]) {
        const aug = { seed: 5, epoch };
        expectBatch(await cache.loadBatch('train', indices, aug), aug);
        for (const i of indices) {
          const p = augmentParams(5, epoch, i);
          flips.add(`${p.flipHorizontal} ${p.flipVertical} ${channelsOf(i)}`);
        }
      }
    }
    // Every flip combination was seen on gray and on RGB images.
    expect(flips.size).toBe(8);
    await cache.close();
  });

  it('release() hands image memory to later batches; their values stay right', async () => {
    const cache = await openCache(dir);
    const buffers = new Set<ArrayBufferLike>();
    let batches = 0;
    for (const epoch of [0, 1, 2]) {
      for await (const b of cache.batchArrays({
        split: 'train',
        batchSize: 3,
        epoch,
        augment: true,
      })) {
        expectBatch(b, { seed: 2408, epoch });
        buffers.add(b.images.buffer);
        b.release();
        b.release(); // twice is harmless
        batches++;
      }
    }
    // Batches of 3 and a last one of 1: a couple of buffers each, not one per batch.
    expect(batches).toBe(12);
    expect(buffers.size).toBeLessThanOrEqual(6);
    // Without release() every batch has its own memory.
    const kept: BatchArrays[] = [];
    for await (const b of cache.batchArrays({ split: 'train', batchSize: 3, shuffle: false }))
      kept.push(b);
    expect(new Set(kept.map((b) => b.images.buffer)).size).toBe(kept.length);
    for (const b of kept) expectBatch(b);
    await cache.close();
  });

  it('tensor release() reuses x only when TF.js holds it no longer', async () => {
    const cache = await openCache(dir);
    let clone: import('@tensorflow/tfjs').Tensor | undefined;
    let cloneIndices: Int32Array | undefined;
    const buffers: ArrayBufferLike[] = [];
    for await (const b of cache.batches({ split: 'train', batchSize: 2, shuffle: false })) {
      // The cpu backend keeps the batch's array: dataSync() shows which memory x uses.
      buffers.push(b.x.dataSync().buffer);
      if (!clone) {
        clone = b.x.clone(); // shares x's data: release() must not recycle it
        cloneIndices = b.indices;
      }
      b.release();
    }
    // 5 batches: the first kept by the clone, the others reusing memory.
    expect(buffers.length).toBe(5);
    expect(new Set(buffers).size).toBeLessThanOrEqual(3);
    expect(buffers.indexOf(buffers[0]!, 1)).toBe(-1);
    for await (const b of cache.batchArrays({ split: 'train', batchSize: 4, epoch: 1 })) {
      b.release();
    }
    const data = clone!.dataSync();
    expectBatch({
      indices: cloneIndices!,
      images: data as Float32Array,
      shape: [cloneIndices!.length, SIZE, SIZE, 3],
      labels: (await cache.loadBatch('train', cloneIndices!)).labels,
      release() {},
    });
    clone!.dispose();
    await cache.close();
  });
});
