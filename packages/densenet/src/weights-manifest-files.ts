import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@cihmlc/internal/node';
import * as tf from '@tensorflow/tfjs';
import { checkGroupBytes, isRecord, parseWeightsManifest } from './weights-manifest.js';

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

/** A parsed manifest file with its weights read from disk. */
export interface ManifestWithWeights {
  /** Absolute path of the manifest file (for error messages). */
  file: string;
  /** Every top-level field of the JSON file, untouched. */
  json: Record<string, unknown>;
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
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
  const groups = parseWeightsManifest(json, file);
  const dir = path.dirname(file);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const [g, group] of groups.entries()) {
    const where = `${file}: weightsManifest[${g}]`;
    let groupBytes = 0;
    for (const [p, shardPath] of group.paths.entries()) {
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
    checkGroupBytes(group, groupBytes, where);
    specs.push(...group.specs);
  }
  return {
    file,
    json: json as Record<string, unknown>,
    specs,
    data: tf.io.CompositeArrayBuffer.join(buffers),
  };
}
