import * as tf from '@tensorflow/tfjs';
import { FusedBatchNormalization } from './fused-batch-normalization.js';
import {
  isRecord,
  joinShards,
  parseWeightsManifest,
  type WeightShards,
} from './weights-manifest.js';

/** The model file of the TF.js layers format. */
export const MODEL_JSON = 'model.json';

/** A model.json (parsed, as text, or its bytes) and its weight shards, all in memory. */
export interface ModelInMemory {
  modelJson: unknown;
  /** One buffer (all shards joined), one per manifest path in order, or by path. */
  weights: WeightShards;
}

/**
 * Where a TF.js layers model comes from, in a browser or in Node:
 * - a URL string of a model.json (relative URLs resolve against the page; a URL ending in `/`
 *   means its model.json), or a TF.js scheme URL (`indexeddb://…`, `localstorage://…`);
 * - `File`s (a `FileList` or array: the model.json and its .bin shards, e.g. from a file input);
 * - a `ModelInMemory` (`{ modelJson, weights }`), or `tf.io.ModelArtifacts`;
 * - any `tf.io.IOHandler` (in Node, `fileSystemHandler(dir)` from `@cihmlc/densenet/node`).
 */
/** A DOM FileList (from `<input type="file" multiple>` or a drop), typed without the DOM lib. */
export interface FileListLike {
  readonly length: number;
  item(index: number): File | null;
}

export type ModelSource =
  | string
  | readonly File[]
  | FileListLike
  | ModelInMemory
  | tf.io.ModelArtifacts
  | tf.io.IOHandler;

export interface ModelSourceOptions {
  /** Loading progress from 0 to 1 (URL sources). */
  onProgress?: (fraction: number) => void;
  /** fetch to use for URL sources (default the global fetch). */
  fetchFunc?: typeof fetch;
  /** RequestInit for URL sources. */
  requestInit?: RequestInit;
}

function decodeJson(value: unknown, where: string): unknown {
  let text: string;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    text = new TextDecoder().decode(value as ArrayBuffer);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return value;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
  }
}

/** Artifacts of a model.json held in memory, checked (topology present, shards match specs). */
export function modelArtifactsFromMemory(
  model: ModelInMemory,
  name = MODEL_JSON,
): tf.io.ModelArtifacts {
  const json = decodeJson(model.modelJson, name);
  if (!isRecord(json)) throw new Error(`${name}: expected a JSON object at the top level`);
  const topology = json.modelTopology;
  if (!isRecord(topology)) {
    throw new Error(
      `${name}: field modelTopology is missing or not an object (a weights-only file?)`,
    );
  }
  const groups = parseWeightsManifest(json, name);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: topology,
    weightSpecs: groups.flatMap((g) => g.specs),
    weightData: joinShards(groups, model.weights, name),
  };
  for (const key of [
    'format',
    'generatedBy',
    'convertedBy',
    'trainingConfig',
    'userDefinedMetadata',
  ] as const) {
    if (json[key] !== undefined) (artifacts as Record<string, unknown>)[key] = json[key];
  }
  return artifacts;
}

function filesOf(source: unknown): File[] | undefined {
  if (typeof File === 'undefined' || typeof source !== 'object' || source === null)
    return undefined;
  const list = source as Partial<FileListLike> & { [index: number]: unknown };
  if (typeof list.length !== 'number' || list.length === 0) return undefined;
  const files = Array.from({ length: list.length }, (_, i) => list[i]);
  return files.every((f) => f instanceof File) ? (files as File[]) : undefined;
}

/**
 * `fetchFunc` whose responses come with their bodies already read. tf.io.http starts every shard's
 * request, waits for all responses, and only then reads the bodies: a browser keeps 6 connections
 * per HTTP/1.1 server, so with more than 6 shards bigger than its buffers the first 6 never finish
 * and the rest never start (DenseNet-121 stalled at 25% in Chromium). Reading each body as soon as
 * its response arrives frees the connection.
 */
export function bufferedFetch(fetchFunc: typeof fetch = (...args) => fetch(...args)): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const response = await fetchFunc(input, init);
    const body = await response.arrayBuffer();
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }) as typeof fetch;
}

/** The tf.io.IOHandler that reads (or writes) `source`. */
export function modelHandler(
  source: ModelSource,
  options: ModelSourceOptions = {},
): tf.io.IOHandler {
  if (typeof source === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !/^https?:\/\//i.test(source)) {
      const handlers = tf.io.getLoadHandlers(source);
      if (handlers.length === 0) throw new Error(`${source}: no TF.js handler for this URL scheme`);
      return handlers[0]!;
    }
    const url = source.endsWith('/') ? `${source}${MODEL_JSON}` : source;
    return tf.io.http(url, {
      onProgress: options.onProgress,
      fetchFunc: bufferedFetch(options.fetchFunc),
      requestInit: options.requestInit,
    });
  }
  const files = filesOf(source);
  if (files) {
    const json = files.filter((f) => f.name.endsWith('.json'));
    if (json.length !== 1) {
      throw new RangeError(
        `model files: expected exactly one .json file (the model.json) among ${files.map((f) => f.name).join(', ')}`,
      );
    }
    return tf.io.browserFiles([json[0]!, ...files.filter((f) => f !== json[0])]);
  }
  if (isRecord(source) && typeof (source as tf.io.IOHandler).load === 'function') {
    return source as tf.io.IOHandler;
  }
  if (isRecord(source) && 'modelJson' in source) {
    return tf.io.fromMemory(modelArtifactsFromMemory(source as unknown as ModelInMemory));
  }
  if (isRecord(source) && 'modelTopology' in source) {
    return tf.io.fromMemory(source as tf.io.ModelArtifacts);
  }
  throw new TypeError(
    'source: expected a URL string, Files, { modelJson, weights }, tf.io.ModelArtifacts or a tf.io.IOHandler',
  );
}

export interface LoadModelOptions {
  /**
   * Build the model's BatchNormalization layers as FusedBatchNormalization (same weights and
   * inference; faster training), as createDenseNet/createClassifier do. Default true.
   */
  fusedBatchNorm?: boolean;
}

/**
 * Loads a TF.js layers-format model (ours or tensorflowjs_converter's) from a URL, Files, memory or
 * any IOHandler. Browser-safe; `loadModel(dir)` in `@cihmlc/densenet/node` reads a directory.
 */
export async function loadModelFrom(
  source: ModelSource,
  options: LoadModelOptions & ModelSourceOptions = {},
): Promise<tf.LayersModel> {
  const handler = modelHandler(source, options);
  if (options.fusedBatchNorm === false) return tf.loadLayersModel(handler);
  // Deserialisation looks classes up by name: point 'BatchNormalization' at the fused subclass
  // for this load only.
  const classes = tf.serialization.SerializationMap.getMap().classNameMap;
  const stock = classes.BatchNormalization;
  if (!stock) return tf.loadLayersModel(handler);
  classes.BatchNormalization = [FusedBatchNormalization as unknown as (typeof stock)[0], stock[1]];
  try {
    return await tf.loadLayersModel(handler);
  } finally {
    classes.BatchNormalization = stock;
  }
}

/**
 * Saves topology and weights through a TF.js handler or scheme URL: `'downloads://name'` (the
 * browser downloads model.json + weights.bin), `'indexeddb://name'`, `'localstorage://name'`, an
 * http(s) URL (POSTed by tf.io.http), or any IOHandler. Browser-safe; `saveModel(model, dir)` in
 * `@cihmlc/densenet/node` writes a directory.
 */
export async function saveModelTo(
  model: tf.LayersModel,
  destination: string | tf.io.IOHandler,
): Promise<tf.io.SaveResult> {
  return model.save(destination);
}
