import * as tf from '@tensorflow/tfjs';
import { weightNameAliases } from './layer-names.js';
import { joinShards, parseWeightsManifest, type WeightShards } from './weights-manifest.js';

/** The manifest file of a weights-only checkpoint. */
export const WEIGHTS_JSON = 'weights.json';

/** Marks a weights-only manifest (it has no modelTopology). */
export const WEIGHTS_FORMAT = 'weights-manifest';

export interface SaveWeightsOptions {
  /** Maximum bytes per weight shard (default 4 MiB). */
  shardBytes?: number;
}

export interface LoadWeightsOptions {
  /**
   * true (default): every model weight must be in the file and every file weight must be used.
   * false: load the weights that match, keep the others as they are (e.g. a fresh head on a
   * converted Keras backbone) and report what was missing or unused; at least one must match.
   */
  strict?: boolean;
}

export interface LoadWeightsReport {
  /** Model weight names that received a value. */
  loaded: string[];
  /** Model weight names the file had no value for (only when strict is false). */
  missing: string[];
  /** File weight names no model weight matched (only when strict is false). */
  unused: string[];
}

/** A weights-only checkpoint in memory: the weights.json fields (without weightsManifest) and data. */
export interface EncodedWeights {
  fields: { format: string; generatedBy: string; modelName: string };
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

/**
 * Encodes every weight of `model` (trainable and BatchNormalization statistics), named by layer and
 * weight (`conv1/conv/kernel`), as a weights-only checkpoint in memory. Browser-safe; `saveWeights`
 * (`@cihmlc/densenet/node`) writes it to files.
 */
export async function encodeWeights(model: tf.LayersModel): Promise<EncodedWeights> {
  const named = model.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
  const { data, specs } = await tf.io.encodeWeights(named);
  return {
    fields: { format: WEIGHTS_FORMAT, generatedBy: '@cihmlc/densenet', modelName: model.name },
    specs,
    data,
  };
}

/**
 * Keras 3 names layers conv1_conv where tf.keras 2 used conv1/conv, and the head's pooling and
 * output layers were top_avg_pool and predictions before they took the authors' names: accept
 * every spelling.
 */
function kerasAliases(weightName: string): string[] {
  return weightNameAliases(weightName);
}

/** tensorflowjs_converter may append a variable suffix (`:0`) to weight names. */
function stripVariableSuffix(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

/**
 * Outer scopes in the file: a nested Keras model prefixes its weights with its own name
 * (`densenet121/conv1/conv/kernel`). A first path segment counts as a scope only if no model
 * weight starts with it, so `conv1/bn/gamma` is never read as the final `bn/gamma` under `conv1/`.
 */
function outerScopes(fileNames: readonly string[], modelNames: readonly string[]): string[] {
  const modelHeads = new Set(
    modelNames.flatMap((n) => kerasAliases(n).map((alias) => alias.split('/')[0])),
  );
  const heads = new Set(
    fileNames
      .map((n) => n.split('/'))
      .filter((parts) => parts.length >= 3)
      .map((parts) => parts[0]!),
  );
  return [...heads].filter((head) => !modelHeads.has(head)).map((head) => `${head}/`);
}

/**
 * Finds the file weight for a model weight: its exact name first, then under one outer scope.
 * `byName` maps each file weight name without its `:0` suffix to the name as written.
 */
function matchFileWeight(
  modelName: string,
  byName: ReadonlyMap<string, string>,
  scopes: readonly string[],
  file: string,
): string | undefined {
  const aliases = kerasAliases(modelName);
  for (const alias of aliases) {
    const exact = byName.get(alias);
    if (exact !== undefined) return exact;
  }
  const scoped = scopes.flatMap((scope) =>
    aliases.flatMap((alias) => byName.get(`${scope}${alias}`) ?? []),
  );
  if (scoped.length > 1) {
    throw new Error(
      `${file}: weight "${modelName}" matches several file weights (${scoped.join(', ')}); load from a file with one scope`,
    );
  }
  return scoped[0];
}

/**
 * Assigns the weights `specs` + `data` (one buffer, in spec order) to `model` by layer/weight name;
 * `file` names the source in errors. Every shape and dtype is checked before anything is assigned,
 * so a failed load changes nothing. The core of every weights loader (files, URLs, memory).
 */
export function assignWeights(
  model: tf.LayersModel,
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  file: string,
  options: LoadWeightsOptions = {},
): LoadWeightsReport {
  const strict = options.strict ?? true;
  const fileNames = specs.map((s) => s.name);
  const duplicate = fileNames.find((n, i) => fileNames.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new Error(`${file}: weightsManifest lists weight "${duplicate}" more than once`);
  }
  const specByName = new Map(specs.map((s) => [s.name, s]));
  const byName = new Map(fileNames.map((n) => [stripVariableSuffix(n), n]));
  const scopes = outerScopes(
    fileNames.map(stripVariableSuffix),
    model.weights.map((w) => w.originalName),
  );

  const assignments: Array<{ variable: tf.LayerVariable; fileName: string }> = [];
  const missing: string[] = [];
  const used = new Set<string>();
  for (const variable of model.weights) {
    const fileName = matchFileWeight(variable.originalName, byName, scopes, file);
    if (fileName === undefined) {
      missing.push(variable.originalName);
      continue;
    }
    if (used.has(fileName)) {
      throw new Error(`${file}: weight "${fileName}" would be loaded into two model weights`);
    }
    used.add(fileName);
    const spec = specByName.get(fileName)!;
    const expected = variable.shape;
    if (spec.shape.length !== expected.length || spec.shape.some((d, i) => d !== expected[i])) {
      throw new Error(
        `${file}: weight "${fileName}" has shape [${spec.shape.join(', ')}] but model weight "${variable.originalName}" needs [${expected.join(', ')}]`,
      );
    }
    // Quantised entries decode to their spec dtype, so spec.dtype is what we will get.
    if (spec.dtype !== variable.dtype) {
      throw new Error(
        `${file}: weight "${fileName}" has dtype ${spec.dtype} but model weight "${variable.originalName}" is ${variable.dtype}`,
      );
    }
    assignments.push({ variable, fileName });
  }
  const unused = fileNames.filter((n) => !used.has(n));

  if (strict && missing.length > 0) {
    throw new Error(
      `${file}: weightsManifest has no weight for ${missing.length} model weight(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} (pass { strict: false } to load a subset)`,
    );
  }
  if (strict && unused.length > 0) {
    throw new Error(
      `${file}: weightsManifest weight(s) not in the model: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', …' : ''} (pass { strict: false } to ignore them)`,
    );
  }
  if (assignments.length === 0) {
    throw new Error(
      `${file}: no weight in weightsManifest matches a weight of model "${model.name}"`,
    );
  }

  const values = tf.io.decodeWeights(data, specs);
  try {
    for (const { variable, fileName } of assignments) {
      variable.write(values[fileName]!);
    }
  } finally {
    // The variables hold their own references; the decoded map (incl. unused weights) goes.
    tf.dispose(values);
  }
  return { loaded: assignments.map((a) => a.variable.originalName), missing, unused };
}

/**
 * Loads a weights-only checkpoint (weights.json + shards, as `saveWeights` writes it) or a
 * model.json's weights from memory — e.g. `File`s a user dropped, or buffers fetched by the app.
 * `manifest` is the parsed JSON (or its text); `shards` the .bin contents. Browser-safe.
 */
export function loadWeightsFromMemory(
  model: tf.LayersModel,
  manifest: unknown,
  shards: WeightShards,
  options: LoadWeightsOptions & { name?: string } = {},
): LoadWeightsReport {
  const where = options.name ?? WEIGHTS_JSON;
  let json = manifest;
  if (typeof manifest === 'string') {
    try {
      json = JSON.parse(manifest);
    } catch (error) {
      throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
    }
  }
  const groups = parseWeightsManifest(json, where);
  const data = joinShards(groups, shards, where);
  return assignWeights(
    model,
    groups.flatMap((g) => g.specs),
    data,
    where,
    options,
  );
}

/**
 * Fetches a weights manifest (weights.json or model.json) from `url` and its shards from beside it,
 * then loads them as `loadWeightsFromMemory` does. Browser-safe (uses `fetch`).
 */
export async function loadWeightsFromUrl(
  model: tf.LayersModel,
  url: string,
  options: LoadWeightsOptions & { fetch?: typeof fetch } = {},
): Promise<LoadWeightsReport> {
  const fetchFn = options.fetch ?? fetch;
  const get = async (target: string): Promise<Response> => {
    const response = await fetchFn(target);
    if (!response.ok) throw new Error(`${target}: HTTP ${response.status} ${response.statusText}`);
    return response;
  };
  const json: unknown = await (await get(url)).json();
  const groups = parseWeightsManifest(json, url);
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  const shards = await Promise.all(
    groups.flatMap((g) => g.paths).map(async (p) => (await get(`${base}${p}`)).arrayBuffer()),
  );
  return loadWeightsFromMemory(model, json, shards, { ...options, name: url });
}
