import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@cihmlc/internal/node';
import type { BlankPolicy, LabelMatrix, LabelSet, UncertaintyPolicy } from '@cihmlc/taxonomy';
import { channelSums } from './augment.js';
import type { Dataset } from './dataset.js';
import { DecodePool, type DecodePoolOptions } from './decode-pool.js';
import type { ResizedImage } from './image.js';

/** Bumped whenever the on-disk layout changes; part of the fingerprint. */
export const CACHE_FORMAT_VERSION = 2;

/**
 * A shard file: a 16-byte header (magic, image count, size, channels; uint32 LE), the images
 * (uint8 [count, size, size, channels]), then each image's channelSums (float64 LE [count,
 * channels]: the contrast augmentation's per-channel sums, so batches need not recompute them).
 */
export const SHARD_MAGIC = 'CXS2';
export const SHARD_HEADER_BYTES = 16;

/** Where a shard's sums start, and its total length in bytes. */
export function shardLayout(
  count: number,
  size: number,
  channels: number,
): { sumsOffset: number; bytes: number } {
  const sumsOffset = SHARD_HEADER_BYTES + count * size * size * channels;
  return { sumsOffset, bytes: sumsOffset + count * channels * 8 };
}

export interface CacheShard {
  file: string;
  count: number;
  /** 1 when every image of the shard is grayscale, else 3. */
  channels: 1 | 3;
}

export interface CacheSplitIndex {
  count: number;
  shardSize: number;
  shards: CacheShard[];
  /** Float32 little-endian [count, cols] label matrix. */
  labels: string;
  /** Same layout; present when labels are masked. */
  mask?: string;
  /** JSON array of the CSV paths, in cache order. */
  paths: string;
}

export interface CacheIndex {
  formatVersion: number;
  fingerprint: string;
  size: number;
  labelSet: LabelSet;
  policy: UncertaintyPolicy;
  blank: BlankPolicy;
  outputLabels: string[];
  splits: Record<string, CacheSplitIndex>;
}

export interface PrepareCacheOptions extends DecodePoolOptions {
  cacheDir: string;
  /** Datasets by split name (e.g. { train, valid, test }), all with the same label set. */
  splits: Record<string, Dataset>;
  /** Square side in pixels (default 320). */
  size?: number;
  /** Images per shard file (default 256). */
  shardSize?: number;
  /** Called after each shard; throwing from it interrupts the prepare (it resumes next time). */
  onProgress?: (progress: { split: string; shard: number; shards: number; images: number }) => void;
}

export interface PrepareCacheResult {
  index: CacheIndex;
  /** 'reused': complete and matching; 'resumed': some shards kept; 'built': from scratch. */
  status: 'reused' | 'resumed' | 'built';
  /** Why an existing cache was discarded, if it was. */
  discarded?: string;
  shardsWritten: number;
  shardsKept: number;
}

const INDEX_FILE = 'index.json';
const PROGRESS_FILE = 'prepare.json';

function labelsSignature(m: LabelMatrix | undefined): string {
  if (!m) return 'none';
  return createHash('sha256')
    .update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength))
    .digest('hex');
}

/**
 * The cache identity: format version, size, shard size, label set, policies, output labels and,
 * per split, the CSV, filters, image paths, resolved files and label values. Any change gives
 * another fingerprint and a rebuild. (Image file contents are not hashed: replace a file under
 * the same name and you must delete the cache yourself.)
 */
export function cacheFingerprint(
  splits: Record<string, Dataset>,
  size: number,
  shardSize: number,
): string {
  const first = Object.values(splits)[0];
  if (!first) throw new RangeError('prepareCache: no splits given');
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      formatVersion: CACHE_FORMAT_VERSION,
      size,
      shardSize,
      labelSet: first.labelSet,
      policy: first.policy,
      blank: first.blank,
      outputLabels: first.outputLabels,
    }),
  );
  for (const name of Object.keys(splits).sort()) {
    const ds = splits[name]!;
    if (ds.labelSet !== first.labelSet || ds.policy !== first.policy || ds.blank !== first.blank) {
      throw new RangeError(
        `prepareCache: split "${name}" uses another label set or policy than the others`,
      );
    }
    h.update(
      JSON.stringify({ name, csv: ds.csvFile, filters: ds.filters, count: ds.paths.length }),
    );
    for (let i = 0; i < ds.paths.length; i++) h.update(`${ds.paths[i]}\0${ds.files[i]}\n`);
    h.update(labelsSignature(ds.labels));
    h.update(labelsSignature(ds.mask));
  }
  return h.digest('hex');
}

function shardHeader(count: number, size: number, channels: number): Buffer {
  const b = Buffer.alloc(SHARD_HEADER_BYTES);
  b.write(SHARD_MAGIC, 0, 'ascii');
  b.writeUInt32LE(count, 4);
  b.writeUInt32LE(size, 8);
  b.writeUInt32LE(channels, 12);
  return b;
}

/** The header of an existing complete shard, or undefined when absent/short/corrupt. */
function readShardHeader(
  file: string,
  count: number,
  size: number,
): { channels: 1 | 3 } | undefined {
  if (!existsSync(file)) return undefined;
  const buf = readFileSync(file).subarray(0, SHARD_HEADER_BYTES);
  if (buf.length < SHARD_HEADER_BYTES || buf.toString('ascii', 0, 4) !== SHARD_MAGIC)
    return undefined;
  const channels = buf.readUInt32LE(12);
  if (
    buf.readUInt32LE(4) !== count ||
    buf.readUInt32LE(8) !== size ||
    (channels !== 1 && channels !== 3)
  )
    return undefined;
  if (statSync(file).size !== shardLayout(count, size, channels).bytes) return undefined;
  return { channels };
}

/** Removes everything this cache format writes (and stale temp files), nothing else. */
async function clearCacheFiles(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (
      /^(index\.json|prepare\.json|.+-\d{5}\.bin|.+\.(labels|mask)\.f32|.+\.paths\.json)(\.tmp-.*)?$/.test(
        name,
      )
    ) {
      await rm(join(dir, name), { force: true });
    }
  }
}

function floatBytes(m: LabelMatrix): Buffer {
  return Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
}

/** Shards of one split: decodes (in the pool) and writes each missing shard atomically. */
async function writeSplitShards(
  pool: DecodePool,
  dir: string,
  name: string,
  ds: Dataset,
  size: number,
  shardSize: number,
  opts: PrepareCacheOptions,
  tally: { written: number; kept: number },
): Promise<CacheShard[]> {
  const count = ds.files.length;
  const nShards = Math.ceil(count / shardSize);
  const shards: CacheShard[] = [];
  const inFlight = Math.max(2, pool.workers * 4);
  for (let s = 0; s < nShards; s++) {
    const start = s * shardSize;
    const n = Math.min(shardSize, count - start);
    const file = `${name}-${String(s).padStart(5, '0')}.bin`;
    const existing = readShardHeader(join(dir, file), n, size);
    if (existing) {
      shards.push({ file, count: n, channels: existing.channels });
      tally.kept++;
    } else {
      const images: ResizedImage[] = new Array(n);
      let next = 0;
      const runner = async () => {
        while (next < n) {
          const k = next++;
          const path = ds.files[start + k]!;
          try {
            images[k] = await pool.decode(path, size);
          } catch (err) {
            throw new Error(
              `prepareCache: ${name} image ${start + k} (${path}): ${err instanceof Error ? err.message : err}`,
            );
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(inFlight, n) }, runner));
      const channels: 1 | 3 = images.every((im) => im.channels === 1) ? 1 : 3;
      const px = size * size;
      const body = Buffer.alloc(n * px * channels);
      images.forEach((im, k) => {
        if (im.channels === channels) body.set(im.data, k * px * channels);
        else
          for (let i = 0; i < px; i++)
            body.fill(im.data[i]!, (k * px + i) * 3, (k * px + i) * 3 + 3);
      });
      const sums = new Float64Array(n * channels);
      for (let k = 0; k < n; k++)
        channelSums(
          body.subarray(k * px * channels, (k + 1) * px * channels),
          channels,
          sums.subarray(k * channels, (k + 1) * channels),
        );
      const sumBytes = Buffer.alloc(sums.length * 8);
      for (let i = 0; i < sums.length; i++) sumBytes.writeDoubleLE(sums[i]!, i * 8);
      await writeFileAtomic(
        join(dir, file),
        Buffer.concat([shardHeader(n, size, channels), body, sumBytes]),
      );
      shards.push({ file, count: n, channels });
      tally.written++;
    }
    opts.onProgress?.({ split: name, shard: s + 1, shards: nShards, images: start + n });
  }
  return shards;
}

/**
 * Writes the resized images of every split once into sharded uint8 files plus an index (see
 * README "Cache format"). A complete cache with the same fingerprint is reused; one with another
 * fingerprint is deleted and rebuilt; an interrupted prepare with the same fingerprint resumes,
 * keeping its completed shards.
 */
export async function prepareCache(opts: PrepareCacheOptions): Promise<PrepareCacheResult> {
  const size = opts.size ?? 320;
  const shardSize = opts.shardSize ?? 256;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size: expected a positive integer, got ${size}`);
  // Checked before the cache folder is touched: a bad name must not cost an existing cache.
  for (const name of Object.keys(opts.splits)) {
    if (!/^[A-Za-z0-9_]+$/.test(name))
      throw new RangeError(
        `prepareCache: split name ${JSON.stringify(name)} must be [A-Za-z0-9_]+`,
      );
  }
  const dir = opts.cacheDir;
  await mkdir(dir, { recursive: true });
  const fingerprint = cacheFingerprint(opts.splits, size, shardSize);
  let discarded: string | undefined;
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath)) {
    const old = JSON.parse(await readFile(indexPath, 'utf8')) as CacheIndex;
    if (old.fingerprint === fingerprint && old.formatVersion === CACHE_FORMAT_VERSION) {
      return { index: old, status: 'reused', shardsWritten: 0, shardsKept: 0 };
    }
    discarded = `fingerprint ${String(old.fingerprint).slice(0, 12)} does not match ${fingerprint.slice(0, 12)}`;
  }
  const progressPath = join(dir, PROGRESS_FILE);
  const progress = existsSync(progressPath)
    ? (JSON.parse(await readFile(progressPath, 'utf8')) as { fingerprint: string })
    : undefined;
  if (discarded || (progress && progress.fingerprint !== fingerprint)) {
    discarded ??= 'interrupted prepare of another dataset or configuration';
    await clearCacheFiles(dir);
  } else if (!progress) {
    await clearCacheFiles(dir); // stray shards without a progress marker are not trusted
  }
  await writeFileAtomic(
    progressPath,
    JSON.stringify({ fingerprint, formatVersion: CACHE_FORMAT_VERSION }),
  );

  const first = Object.values(opts.splits)[0]!;
  const index: CacheIndex = {
    formatVersion: CACHE_FORMAT_VERSION,
    fingerprint,
    size,
    labelSet: first.labelSet,
    policy: first.policy,
    blank: first.blank,
    outputLabels: first.outputLabels,
    splits: {},
  };
  const tally = { written: 0, kept: 0 };
  const pool = new DecodePool(opts);
  try {
    for (const [name, ds] of Object.entries(opts.splits)) {
      const split: CacheSplitIndex = {
        count: ds.files.length,
        shardSize,
        shards: [],
        labels: `${name}.labels.f32`,
        paths: `${name}.paths.json`,
      };
      await writeFileAtomic(join(dir, split.labels), floatBytes(ds.labels));
      if (ds.mask) {
        split.mask = `${name}.mask.f32`;
        await writeFileAtomic(join(dir, split.mask), floatBytes(ds.mask));
      }
      await writeFileAtomic(join(dir, split.paths), JSON.stringify(ds.paths));
      split.shards = await writeSplitShards(pool, dir, name, ds, size, shardSize, opts, tally);
      index.splits[name] = split;
    }
  } finally {
    await pool.close();
  }
  await writeFileAtomic(indexPath, `${JSON.stringify(index, null, 1)}\n`);
  await rm(progressPath, { force: true });
  const result: PrepareCacheResult = {
    index,
    status: tally.kept > 0 ? 'resumed' : 'built',
    shardsWritten: tally.written,
    shardsKept: tally.kept,
  };
  if (discarded) result.discarded = discarded;
  return result;
}
