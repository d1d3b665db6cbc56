import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelMatrix, LabelSet } from '@cihmlc/taxonomy';
import type * as tfTypes from '@tensorflow/tfjs';
import {
  type AugmentConfig,
  type AugmentParams,
  augmentParams,
  DEFAULT_AUGMENT,
  modelInputBatch,
  type RawBatch,
} from './augment.js';
import { CACHE_FORMAT_VERSION, type CacheIndex, SHARD_HEADER_BYTES, shardLayout } from './cache.js';
import { hashSeed, permutation } from './random.js';

export interface CachedSplit {
  count: number;
  /** [count, outputs] labels in cache order. */
  labels: LabelMatrix;
  mask?: LabelMatrix;
  /** CSV paths in cache order (index i of a batch refers to paths[i]). */
  paths: string[];
}

export interface BatchOptions {
  split: string;
  batchSize: number;
  /** Shuffle and augmentation seed (default 2408). */
  seed?: number;
  /** Epoch number: a new shuffle and new augmentation draws per epoch. */
  epoch?: number;
  /** Default: true for the split named 'train', false otherwise. */
  shuffle?: boolean;
  /** Training augmentation (method-notes §4). Default false; never use it for valid/test. */
  augment?: boolean | AugmentConfig;
  /** Drop a last, smaller batch (default false). */
  dropRemainder?: boolean;
}

/** Plain arrays of one batch: images [n, size, size, 3] in [0, 1], labels [n, outputs]. */
export interface BatchArrays {
  indices: Int32Array;
  images: Float32Array;
  shape: [number, number, number, number];
  labels: Float32Array;
  mask?: Float32Array;
  /**
   * Optional: hands the memory of `images` back to the cache for a later batch (a batch of
   * 320×320 images is tens of MB; reusing it instead of allocating fresh memory roughly doubles
   * the cache's speed). Call it when done with the batch and use `images` no more afterwards.
   */
  release(): void;
}

/** One batch as tensors; the caller owns them (call dispose()). */
export interface TensorBatch {
  indices: Int32Array;
  /** float32 [B, size, size, 3]. */
  x: tfTypes.Tensor4D;
  /** float32 [B, outputs]. */
  y: tfTypes.Tensor2D;
  /** float32 [B, outputs], 1 = label counts; present when the cache has masked labels. */
  mask?: tfTypes.Tensor2D;
  dispose(): void;
  /**
   * dispose(), and hand the memory of x back to the cache for a later batch when TF.js holds
   * it no longer (the cpu backend keeps the array it was given). Only when nothing made from x
   * is used afterwards: the cpu backend's slices and dataSync() arrays can share x's memory.
   */
  release(): void;
}

export interface Cache {
  dir: string;
  index: CacheIndex;
  size: number;
  labelSet: LabelSet;
  /** Output label names, the columns of labels and masks (the name Dataset and Taxonomy use). */
  outputLabels: string[];
  splits: Record<string, CachedSplit>;
  /** Reads images by index into float32 [n, size, size, 3] (and their labels). */
  loadBatch(
    split: string,
    indices: ArrayLike<number>,
    augment?: { seed: number; epoch: number; config?: AugmentConfig },
  ): Promise<BatchArrays>;
  /** Batches as tensors, with the next batch read while the current one is used. */
  batches(opts: BatchOptions): AsyncGenerator<TensorBatch>;
  /** The same batches as plain arrays (no TF.js needed). */
  batchArrays(opts: BatchOptions): AsyncGenerator<BatchArrays>;
  /** A whole split, in order, unaugmented (evaluation). Memory: count × size² × 3 × 4 bytes. */
  splitArrays(split: string): Promise<BatchArrays>;
  splitTensors(split: string): Promise<Omit<TensorBatch, 'indices'> & { indices: Int32Array }>;
  close(): Promise<void>;
}

export interface OpenCacheOptions {
  /** Refuse a cache whose fingerprint differs (a cache of other data). */
  expectFingerprint?: string;
  /** Shard files kept open at most (default 64). */
  maxOpenFiles?: number;
}

export class CacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheError';
  }
}

let tfModule: Promise<typeof tfTypes> | undefined;
/** TF.js is a peer dependency, loaded only when tensors are asked for. */
function loadTf(): Promise<typeof tfTypes> {
  tfModule ??= import('@tensorflow/tfjs');
  return tfModule;
}

/**
 * Batch memory for reuse: ArrayBuffers by byte length. New ones are not zero-filled (every byte
 * of a batch gets written): for tens of MB a batch, fresh memory (zeroing, page faults, garbage
 * collection) costs as much as converting the pixels.
 */
class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  constructor(private readonly keep: number) {}

  take(bytes: number): ArrayBuffer {
    return this.free.get(bytes)?.pop() ?? (Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer);
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0) return;
    let list = this.free.get(buffer.byteLength);
    if (!list) {
      list = [];
      this.free.set(buffer.byteLength, list);
    }
    if (list.length < this.keep && !list.includes(buffer)) list.push(buffer);
  }

  clear(): void {
    this.free.clear();
  }
}

function readMatrix(file: string, rows: number): LabelMatrix {
  const b = readFileSync(file);
  // Copy into a fresh ArrayBuffer: Node's pooled Buffers may be unaligned for Float32Array.
  const data = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return { rows, cols: rows === 0 ? 0 : data.length / rows, data };
}

/**
 * Opens a cache written by prepareCache. Checks the format version, that the prepare finished,
 * and that every shard file has its full length; `expectFingerprint` guards against opening a
 * cache of other data.
 */
export async function openCache(dir: string, opts: OpenCacheOptions = {}): Promise<Cache> {
  const indexPath = join(dir, 'index.json');
  if (!existsSync(indexPath)) {
    throw new CacheError(
      existsSync(join(dir, 'prepare.json'))
        ? `${dir}: cache prepare did not finish (run prepare again to resume)`
        : `${dir}: no cache here (index.json missing)`,
    );
  }
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as CacheIndex;
  if (index.formatVersion !== CACHE_FORMAT_VERSION) {
    throw new CacheError(
      `${indexPath}: cache format ${index.formatVersion}, this package reads ${CACHE_FORMAT_VERSION}; prepare it again`,
    );
  }
  if (opts.expectFingerprint !== undefined && opts.expectFingerprint !== index.fingerprint) {
    throw new CacheError(
      `${indexPath}: fingerprint ${index.fingerprint.slice(0, 12)} is not the expected ${opts.expectFingerprint.slice(0, 12)}`,
    );
  }
  const size = index.size;
  const px = size * size;
  const splits: Record<string, CachedSplit> = {};
  // Each image's channelSums at [3i, 3i + channels), from the shards' trailers.
  const sumsBySplit: Record<string, Float64Array> = {};
  for (const [name, s] of Object.entries(index.splits)) {
    const sums = new Float64Array(s.count * 3);
    s.shards.forEach((shard, shardNo) => {
      const file = join(dir, shard.file);
      const { sumsOffset, bytes: expected } = shardLayout(shard.count, size, shard.channels);
      if (!existsSync(file) || statSync(file).size !== expected) {
        throw new CacheError(
          `${file}: shard missing or truncated (expected ${expected} bytes); prepare the cache again`,
        );
      }
      const trailer = Buffer.alloc(shard.count * shard.channels * 8);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, trailer, 0, trailer.length, sumsOffset);
      } finally {
        closeSync(fd);
      }
      const first = shardNo * s.shardSize;
      for (let k = 0; k < shard.count; k++)
        for (let c = 0; c < shard.channels; c++)
          sums[(first + k) * 3 + c] = trailer.readDoubleLE((k * shard.channels + c) * 8);
    });
    sumsBySplit[name] = sums;
    const split: CachedSplit = {
      count: s.count,
      labels: readMatrix(join(dir, s.labels), s.count),
      paths: JSON.parse(await readFile(join(dir, s.paths), 'utf8')) as string[],
    };
    if (s.mask) split.mask = readMatrix(join(dir, s.mask), s.count);
    splits[name] = split;
  }

  // Open shard handles lazily, keeping at most maxOpenFiles (least recently used closed first).
  const maxOpen = opts.maxOpenFiles ?? 64;
  const handles = new Map<string, Promise<FileHandle>>();
  const handle = (file: string): Promise<FileHandle> => {
    let h = handles.get(file);
    if (h) {
      handles.delete(file);
      handles.set(file, h);
      return h;
    }
    h = open(join(dir, file), 'r');
    handles.set(file, h);
    if (handles.size > maxOpen) {
      const [oldest, p] = handles.entries().next().value as [string, Promise<FileHandle>];
      handles.delete(oldest);
      // Let reads already started on it finish before closing.
      setTimeout(() => void p.then((fh) => fh.close()).catch(() => {}), 1000);
    }
    return h;
  };

  // Raw bytes are reused as soon as converted; images when the caller releases its batch.
  const memory = new BufferPool(4);

  const splitOf = (name: string) => {
    const s = index.splits[name];
    const c = splits[name];
    if (!s || !c)
      throw new CacheError(
        `${dir}: no split "${name}" (have ${Object.keys(index.splits).join(', ')})`,
      );
    return { s, c };
  };

  const loadBatch: Cache['loadBatch'] = async (name, indices, augment) => {
    const { s, c } = splitOf(name);
    const n = indices.length;
    const idx = Int32Array.from(indices as ArrayLike<number>);
    // Raw bytes of the batch, image after image (px × its shard's channels each), so that images
    // next to each other in a shard are one read.
    const rawOffsets = new Float64Array(n + 1);
    const channels = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const i = idx[k]!;
      if (!(i >= 0 && i < s.count)) {
        throw new RangeError(`split "${name}": index ${i} out of range 0..${s.count - 1}`);
      }
      channels[k] = s.shards[Math.floor(i / s.shardSize)]!.channels;
      rawOffsets[k + 1] = rawOffsets[k]! + px * channels[k]!;
    }
    const raw = new Uint8Array(memory.take(rawOffsets[n]!));
    const reads: Promise<void>[] = [];
    for (let k = 0; k < n; ) {
      const first = idx[k]!;
      const shardNo = Math.floor(first / s.shardSize);
      let end = k + 1;
      while (
        end < n &&
        idx[end] === idx[end - 1]! + 1 &&
        Math.floor(idx[end]! / s.shardSize) === shardNo
      )
        end++;
      const shard = s.shards[shardNo]!;
      const start = rawOffsets[k]!;
      const bytes = rawOffsets[end]! - start;
      const position = SHARD_HEADER_BYTES + (first % s.shardSize) * px * shard.channels;
      reads.push(
        handle(shard.file).then(async (fh) => {
          let done = 0;
          while (done < bytes) {
            const { bytesRead } = await fh.read(raw, start + done, bytes - done, position + done);
            if (bytesRead === 0)
              throw new CacheError(`${shard.file}: short read for image ${first}`);
            done += bytesRead;
          }
        }),
      );
      k = end;
    }
    // All reads finish (they write into raw) before raw is reused on an error.
    const failed = (await Promise.allSettled(reads)).find((r) => r.status === 'rejected');
    if (failed) {
      memory.give(raw.buffer as ArrayBuffer);
      throw failed.reason;
    }
    const config = augment ? (augment.config ?? DEFAULT_AUGMENT) : undefined;
    const params: AugmentParams[] | undefined = augment
      ? Array.from(idx, (i) => augmentParams(augment.seed, augment.epoch, i, config))
      : undefined;
    const out = new Float32Array(memory.take(n * px * 3 * 4));
    const batch: RawBatch = { raw, offsets: rawOffsets, channels, size, out };
    if (params) {
      batch.params = params;
      const splitSums = sumsBySplit[name]!;
      const sums = new Float64Array(n * 3);
      for (let k = 0; k < n; k++) sums.set(splitSums.subarray(idx[k]! * 3, idx[k]! * 3 + 3), k * 3);
      batch.sums = sums;
    }
    const images = modelInputBatch(batch);
    memory.give(raw.buffer as ArrayBuffer);
    const shape: [number, number, number, number] = [n, size, size, 3];
    const cols = c.labels.cols;
    const labels = new Float32Array(n * cols);
    const mask = c.mask ? new Float32Array(n * cols) : undefined;
    idx.forEach((i, k) => {
      labels.set(c.labels.data.subarray(i * cols, (i + 1) * cols), k * cols);
      mask?.set(c.mask!.data.subarray(i * cols, (i + 1) * cols), k * cols);
    });
    let released = false;
    const result: BatchArrays = {
      indices: idx,
      images,
      shape,
      labels,
      release() {
        if (released) return;
        released = true;
        memory.give(images.buffer as ArrayBuffer);
      },
    };
    if (mask) result.mask = mask;
    return result;
  };

  async function* batchArrays(o: BatchOptions): AsyncGenerator<BatchArrays> {
    const { s } = splitOf(o.split);
    if (!(Number.isInteger(o.batchSize) && o.batchSize > 0))
      throw new RangeError(`batchSize: expected a positive integer, got ${o.batchSize}`);
    const seed = o.seed ?? 2408;
    const epoch = o.epoch ?? 0;
    const shuffle = o.shuffle ?? o.split === 'train';
    const order = shuffle
      ? permutation(s.count, hashSeed(seed, epoch, 0x5348))
      : Uint32Array.from({ length: s.count }, (_, i) => i);
    const nBatches = o.dropRemainder
      ? Math.floor(s.count / o.batchSize)
      : Math.ceil(s.count / o.batchSize);
    const augment = o.augment
      ? { seed, epoch, config: o.augment === true ? DEFAULT_AUGMENT : o.augment }
      : undefined;
    const load = (b: number) =>
      loadBatch(
        o.split,
        order.subarray(b * o.batchSize, Math.min(s.count, (b + 1) * o.batchSize)),
        augment,
      );
    // One batch in flight ahead of the one being used: bounded memory, overlapped reads.
    const start = (b: number) => {
      const p = load(b);
      p.catch(() => undefined); // its error surfaces when awaited, never as unhandled
      return p;
    };
    let next: Promise<BatchArrays> | undefined = nBatches > 0 ? start(0) : undefined;
    try {
      for (let b = 0; b < nBatches; b++) {
        const current: BatchArrays = await next!;
        next = b + 1 < nBatches ? start(b + 1) : undefined;
        yield current;
      }
    } finally {
      if (next) await next.catch(() => undefined);
    }
  }

  const toTensors = (tf: typeof tfTypes, a: BatchArrays): TensorBatch => {
    const cols = a.labels.length / a.shape[0] || 0;
    const x = tf.tensor4d(a.images, a.shape, 'float32');
    const y = tf.tensor2d(a.labels, [a.shape[0], cols], 'float32');
    const mask = a.mask ? tf.tensor2d(a.mask, [a.shape[0], cols], 'float32') : undefined;
    const batch: TensorBatch = {
      indices: a.indices,
      x,
      y,
      dispose() {
        x.dispose();
        y.dispose();
        mask?.dispose();
      },
      release() {
        batch.dispose();
        // Reused only once no tensor or backend refers to x's data any more.
        if (!tf.engine().state.tensorInfo.has(x.dataId)) a.release();
      },
    };
    if (mask) batch.mask = mask;
    return batch;
  };

  async function* batches(o: BatchOptions): AsyncGenerator<TensorBatch> {
    const tf = await loadTf();
    for await (const a of batchArrays(o)) yield toTensors(tf, a);
  }

  return {
    dir,
    index,
    size,
    labelSet: index.labelSet,
    outputLabels: index.outputLabels,
    splits,
    loadBatch,
    batches,
    batchArrays,
    splitArrays: (name) =>
      loadBatch(
        name,
        Uint32Array.from({ length: splitOf(name).s.count }, (_, i) => i),
      ),
    splitTensors: async (name) => {
      const tf = await loadTf();
      return toTensors(
        tf,
        await loadBatch(
          name,
          Uint32Array.from({ length: splitOf(name).s.count }, (_, i) => i),
        ),
      );
    },
    async close() {
      memory.clear();
      const all = [...handles.values()];
      handles.clear();
      await Promise.all(all.map((p) => p.then((fh) => fh.close()).catch(() => undefined)));
    },
  };
}
