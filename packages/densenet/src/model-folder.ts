import { type Taxonomy, validateTaxonomy } from '@cihmlc/taxonomy';
import type * as tf from '@tensorflow/tfjs';
import { GRADCAM_LAYER_NAME } from './layer-names.js';
import {
  type FileListLike,
  type LoadModelOptions,
  loadModelFrom,
  type ModelSourceOptions,
} from './model-sources.js';

// A model folder: a TF.js layers model (model.json + shards) and, beside it, the manifest
// `cihmlc-model.json` saying how to use it (labels, hierarchy, input, preprocessing, Grad-CAM layer,
// MC-dropout settings, the run it came from and its metrics). `writeModelFolder` in
// `@cihmlc/densenet/node` writes one (the trainer's `export` does); `loadModelFolder` reads one in a
// browser (by URL or from picked files) or in Node.

/** The manifest's file name, beside model.json. */
export const MODEL_FOLDER_MANIFEST = 'cihmlc-model.json';
/** The manifest's `format` field. */
export const MODEL_FOLDER_FORMAT = 'cihmlc-model';
/** The manifest's `version` field (the only version so far). */
export const MODEL_FOLDER_VERSION = 1;

/** How an image becomes the model input, in words (what `preprocessRgba` does). */
export interface ModelFolderPreprocessing {
  function: string;
  decode: string;
  resize: string;
  scale: string;
  layout: string;
}

/** The training pipeline's preprocessing, as the trainer writes it into every manifest. */
export const MODEL_FOLDER_PREPROCESSING = {
  /** `@cihmlc/chexpert-data/preprocess`'s `preprocessRgba` does exactly this. */
  function: '@cihmlc/chexpert-data/preprocess#preprocessRgba',
  decode: 'PNG/JPEG to RGBA; grayscale (R = G = B everywhere) kept as one channel, replicated to 3',
  resize: 'bilinear, half-pixel centres, no antialiasing, aspect ratio not kept, rounded to uint8',
  scale: 'x / 255 (float32 in [0, 1]), no mean/std normalisation',
  layout: 'NHWC [1, size, size, 3]',
} as const satisfies ModelFolderPreprocessing;

/**
 * A run's best epoch (1-based) and the value reached there; `value` is null where none was (JSON
 * has no ±Infinity: a validation AUROC that was never defined, a loss that never fell).
 */
export interface ModelFolderBest {
  epoch: number;
  value: number | null;
}

/** The JSON of `cihmlc-model.json` (field order as written). */
export interface ModelFolderManifest {
  format: typeof MODEL_FOLDER_FORMAT;
  version: typeof MODEL_FOLDER_VERSION;
  /** The model's file name in the folder (TF.js layers format), `model.json`. */
  model: string;
  /** The model's outputs, in order. */
  labels: string[];
  labelSet: string;
  /** The hierarchy (parents, children, derived labels) as @cihmlc/taxonomy's JSON. */
  taxonomy: Taxonomy;
  /** [height, width, channels]. */
  inputShape: [number, number, 3];
  preprocessing: ModelFolderPreprocessing;
  gradCamLayer: string;
  mcDropout: { samples: number; seed: number };
  variant: string;
  run: { name: string; checkpoint: string; exportedAt: string };
  /** The run's results where it finished them (null where it did not). */
  metrics: {
    test: Record<string, unknown> | null;
    bestValLoss: ModelFolderBest | null;
    bestValAuroc: ModelFolderBest | null;
    epochs: number | null;
    perLabelAuroc: Record<string, number | null> | null;
  };
}

/** The manifest fields a writer chooses; `modelFolderManifest` fills in the rest. */
export type ModelFolderManifestFields = Omit<
  ModelFolderManifest,
  'format' | 'version' | 'model' | 'preprocessing' | 'gradCamLayer'
> &
  Partial<Pick<ModelFolderManifest, 'preprocessing' | 'gradCamLayer'>>;

/**
 * A manifest for `writeModelFolder` from the fields a writer chooses: the format and version,
 * `model.json`, the training pipeline's preprocessing and the classifier's Grad-CAM layer unless
 * given, in the field order of `ModelFolderManifest`.
 */
export function modelFolderManifest(fields: ModelFolderManifestFields): ModelFolderManifest {
  const { labels, labelSet, taxonomy, inputShape, mcDropout, variant, run, metrics } = fields;
  return {
    format: MODEL_FOLDER_FORMAT,
    version: MODEL_FOLDER_VERSION,
    model: 'model.json',
    labels,
    labelSet,
    taxonomy,
    inputShape,
    preprocessing: fields.preprocessing ?? MODEL_FOLDER_PREPROCESSING,
    gradCamLayer: fields.gradCamLayer ?? GRADCAM_LAYER_NAME,
    mcDropout,
    variant,
    run,
    metrics,
  };
}

/**
 * A model folder that cannot be used: no manifest, a bad manifest field, a model that does not
 * load or does not fit its manifest. The message is written for the person who chose the folder;
 * `source` is where it came from (URL, directory, "the chosen model files") and `field` the
 * manifest field at fault (`inputShape`, `mcDropout.samples`), when there is one.
 */
export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
  constructor(
    message: string,
    readonly source: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function fieldError(source: string, field: string, problem: string): ModelFolderError {
  return new ModelFolderError(
    `The model folder ${source} does not match: ${MODEL_FOLDER_MANIFEST} field ${field} ${problem}`,
    source,
    field,
  );
}

function mismatch(source: string, what: string, cause?: unknown): ModelFolderError {
  const options = cause === undefined ? undefined : { cause };
  return new ModelFolderError(
    `The model folder ${source} does not match: ${what}`,
    source,
    undefined,
    options,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v));

function object(v: unknown, source: string, field: string): Record<string, unknown> {
  if (!isObject(v)) throw fieldError(source, field, `must be an object (got ${show(v)})`);
  return v;
}

function string(v: unknown, source: string, field: string): string {
  if (typeof v !== 'string' || v === '') {
    throw fieldError(source, field, `must be a non-empty string (got ${show(v)})`);
  }
  return v;
}

function integer(v: unknown, source: string, field: string, min = -Infinity): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) {
    const what = min === -Infinity ? 'an integer' : `an integer ≥ ${min}`;
    throw fieldError(source, field, `must be ${what} (got ${show(v)})`);
  }
  return v as number;
}

function nullable<T>(v: unknown, read: (v: unknown) => T): T | null {
  return v === null ? null : read(v);
}

function best(v: unknown, source: string, field: string): ModelFolderBest {
  const o = object(v, source, field);
  if (typeof o.value !== 'number' && o.value !== null) {
    throw fieldError(source, `${field}.value`, `must be a number or null (got ${show(o.value)})`);
  }
  return { epoch: integer(o.epoch, source, `${field}.epoch`, 0), value: o.value };
}

function parseMetrics(v: unknown, source: string): ModelFolderManifest['metrics'] {
  const m = object(v, source, 'metrics');
  const perLabel = nullable(m.perLabelAuroc, (p) => {
    const o = object(p, source, 'metrics.perLabelAuroc');
    for (const [label, auroc] of Object.entries(o)) {
      if (auroc !== null && typeof auroc !== 'number') {
        throw fieldError(
          source,
          `metrics.perLabelAuroc[${JSON.stringify(label)}]`,
          `must be a number or null (got ${show(auroc)})`,
        );
      }
    }
    return o as Record<string, number | null>;
  });
  return {
    test: nullable(m.test, (t) => object(t, source, 'metrics.test')),
    bestValLoss: nullable(m.bestValLoss, (b) => best(b, source, 'metrics.bestValLoss')),
    bestValAuroc: nullable(m.bestValAuroc, (b) => best(b, source, 'metrics.bestValAuroc')),
    epochs: nullable(m.epochs, (e) => integer(e, source, 'metrics.epochs', 0)),
    perLabelAuroc: perLabel,
  };
}

/**
 * Checks a model folder's manifest (parsed JSON, or its text) and returns it typed, with the
 * taxonomy validated by @cihmlc/taxonomy. Every field is checked; an error is a `ModelFolderError`
 * naming `source` (where the manifest came from, for the message) and the field.
 */
export function parseModelFolderManifest(json: unknown, source: string): ModelFolderManifest {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw mismatch(
        source,
        `${MODEL_FOLDER_MANIFEST} is not valid JSON (${(error as Error).message})`,
        error,
      );
    }
  }
  if (!isObject(value)) throw mismatch(source, `${MODEL_FOLDER_MANIFEST} is not a JSON object`);
  const m = value;
  if (m.format !== MODEL_FOLDER_FORMAT) {
    throw fieldError(
      source,
      'format',
      `is ${show(m.format)}, expected "${MODEL_FOLDER_FORMAT}" (a folder written by writeModelFolder or \`trainer export\`)`,
    );
  }
  if (m.version !== MODEL_FOLDER_VERSION) {
    throw fieldError(
      source,
      'version',
      `is ${show(m.version)}; this @cihmlc/densenet reads version ${MODEL_FOLDER_VERSION}`,
    );
  }
  const model = string(m.model, source, 'model');
  if (/[/\\]/.test(model) || model === '..' || !model.endsWith('.json')) {
    throw fieldError(
      source,
      'model',
      `must be a .json file name in the folder (got ${show(model)})`,
    );
  }
  const labels = m.labels;
  if (
    !Array.isArray(labels) ||
    labels.length === 0 ||
    !labels.every((l) => typeof l === 'string' && l !== '')
  ) {
    throw fieldError(
      source,
      'labels',
      `must be a non-empty array of label names (got ${show(labels)})`,
    );
  }
  const repeated = labels.find((l, i) => labels.indexOf(l) !== i);
  if (repeated !== undefined) throw fieldError(source, 'labels', `names ${show(repeated)} twice`);
  const labelSet = string(m.labelSet, source, 'labelSet');
  let taxonomy: Taxonomy;
  try {
    taxonomy = validateTaxonomy(m.taxonomy);
  } catch (error) {
    throw new ModelFolderError(
      `The model folder ${source} does not match: ${MODEL_FOLDER_MANIFEST} field taxonomy: ${(error as Error).message}`,
      source,
      'taxonomy',
      { cause: error },
    );
  }
  if (JSON.stringify(taxonomy.outputLabels) !== JSON.stringify(labels)) {
    throw fieldError(
      source,
      'labels',
      `are not the taxonomy's outputs (labels ${labels.length}: ${labels.slice(0, 3).join(', ')}…; taxonomy ${taxonomy.outputLabels.length}: ${taxonomy.outputLabels.slice(0, 3).join(', ')}…)`,
    );
  }
  const shape = m.inputShape;
  if (
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    shape[2] !== 3 ||
    !shape.slice(0, 2).every((d) => Number.isSafeInteger(d) && d > 0)
  ) {
    throw fieldError(source, 'inputShape', `must be [height, width, 3] (got ${show(shape)})`);
  }
  const p = object(m.preprocessing, source, 'preprocessing');
  const preprocessing: ModelFolderPreprocessing = {
    function: string(p.function, source, 'preprocessing.function'),
    decode: string(p.decode, source, 'preprocessing.decode'),
    resize: string(p.resize, source, 'preprocessing.resize'),
    scale: string(p.scale, source, 'preprocessing.scale'),
    layout: string(p.layout, source, 'preprocessing.layout'),
  };
  const gradCamLayer = string(m.gradCamLayer, source, 'gradCamLayer');
  const mc = object(m.mcDropout, source, 'mcDropout');
  const mcDropout = {
    samples: integer(mc.samples, source, 'mcDropout.samples', 1),
    seed: integer(mc.seed, source, 'mcDropout.seed'),
  };
  const variant = string(m.variant, source, 'variant');
  const r = object(m.run, source, 'run');
  const run = {
    name: string(r.name, source, 'run.name'),
    checkpoint: string(r.checkpoint, source, 'run.checkpoint'),
    exportedAt: string(r.exportedAt, source, 'run.exportedAt'),
  };
  return {
    format: MODEL_FOLDER_FORMAT,
    version: MODEL_FOLDER_VERSION,
    model,
    labels: [...labels],
    labelSet,
    taxonomy,
    inputShape: [shape[0], shape[1], 3],
    preprocessing,
    gradCamLayer,
    mcDropout,
    variant,
    run,
    metrics: parseMetrics(m.metrics, source),
  };
}

/**
 * Throws a `ModelFolderError` unless `model` fits its manifest: one input of
 * [batch, height, width, 3] as `inputShape` says, one output with a unit per label, and a layer
 * named `gradCamLayer`.
 */
export function checkModelFits(
  model: tf.LayersModel,
  manifest: Pick<ModelFolderManifest, 'inputShape' | 'labels' | 'gradCamLayer'>,
  source: string,
): void {
  const input = model.inputs[0]?.shape ?? [];
  const [h, w] = manifest.inputShape;
  if (model.inputs.length !== 1 || input[1] !== h || input[2] !== w || input[3] !== 3) {
    throw mismatch(
      source,
      `the model takes [${input.map((d) => d ?? 'batch').join(', ')}] but ${MODEL_FOLDER_MANIFEST} says [${h}, ${w}, 3]`,
    );
  }
  if (model.outputs.length !== 1) {
    throw mismatch(source, `the model has ${model.outputs.length} output tensors, expected 1`);
  }
  const units = model.outputs[0]!.shape[1];
  if (units !== manifest.labels.length) {
    throw mismatch(
      source,
      `the model has ${units} outputs but ${MODEL_FOLDER_MANIFEST} names ${manifest.labels.length} labels`,
    );
  }
  try {
    model.getLayer(manifest.gradCamLayer);
  } catch {
    throw mismatch(source, `the model has no layer ${manifest.gradCamLayer} for Grad-CAM`);
  }
}

/** A model and the manifest it fits. */
export interface ModelFolder {
  model: tf.LayersModel;
  manifest: ModelFolderManifest;
}

export interface LoadModelFolderOptions extends LoadModelOptions, ModelSourceOptions {
  /**
   * Loading progress from 0 to 1 over the weights (URL sources: as TF.js reports it; files: as
   * they are read).
   */
  onProgress?: (fraction: number) => void;
}

/** Where a model folder comes from: its URL, or all its files (an array or a FileList). */
export type ModelFolderSource = string | readonly File[] | FileListLike;

/** The folder URL with a trailing slash (a relative one resolves against the page). */
function folderUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Loads the model with `load` and checks it against `manifest` (the loaders' shared part). */
export async function loadCheckedModel(
  load: () => Promise<tf.LayersModel>,
  manifest: ModelFolderManifest,
  source: string,
): Promise<ModelFolder> {
  let model: tf.LayersModel;
  try {
    model = await load();
  } catch (error) {
    throw mismatch(
      source,
      `${manifest.model} cannot be loaded (${(error as Error).message})`,
      error,
    );
  }
  try {
    checkModelFits(model, manifest, source);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, manifest };
}

async function fromUrl(url: string, options: LoadModelFolderOptions): Promise<ModelFolder> {
  const base = folderUrl(url);
  const fetchFunc = options.fetchFunc ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  let response: Response;
  try {
    response = await fetchFunc(`${base}${MODEL_FOLDER_MANIFEST}`, options.requestInit);
  } catch (error) {
    throw new ModelFolderError(
      `Cannot reach the model folder ${base} (${(error as Error).message})`,
      base,
      undefined,
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new ModelFolderError(
      `No ${MODEL_FOLDER_MANIFEST} in ${base} (HTTP ${response.status}): not a model folder written by writeModelFolder or \`trainer export\``,
      base,
    );
  }
  const manifest = parseModelFolderManifest(await response.text(), base);
  return loadCheckedModel(
    () => loadModelFrom(`${base}${manifest.model}`, { ...options, fetchFunc }),
    manifest,
    base,
  );
}

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** The shard paths of a model.json, in order (an unusable manifest is left to the model loader). */
function shardPaths(modelJson: unknown): string[] {
  if (!isObject(modelJson) || !Array.isArray(modelJson.weightsManifest)) return [];
  return modelJson.weightsManifest.flatMap((g: unknown) =>
    isObject(g) && Array.isArray(g.paths) ? g.paths.filter((p) => typeof p === 'string') : [],
  );
}

async function fromFiles(
  files: readonly File[],
  options: LoadModelFolderOptions,
): Promise<ModelFolder> {
  const source = 'the chosen model files';
  const named = (name: string) => files.find((f) => f.name === name);
  const manifestFile = named(MODEL_FOLDER_MANIFEST);
  if (!manifestFile) {
    throw new ModelFolderError(
      `No ${MODEL_FOLDER_MANIFEST} among ${source} (${files.map((f) => f.name).join(', ')}): choose every file of a model folder written by writeModelFolder or \`trainer export\``,
      source,
    );
  }
  const manifest = parseModelFolderManifest(await manifestFile.text(), source);
  const modelFile = named(manifest.model);
  if (!modelFile) throw mismatch(source, `${manifest.model} is missing`);
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(await modelFile.text());
  } catch (error) {
    throw mismatch(
      source,
      `${manifest.model} is not valid JSON (${(error as Error).message})`,
      error,
    );
  }
  const paths = shardPaths(modelJson);
  const shards = paths.map((p) => {
    const file = named(baseName(p));
    if (!file) throw mismatch(source, `the weight file ${p} named in ${manifest.model} is missing`);
    return file;
  });
  const total = shards.reduce((sum, f) => sum + f.size, 0);
  let read = 0;
  const weights: Record<string, ArrayBuffer> = {};
  for (const [i, file] of shards.entries()) {
    weights[paths[i]!] = await file.arrayBuffer();
    read += file.size;
    options.onProgress?.(total > 0 ? read / total : 1);
  }
  return loadCheckedModel(
    () => loadModelFrom({ modelJson, weights }, { fusedBatchNorm: options.fusedBatchNorm }),
    manifest,
    source,
  );
}

function filesOf(source: readonly File[] | FileListLike): File[] {
  const list = source as ArrayLike<unknown>;
  const files = Array.isArray(source)
    ? [...source]
    : Array.from({ length: list.length }, (_, i) => (source as FileListLike).item(i));
  if (typeof File === 'undefined' || !files.every((f) => f instanceof File)) {
    throw new TypeError('source: expected a folder URL string, an array of Files or a FileList');
  }
  return files as File[];
}

/**
 * Loads a model folder and checks that its parts belong together: `cihmlc-model.json` (checked
 * field by field), then the model (`model.json` and its shards), which must fit the manifest
 * (`checkModelFits`). `source` is the folder's URL (relative URLs resolve against the page; in
 * Node give `fetchFunc`, or use `readModelFolder(dir)` from `@cihmlc/densenet/node`) or all the
 * folder's files (a file input's FileList or File[]; read in memory, nothing is uploaded). A folder
 * that cannot be used is a `ModelFolderError` written for the person who chose it.
 */
export async function loadModelFolder(
  source: ModelFolderSource,
  options: LoadModelFolderOptions = {},
): Promise<ModelFolder> {
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new TypeError('options.onProgress: expected a function');
  }
  if (typeof source === 'string') return fromUrl(source, options);
  if (typeof source !== 'object' || source === null || typeof source.length !== 'number') {
    throw new TypeError('source: expected a folder URL string, an array of Files or a FileList');
  }
  return fromFiles(filesOf(source), options);
}
