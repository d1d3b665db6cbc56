import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentBatch, augmentParams, toModelInput } from './augment.js';
import { prepareCache } from './cache.js';
import { type Dataset, loadDataset } from './dataset.js';
import { loadImage, toFloatRgb } from './image.js';
import { CacheError, openCache } from './open-cache.js';
import { generateSyntheticDataset } from './synthetic/generate.js';
import { tempDir } from './test-support/fixtures.js';

const SIZE = 24;
let data: string;
let splits: Record<string, Dataset>;
let files: { train: string; valid: string; test: string };

beforeAll(async () => {
  data = tempDir();
  const s = await generateSyntheticDataset({
    outDir: data,
    patients: 14,
    seed: 3,
    imageSize: 48,
    workers: 0,
  });
  files = s.files;
  splits = {
    train: await loadDataset({ csv: s.files.train, roots: [data], name: 'train' }),
    valid: await loadDataset({ csv: s.files.valid, roots: [data], name: 'valid' }),
  };
});

/** An independent read of one image: decode the JPEG again and convert. */
async function expectedImage(file: string): Promise<Float32Array> {
  const img = await loadImage(file, SIZE);
  return toFloatRgb(img.data, img.channels);
}

describe('prepareCache / openCache', () => {
  it('round trip: every image and label comes back as decoded from the source', async () => {
    const dir = tempDir();
    const r = await prepareCache({ cacheDir: dir, splits, size: SIZE, shardSize: 4, workers: 0 });
    expect(r.status).toBe('built');
    expect(r.index.splits.train!.shards.every((s) => s.channels === 1)).toBe(true);
    const cache = await openCache(dir);
    expect(cache.outputLabels).toEqual(splits.train!.outputLabels);
    for (const name of ['train', 'valid']) {
      const ds = splits[name]!;
      const all = await cache.splitArrays(name);
      expect(all.shape).toEqual([ds.files.length, SIZE, SIZE, 3]);
      expect(Array.from(all.labels)).toEqual(Array.from(ds.labels.data));
      expect(cache.splits[name]!.paths).toEqual(ds.paths);
      const px = SIZE * SIZE * 3;
      for (let i = 0; i < ds.files.length; i++) {
        const want = await expectedImage(ds.files[i]!);
        expect(Array.from(all.images.subarray(i * px, (i + 1) * px))).toEqual(Array.from(want));
      }
    }
    await cache.close();
  });

  it('reuses a matching cache and rebuilds when the fingerprint changes', async () => {
    const dir = tempDir();
    await prepareCache({ cacheDir: dir, splits, size: SIZE, shardSize: 4, workers: 0 });
    const again = await prepareCache({
      cacheDir: dir,
      splits,
      size: SIZE,
      shardSize: 4,
      workers: 0,
    });
    expect(again.status).toBe('reused');
    const fingerprint = again.index.fingerprint;

    // Another size, filter or policy is another cache: rebuilt, never reused.
    const bigger = await prepareCache({
      cacheDir: dir,
      splits,
      size: SIZE + 8,
      shardSize: 4,
      workers: 0,
    });
    expect(bigger.status).toBe('built');
    expect(bigger.discarded).toMatch(/fingerprint/);
    expect(bigger.index.fingerprint).not.toBe(fingerprint);
    const frontal = {
      train: await loadDataset({ csv: files.train, roots: [data], filters: { frontalOnly: true } }),
    };
    const f = await prepareCache({
      cacheDir: dir,
      splits: frontal,
      size: SIZE + 8,
      shardSize: 4,
      workers: 0,
    });
    expect(f.status).toBe('built');
    const ignore = {
      train: await loadDataset({ csv: files.train, roots: [data], policy: 'ignore' }),
    };
    const g = await prepareCache({
      cacheDir: dir,
      splits: ignore,
      size: SIZE + 8,
      shardSize: 4,
      workers: 0,
    });
    expect(g.status).toBe('built');
    const cache = await openCache(dir);
    expect(Object.keys(cache.splits)).toEqual(['train']);
    expect(cache.splits.train!.mask).toBeDefined();
    expect(existsSync(join(dir, 'valid-00000.bin'))).toBe(false); // old files removed
    await expect(openCache(dir, { expectFingerprint: fingerprint })).rejects.toThrow(/fingerprint/);
    await cache.close();
  });

  it('resumes an interrupted prepare, keeping completed shards', async () => {
    const dir = tempDir();
    let shards = 0;
    await expect(
      prepareCache({
        cacheDir: dir,
        splits,
        size: SIZE,
        shardSize: 4,
        workers: 0,
        onProgress: () => {
          if (++shards === 2) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    await expect(openCache(dir)).rejects.toThrow(/did not finish/);
    const first = readFileSync(join(dir, 'train-00000.bin'));
    const resumed = await prepareCache({
      cacheDir: dir,
      splits,
      size: SIZE,
      shardSize: 4,
      workers: 0,
    });
    expect(resumed.status).toBe('resumed');
    expect(resumed.shardsKept).toBe(2);
    expect(readFileSync(join(dir, 'train-00000.bin')).equals(first)).toBe(true);
    const fresh = tempDir();
    await prepareCache({ cacheDir: fresh, splits, size: SIZE, shardSize: 4, workers: 0 });
    const [resumedCache, freshCache] = [await openCache(dir), await openCache(fresh)];
    const a = await resumedCache.splitArrays('train');
    const b = await freshCache.splitArrays('train');
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    await Promise.all([resumedCache.close(), freshCache.close()]);
  });

  it('an interrupted prepare of other data is discarded, not resumed', async () => {
    const dir = tempDir();
    await expect(
      prepareCache({
        cacheDir: dir,
        splits,
        size: SIZE,
        shardSize: 4,
        workers: 0,
        onProgress: () => {
          throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    const r = await prepareCache({
      cacheDir: dir,
      splits,
      size: SIZE + 4,
      shardSize: 4,
      workers: 0,
    });
    expect(r.status).toBe('built');
    expect(r.shardsKept).toBe(0);
  });

  it('throws RangeError for bad splits before touching the cache folder', async () => {
    const dir = tempDir();
    const built = await prepareCache({ cacheDir: dir, splits, size: SIZE, workers: 0 });
    const other = { ...splits.valid!, labelSet: 'flat14' } as Dataset;
    const cases: [Record<string, Dataset>, RegExp][] = [
      [{}, /prepareCache: no splits given/],
      [{ 'train-2': splits.train! }, /split name "train-2" must be \[A-Za-z0-9_\]\+/],
      [{ train: splits.train!, valid: other }, /split "valid" uses another label set or policy/],
    ];
    for (const [bad, message] of cases) {
      const call = () => prepareCache({ cacheDir: dir, splits: bad, size: SIZE, workers: 0 });
      await expect(call()).rejects.toBeInstanceOf(RangeError);
      await expect(call()).rejects.toThrow(message);
    }
    // The cache built before is still there, whole.
    const again = await prepareCache({ cacheDir: dir, splits, size: SIZE, workers: 0 });
    expect(again.status).toBe('reused');
    expect(again.index.fingerprint).toBe(built.index.fingerprint);
  });

  it('a truncated shard or missing index is a clear error', async () => {
    const dir = tempDir();
    const r = await prepareCache({ cacheDir: dir, splits, size: SIZE, shardSize: 4, workers: 0 });
    truncateSync(join(dir, r.index.splits.train!.shards[1]!.file), 100);
    await expect(openCache(dir)).rejects.toThrow(/train-00001\.bin: shard missing or truncated/);
    await expect(openCache(tempDir())).rejects.toThrow(CacheError);
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ ...r.index, formatVersion: 99 }));
    await expect(openCache(dir)).rejects.toThrow(/cache format 99/);
  });
});

describe('batches', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    await prepareCache({ cacheDir: dir, splits, size: SIZE, shardSize: 4, workers: 0 });
  });

  it('augmented batches use the sums stored in the shards: the same values as computing them', async () => {
    const cache = await openCache(dir);
    const n = cache.splits.train!.count;
    const indices = Array.from({ length: n }, (_, i) => n - 1 - i);
    const got = await cache.loadBatch('train', indices, { seed: 5, epoch: 3 });
    const plain = await cache.loadBatch('train', indices);
    const px = SIZE * SIZE;
    for (let k = 0; k < n; k++) {
      // The unaugmented batch holds x/255 of the stored bytes (gray, replicated): recover them.
      const bytes = Uint8Array.from({ length: px }, (_, p) =>
        Math.round(plain.images[(k * px + p) * 3]! * 255),
      );
      const want = new Float32Array(px * 3);
      toModelInput(bytes, 1, SIZE, SIZE, want, 0, augmentParams(5, 3, indices[k]!));
      expect(Array.from(got.images.subarray(k * px * 3, (k + 1) * px * 3))).toEqual(
        Array.from(want),
      );
    }
    await cache.close();
  });

  it('train: seeded per-epoch shuffle covering each image once; valid: in order', async () => {
    const cache = await openCache(dir);
    const n = cache.splits.train!.count;
    const order = async (epoch: number, seed = 1) => {
      const seen: number[] = [];
      for await (const b of cache.batchArrays({ split: 'train', batchSize: 5, seed, epoch }))
        seen.push(...b.indices);
      return seen;
    };
    const e0 = await order(0);
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(await order(0)).toEqual(e0);
    expect(await order(1)).not.toEqual(e0);
    expect(await order(0, 2)).not.toEqual(e0);
    const valid: number[] = [];
    for await (const b of cache.batchArrays({ split: 'valid', batchSize: 2 }))
      valid.push(...b.indices);
    expect(valid).toEqual(Array.from({ length: cache.splits.valid!.count }, (_, i) => i));
    const dropped: number[] = [];
    for await (const b of cache.batchArrays({ split: 'train', batchSize: 5, dropRemainder: true }))
      dropped.push(b.indices.length);
    expect(dropped.every((k) => k === 5)).toBe(true);
    expect(dropped.length).toBe(Math.floor(n / 5));
    await cache.close();
  });

  it('tensors: [B,H,W,3] float32 images, labels and masks; augmentation only when asked', async () => {
    const cache = await openCache(dir);
    const plain = await cache.loadBatch('train', [3, 0]);
    let first = true;
    for await (const b of cache.batches({ split: 'train', batchSize: 4, shuffle: false })) {
      if (first) {
        expect(b.x.shape).toEqual([4, SIZE, SIZE, 3]);
        expect(b.x.dtype).toBe('float32');
        expect(b.y.shape).toEqual([4, 21]);
        expect(b.mask).toBeUndefined();
        const x = await b.x.data();
        expect(Array.from(x.subarray(0, SIZE * SIZE * 3))).toEqual(
          Array.from(plain.images.subarray(SIZE * SIZE * 3)),
        );
        first = false;
      }
      b.dispose();
    }
    // Augmented batch = plain batch augmented with the same (seed, epoch, index) draws.
    const [aug] = await take(
      cache.batchArrays({
        split: 'train',
        batchSize: 2,
        shuffle: false,
        augment: true,
        seed: 9,
        epoch: 4,
      }),
    );
    const base = await cache.loadBatch('train', [0, 1]);
    augmentBatch(base.images, base.shape, [0, 1], 9, 4);
    expect(Array.from(aug!.images)).toEqual(Array.from(base.images));
    expect(Array.from(aug!.images)).not.toEqual(
      Array.from((await cache.loadBatch('train', [0, 1])).images),
    );
    await cache.close();
  });

  it('stopping early leaves no work behind; bad arguments are errors', async () => {
    const cache = await openCache(dir);
    for await (const b of cache.batches({ split: 'train', batchSize: 2 })) {
      b.dispose();
      break;
    }
    await expect(take(cache.batchArrays({ split: 'nope', batchSize: 2 }))).rejects.toThrow(
      /no split "nope"/,
    );
    await expect(take(cache.batchArrays({ split: 'train', batchSize: 0 }))).rejects.toThrow(
      /batchSize/,
    );
    await expect(cache.loadBatch('train', [10_000])).rejects.toThrow(/out of range/);
    await cache.close();
  });
});

async function take<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}
