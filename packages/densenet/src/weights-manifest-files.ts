import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@cihmlc/internal/node';
import * as tf from '@tensorflow/tfjs';

/**
 * Reading and writing a TF.js manifest file (model.json or a weights-only manifest) together with
 * its binary weight shards, on node:fs.
 *
 * Writes are atomic from a reader's point of view: shards get names unique to this save and are
 * renamed into place first; the manifest, the commit point, is written to a temp file and renamed
 * last; only then are the shards of the previous save removed. A reader sees the old complete
 * manifest or the new complete one, never a half-written one.
 */

/** Default shard size, as tensorflowjs_converter writes them. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

type Dtype = tf.io.WeightsManifestEntry['dtype'];

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
};
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** A parsed manifest file with its weights read from disk. */
export interface ManifestWithWeights {
  /** Absolute path of the manifest file (for error messages). */
  file: string;
  /** Every top-level field of the JSON file, untouched. */
  json: Record<string, unknown>;
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shard paths a manifest file lists, or none if it is absent or unreadable. */
async function previousShardPaths(manifestFile: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(manifestFile, 'utf8');
  } catch {
    return [];
  }
  try {
    const json: unknown = JSON.parse(text);
    if (!isRecord(json) || !Array.isArray(json.weightsManifest)) return [];
    return json.weightsManifest.flatMap((group: unknown) =>
      isRecord(group) && Array.isArray(group.paths)
        ? group.paths.filter((p): p is string => typeof p === 'string')
        : [],
    );
  } catch {
    return [];
  }
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Writes `manifestName` in `dir` with `fields` plus a `weightsManifest` of one weight group, and
 * the weight bytes split into shards of at most `shardBytes`.
 */
export async function writeManifestWithWeights(
  dir: string,
  manifestName: string,
  fields: Record<string, unknown>,
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  shardBytes = DEFAULT_SHARD_BYTES,
): Promise<void> {
  if (!Number.isInteger(shardBytes) || shardBytes < 1) {
    throw new RangeError(`shardBytes must be a positive integer, got ${shardBytes}`);
  }
  await fs.mkdir(dir, { recursive: true });
  const manifestFile = path.join(dir, manifestName);
  const stale = await previousShardPaths(manifestFile);

  const shardCount = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  // Unique per save, so the previous manifest's shards stay intact until the new manifest is in.
  const tag = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const paths: string[] = [];
  for (let i = 0; i < shardCount; i++) {
    const name = `group1-shard${i + 1}of${shardCount}-${tag}.bin`;
    const bytes = new Uint8Array(
      data,
      i * shardBytes,
      Math.min(shardBytes, data.byteLength - i * shardBytes),
    );
    await writeFileAtomic(path.join(dir, name), bytes, { durable: true });
    paths.push(name);
  }

  const json = { ...fields, weightsManifest: [{ paths, weights: specs }] };
  await writeFileAtomic(manifestFile, JSON.stringify(json), { durable: true });

  const kept = new Set(paths);
  for (const old of stale) {
    const oldFile = path.resolve(dir, old);
    if (!kept.has(old) && isInside(path.resolve(dir), oldFile)) {
      await fs.rm(oldFile, { force: true });
    }
  }
}

function validateSpec(entry: unknown, where: string): tf.io.WeightsManifestEntry {
  if (!isRecord(entry)) throw new Error(`${where}: expected an object`);
  if (typeof entry.name !== 'string' || entry.name === '') {
    throw new Error(`${where}.name: expected a non-empty string`);
  }
  const at = `${where} ("${entry.name}")`;
  if (
    !Array.isArray(entry.shape) ||
    !entry.shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)
  ) {
    throw new Error(`${at}.shape: expected an array of non-negative integers`);
  }
  if (typeof entry.dtype !== 'string' || !(entry.dtype in DTYPE_BYTES)) {
    throw new Error(
      `${at}.dtype: expected one of ${Object.keys(DTYPE_BYTES).join(', ')}, got ${JSON.stringify(entry.dtype)}`,
    );
  }
  if (entry.quantization !== undefined) {
    const q = entry.quantization;
    if (!isRecord(q) || typeof q.dtype !== 'string' || !(q.dtype in QUANTIZED_BYTES)) {
      throw new Error(`${at}.quantization.dtype: expected one of uint8, uint16, float16`);
    }
  }
  return entry as unknown as tf.io.WeightsManifestEntry;
}

function byteSize(spec: tf.io.WeightsManifestEntry): number {
  const elements = spec.shape.reduce((n, d) => n * d, 1);
  const perElement = spec.quantization
    ? (QUANTIZED_BYTES[spec.quantization.dtype] ?? 0)
    : (DTYPE_BYTES[spec.dtype as Dtype] ?? 0);
  return elements * perElement;
}

/** Resolves a manifest location: a .json file, or a directory holding one of `names`. */
export async function findManifestFile(
  location: string,
  names: readonly string[],
): Promise<string> {
  let stat: Awaited<ReturnType<typeof fs.stat>>;
  try {
    stat = await fs.stat(location);
  } catch {
    throw new Error(`${location}: no such file or directory`);
  }
  if (!stat.isDirectory()) return path.resolve(location);
  for (const name of names) {
    const file = path.resolve(location, name);
    try {
      await fs.access(file);
      return file;
    } catch {
      // try the next name
    }
  }
  throw new Error(`${location}: directory holds none of ${names.join(', ')}`);
}

/** Reads and validates a manifest file and its weight shards. */
export async function readManifestWithWeights(file: string): Promise<ManifestWithWeights> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(json)) throw new Error(`${file}: expected a JSON object at the top level`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new Error(`${file}: field weightsManifest is missing or not an array`);
  }

  const dir = path.dirname(file);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const [g, group] of manifest.entries()) {
    const where = `${file}: weightsManifest[${g}]`;
    if (!isRecord(group)) throw new Error(`${where}: expected an object`);
    if (!Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string')) {
      throw new Error(`${where}.paths: expected an array of file names`);
    }
    if (!Array.isArray(group.weights)) {
      throw new Error(`${where}.weights: expected an array`);
    }
    const groupSpecs = group.weights.map((w, i) => validateSpec(w, `${where}.weights[${i}]`));
    let groupBytes = 0;
    for (const [p, shardPath] of (group.paths as string[]).entries()) {
      const shardFile = path.resolve(dir, shardPath);
      if (!isInside(dir, shardFile)) {
        throw new Error(`${where}.paths[${p}]: "${shardPath}" points outside ${dir}`);
      }
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(shardFile);
      } catch (error) {
        throw new Error(
          `${where}.paths[${p}]: cannot read ${shardFile} (${(error as Error).message})`,
        );
      }
      groupBytes += bytes.byteLength;
      buffers.push(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      );
    }
    const expected = groupSpecs.reduce((sum, spec) => sum + byteSize(spec), 0);
    if (groupBytes !== expected) {
      throw new Error(
        `${where}: shards ${(group.paths as string[]).join(', ')} hold ${groupBytes} bytes but its weights need ${expected}`,
      );
    }
    specs.push(...groupSpecs);
  }
  return { file, json, specs, data: tf.io.CompositeArrayBuffer.join(buffers) };
}
