import * as tf from '@tensorflow/tfjs';

/**
 * Parsing and checking a TF.js weights manifest (model.json's `weightsManifest` or a weights-only
 * checkpoint's weights.json) without touching any file: shared by the Node file reader and the
 * in-memory loaders.
 */

type Dtype = tf.io.WeightsManifestEntry['dtype'];

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
};
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** One weight group of a manifest: its shard file names and its weight specs. */
export interface ManifestGroup {
  paths: string[];
  specs: tf.io.WeightsManifestEntry[];
  /** Bytes the group's weights need (the sum of its shards' sizes). */
  bytes: number;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/**
 * Checks a parsed manifest JSON (`file` names it in errors) and returns its weight groups.
 * Throws naming the field for anything that is not a well-formed weightsManifest.
 */
export function parseWeightsManifest(json: unknown, file: string): ManifestGroup[] {
  if (!isRecord(json)) throw new Error(`${file}: expected a JSON object at the top level`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new Error(`${file}: field weightsManifest is missing or not an array`);
  }
  return manifest.map((group: unknown, g) => {
    const where = `${file}: weightsManifest[${g}]`;
    if (!isRecord(group)) throw new Error(`${where}: expected an object`);
    if (!Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string')) {
      throw new Error(`${where}.paths: expected an array of file names`);
    }
    if (!Array.isArray(group.weights)) {
      throw new Error(`${where}.weights: expected an array`);
    }
    const specs = group.weights.map((w, i) => validateSpec(w, `${where}.weights[${i}]`));
    return {
      paths: group.paths as string[],
      specs,
      bytes: specs.reduce((sum, spec) => sum + byteSize(spec), 0),
    };
  });
}

/** Throws unless a group's shards hold exactly the bytes its weights need. */
export function checkGroupBytes(group: ManifestGroup, actual: number, where: string): void {
  if (actual !== group.bytes) {
    throw new Error(
      `${where}: shards ${group.paths.join(', ')} hold ${actual} bytes but its weights need ${group.bytes}`,
    );
  }
}

/** Weight shards in memory: one buffer (all shards joined), one per manifest path in order, or by path. */
export type WeightShards =
  | ArrayBuffer
  | readonly ArrayBuffer[]
  | Readonly<Record<string, ArrayBuffer>>;

/** Checks shards against a manifest's groups and joins them into one buffer in spec order. */
export function joinShards(
  groups: readonly ManifestGroup[],
  shards: WeightShards,
  where: string,
): ArrayBuffer {
  const paths = groups.flatMap((g) => g.paths);
  let buffers: ArrayBuffer[];
  if (shards instanceof ArrayBuffer) {
    const total = groups.reduce((sum, g) => sum + g.bytes, 0);
    if (shards.byteLength !== total) {
      throw new Error(
        `${where}: the weight data holds ${shards.byteLength} bytes but the manifest's weights need ${total}`,
      );
    }
    return shards;
  }
  if (Array.isArray(shards)) {
    if (shards.length !== paths.length) {
      throw new Error(
        `${where}: got ${shards.length} shard buffer(s) but the manifest lists ${paths.length} (${paths.join(', ')})`,
      );
    }
    buffers = [...shards];
  } else {
    const byPath = shards as Readonly<Record<string, ArrayBuffer>>;
    buffers = paths.map((p) => {
      const buffer = byPath[p];
      if (!(buffer instanceof ArrayBuffer)) throw new Error(`${where}: shard "${p}" is missing`);
      return buffer;
    });
  }
  let offset = 0;
  for (const [g, group] of groups.entries()) {
    const count = group.paths.length;
    const bytes = buffers.slice(offset, offset + count).reduce((sum, b) => sum + b.byteLength, 0);
    checkGroupBytes(group, bytes, `${where}: weightsManifest[${g}]`);
    offset += count;
  }
  return tf.io.CompositeArrayBuffer.join(buffers);
}
