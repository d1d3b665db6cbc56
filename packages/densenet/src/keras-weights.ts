/**
 * Keras weight files ↔ a TF.js model, from and to bytes (no file system: works in browsers).
 *
 * Reads the three layouts Keras users have:
 * - Keras 3 `.weights.h5` (`model.save_weights`): `layers/<key>/vars/0…n`, where `<key>` is the
 *   layer's class in snake case with a counter (`conv2d_12`) and, in recent releases (3.15 does), the group
 *   `vars` carries the layer's name as attribute `name`. Nested models add `layers/<key>/layers/…`.
 * - Keras 3 `.keras` (`model.save`): a zip holding `config.json`, `metadata.json` and
 *   `model.weights.h5` in the layout above.
 * - Keras 2 / tf.keras `.h5` (`save_weights('x.h5')`, or `model.save('x.h5')` with the weights
 *   under `model_weights`): attribute `layer_names` on the root, `weight_names` on each layer.
 *
 * Writes Keras 3 `.weights.h5` that Keras's `model.load_weights` reads: Keras finds a layer's
 * variables by the class-and-counter key, so the file uses the keys Keras derives from the same
 * architecture (layers in model order, counted per class), with each layer's name as attribute.
 */
import type * as tf from '@tensorflow/tfjs';
import * as tfjs from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { type H5Reader, type H5WriteEntry, withHdf5File, writeHdf5 } from './keras-h5.js';
import { layerNameAliases } from './layer-names.js';

/** Which Keras layout a weights file has. */
export type KerasWeightsLayout = 'keras3' | 'keras2';

export interface LoadKerasWeightsOptions {
  /** The source's name in error messages (a path or URL); default `Keras weights`. */
  file?: string;
  /**
   * true (default): every model weight must be in the file and every file weight must be used.
   * false: load the layers that match, keep the others and report them; at least one must match.
   */
  strict?: boolean;
}

export interface LoadKerasWeightsReport {
  layout: KerasWeightsLayout;
  /** Model weight names that received a value. */
  loaded: string[];
  /** Model weight names the file had no value for (only when strict is false). */
  missing: string[];
  /** File weights no model weight matched, as `layer/weight` (only when strict is false). */
  unused: string[];
}

/** A `.keras` archive's parts. */
export interface KerasArchive {
  /** config.json, parsed. */
  config: unknown;
  /** metadata.json, parsed (Keras version, date), or null if absent. */
  metadata: unknown;
  /** The bytes of model.weights.h5. */
  weights: Uint8Array;
}

interface FileWeight {
  /** Dataset path in the HDF5 file. */
  path: string;
  /** The weight's own name (`kernel`), where the file records it (Keras 2). */
  name: string | null;
  shape: number[];
  dtype: string;
}

interface FileLayer {
  /** The layer's name (`conv1_conv`), or null where a Keras 3 file predates name attributes. */
  name: string | null;
  /** Keras 3: the layer's key path (`layers/conv2d_3`); Keras 2: its group path. */
  key: string;
  weights: FileWeight[];
}

function toBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) {
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  }
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  throw new TypeError('Keras weights: source must be an ArrayBuffer or a Uint8Array');
}

function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4
  );
}

function parseJsonEntry(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
  }
}

/** Opens a `.keras` archive (a zip): its config, metadata and weights file. */
export function readKerasArchive(
  source: ArrayBuffer | ArrayBufferView,
  file = 'Keras model',
): KerasArchive {
  const bytes = toBytes(source);
  if (!isZip(bytes)) throw new Error(`${file}: not a .keras archive (not a zip file)`);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (entry) =>
        entry.name === 'config.json' ||
        entry.name === 'metadata.json' ||
        entry.name === 'model.weights.h5',
    });
  } catch (error) {
    throw new Error(`${file}: cannot unzip (${(error as Error).message})`);
  }
  const weights = entries['model.weights.h5'];
  if (!weights) {
    throw new Error(
      `${file}: the archive has no model.weights.h5 (a .keras file of Keras 3 holds config.json, metadata.json and model.weights.h5)`,
    );
  }
  const configBytes = entries['config.json'];
  if (!configBytes) throw new Error(`${file}: the archive has no config.json`);
  const metadataBytes = entries['metadata.json'];
  return {
    config: parseJsonEntry(configBytes, `${file}: config.json`),
    metadata: metadataBytes ? parseJsonEntry(metadataBytes, `${file}: metadata.json`) : null,
    weights,
  };
}

function stringList(value: unknown): string[] | null {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return null;
}

function datasetsOf(reader: H5Reader, groupPath: string): FileWeight[] {
  const keys = reader.groupKeys(groupPath) ?? [];
  return keys
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => {
      const path = `${groupPath}/${k}`;
      const info = reader.datasetShape(path);
      if (!info) throw new Error(`${path} is not a dataset`);
      return { path, name: null, shape: info.shape, dtype: info.dtype };
    });
}

/** Keras 3 layout: every `…/vars` group under `layers/` (nested models included). */
function keras3Layers(reader: H5Reader, root: string): FileLayer[] {
  const layers: FileLayer[] = [];
  const walk = (base: string) => {
    for (const key of reader.groupKeys(base) ?? []) {
      const path = `${base}/${key}`;
      const vars = `${path}/vars`;
      if (reader.groupKeys(vars) !== null) {
        const name = reader.attribute(vars, 'name');
        layers.push({
          name: typeof name === 'string' ? name : null,
          key: path,
          weights: datasetsOf(reader, vars),
        });
      }
      if (reader.groupKeys(`${path}/layers`) !== null) walk(`${path}/layers`);
    }
  };
  walk(root);
  return layers;
}

/** Keras 2 layout: `layer_names` on the root (or `model_weights`), `weight_names` per layer. */
function keras2Layers(reader: H5Reader, root: string, file: string): FileLayer[] {
  const layerNames = stringList(reader.attribute(root, 'layer_names')) ?? [];
  const layers = new Map<string, FileLayer>();
  for (const layerName of layerNames) {
    const group = root === '' ? layerName : `${root}/${layerName}`;
    const weightNames = stringList(reader.attribute(group, 'weight_names')) ?? [];
    for (const weightName of weightNames) {
      const path = `${group}/${weightName}`;
      const info = reader.datasetShape(path);
      if (!info)
        throw new Error(
          `${file}: layer "${layerName}" lists weight "${weightName}" but has no dataset ${path}`,
        );
      // A nested model's group holds its inner layers' weights: group them by their own layer.
      const clean = weightName.endsWith(':0') ? weightName.slice(0, -2) : weightName;
      const slash = clean.lastIndexOf('/');
      const owner = slash < 0 ? layerName : clean.slice(0, slash);
      const short = slash < 0 ? clean : clean.slice(slash + 1);
      let layer = layers.get(owner);
      if (!layer) {
        layer = { name: owner, key: group, weights: [] };
        layers.set(owner, layer);
      }
      layer.weights.push({ path, name: short, shape: info.shape, dtype: info.dtype });
    }
  }
  return [...layers.values()];
}

function detectLayout(
  reader: H5Reader,
  file: string,
): { layout: KerasWeightsLayout; layers: FileLayer[] } {
  for (const root of ['layers', '_layer_checkpoint_dependencies']) {
    if (reader.groupKeys(root) !== null)
      return { layout: 'keras3', layers: keras3Layers(reader, root) };
  }
  for (const root of ['', 'model_weights']) {
    if (
      (root === '' || reader.groupKeys(root) !== null) &&
      reader.attribute(root, 'layer_names') !== undefined
    ) {
      return { layout: 'keras2', layers: keras2Layers(reader, root, file) };
    }
  }
  throw new Error(
    `${file}: an HDF5 file but not Keras weights (no layers/ group of Keras 3, no layer_names attribute of Keras 2)`,
  );
}

/**
 * Keras's snake case of a class name (keras.src.utils.naming.to_snake_case), which names a
 * layer's group in a Keras 3 weights file: Conv2D → conv2d, BatchNormalization →
 * batch_normalization.
 */
export function kerasSnakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * The key of each layer of `model` in a Keras 3 weights file of the same architecture: layers in
 * model order, counted per class (`conv2d`, `conv2d_1`, …), as Keras's saving_lib assigns them.
 */
export function kerasLayerKeys(model: tf.LayersModel): Map<string, string> {
  const used = new Map<string, number>();
  const keys = new Map<string, string>();
  for (const layer of model.layers) {
    if (layer instanceof tfjs.LayersModel) {
      throw new RangeError(
        `Keras weights: model "${model.name}" nests model "${layer.name}"; only flat models are supported`,
      );
    }
    const base = kerasSnakeCase(layer.getClassName());
    const count = used.get(base);
    used.set(base, count === undefined ? 0 : count + 1);
    keys.set(layer.name, count === undefined ? `layers/${base}` : `layers/${base}_${count + 1}`);
  }
  return keys;
}

/** The short name of a TF.js weight (`kernel` of `top_pred/kernel`). */
function shortName(variable: tf.LayerVariable): string {
  const name = variable.originalName;
  return name.slice(name.lastIndexOf('/') + 1);
}

/** A file weight as `layer/kernel` (Keras 2) or `layer/vars/0` (Keras 3, which stores no names). */
function describeFileWeight(layer: FileLayer, index: number): string {
  const weight = layer.weights[index]!;
  return `${layer.name ?? layer.key}/${weight.name ?? `vars/${index}`}`;
}

const FLOAT_DTYPES = new Set(['<f', '>f', '<d', '>d']);

function listNames(names: readonly string[]): string {
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
}

/**
 * Loads Keras weights (`.weights.h5`, `.keras` or Keras 2 `.h5`, as bytes) into `model` by layer
 * name, with the checks of loadWeights: each model layer takes the file layer of the same name
 * (tf.keras 2 `conv1/conv` and Keras 3 `conv1_conv` spellings, and the head's earlier names, are
 * the same layer) and its weights in order; every count, shape and dtype is checked before
 * anything is assigned, so a failed load changes nothing. Errors name the file, layer and weight.
 */
export async function loadKerasWeights(
  model: tf.LayersModel,
  source: ArrayBuffer | ArrayBufferView,
  options: LoadKerasWeightsOptions = {},
): Promise<LoadKerasWeightsReport> {
  const strict = options.strict ?? true;
  const file = options.file ?? 'Keras weights';
  let bytes = toBytes(source);
  let label = file;
  if (isZip(bytes)) {
    bytes = readKerasArchive(bytes, file).weights;
    label = `${file} (model.weights.h5)`;
  }
  const planned = await withHdf5File(bytes, label, (reader) => {
    const { layout, layers: fileLayers } = detectLayout(reader, label);
    const named = fileLayers.every((l) => l.name !== null);
    const byName = new Map<string, FileLayer[]>();
    for (const layer of fileLayers) {
      const key = named ? layer.name! : layer.key;
      byName.set(key, [...(byName.get(key) ?? []), layer]);
    }
    const modelKeys = named ? null : kerasLayerKeys(model);

    const assignments: Array<{ variable: tf.LayerVariable; layer: FileLayer; index: number }> = [];
    const missing: string[] = [];
    const usedLayers = new Set<FileLayer>();
    for (const modelLayer of model.layers) {
      const variables = modelLayer.weights;
      if (variables.length === 0) continue;
      const candidates = modelKeys
        ? [modelKeys.get(modelLayer.name)!]
        : layerNameAliases(modelLayer.name);
      const matches = [...new Set(candidates.flatMap((c) => byName.get(c) ?? []))];
      if (matches.length > 1) {
        throw new Error(
          `${label}: layer "${modelLayer.name}" matches several file layers (${matches.map((m) => m.key).join(', ')})`,
        );
      }
      const fileLayer = matches[0];
      if (!fileLayer || fileLayer.weights.length === 0) {
        missing.push(...variables.map((v) => v.originalName));
        continue;
      }
      if (usedLayers.has(fileLayer)) {
        throw new Error(
          `${label}: layer "${fileLayer.name ?? fileLayer.key}" would be loaded into two model layers`,
        );
      }
      usedLayers.add(fileLayer);
      const where = `${label}: layer "${fileLayer.name ?? modelLayer.name}" (${fileLayer.key})`;
      if (fileLayer.weights.length !== variables.length) {
        throw new Error(
          `${where} has ${fileLayer.weights.length} weight(s) but model layer "${modelLayer.name}" has ${variables.length} (${variables.map(shortName).join(', ')})`,
        );
      }
      variables.forEach((variable, index) => {
        const weight = fileLayer.weights[index]!;
        const fileName = describeFileWeight(fileLayer, index);
        if (weight.name !== null && weight.name !== shortName(variable)) {
          throw new Error(
            `${where}: weight ${index} is "${weight.name}" but model weight "${variable.originalName}" is ${shortName(variable)}`,
          );
        }
        const expected = variable.shape;
        if (
          weight.shape.length !== expected.length ||
          weight.shape.some((d, i) => d !== expected[i])
        ) {
          throw new Error(
            `${label}: weight "${fileName}" has shape [${weight.shape.join(', ')}] but model weight "${variable.originalName}" needs [${expected.join(', ')}]`,
          );
        }
        if (!FLOAT_DTYPES.has(weight.dtype) || variable.dtype !== 'float32') {
          throw new Error(
            `${label}: weight "${fileName}" has HDF5 type ${weight.dtype} but model weight "${variable.originalName}" is ${variable.dtype}`,
          );
        }
        assignments.push({ variable, layer: fileLayer, index });
      });
    }
    const unused = fileLayers
      .filter((l) => !usedLayers.has(l))
      .flatMap((l) => l.weights.map((_, i) => describeFileWeight(l, i)));

    if (strict && missing.length > 0) {
      throw new Error(
        `${label}: no weight for ${missing.length} model weight(s): ${listNames(missing)} (pass { strict: false } to load a subset)`,
      );
    }
    if (strict && unused.length > 0) {
      throw new Error(
        `${label}: weight(s) not in the model: ${listNames(unused)} (pass { strict: false } to ignore them)`,
      );
    }
    if (assignments.length === 0) {
      throw new Error(`${label}: no weight in the file matches a weight of model "${model.name}"`);
    }
    const values = assignments.map(({ layer, index }) => {
      const weight = layer.weights[index]!;
      const array = reader.dataset(weight.path);
      if (!array) throw new Error(`${label}: cannot read ${weight.path}`);
      return array.values;
    });
    return { layout, assignments, values, missing, unused };
  });

  planned.assignments.forEach(({ variable }, i) => {
    const tensor = tfjs.tensor(planned.values[i]!, variable.shape as number[], 'float32');
    variable.write(tensor);
    tensor.dispose();
  });
  return {
    layout: planned.layout,
    loaded: planned.assignments.map((a) => a.variable.originalName),
    missing: planned.missing,
    unused: planned.unused,
  };
}

/**
 * Every weight of `model` as the bytes of a Keras 3 `.weights.h5` that Keras's
 * `model.load_weights` reads into the same architecture: `layers/<class key>/vars/<i>` in each
 * layer's weight order (Conv2D/Dense: kernel, bias; BatchNormalization: gamma, beta, moving_mean,
 * moving_variance), the layer's name as attribute `name` of its `vars` group, as Keras 3 writes.
 */
export async function encodeKerasWeights(model: tf.LayersModel): Promise<Uint8Array> {
  return writeHdf5(kerasWeightsEntries(model));
}

/**
 * The groups and datasets of a Keras 3 weights file for `model`. `names: false` leaves out the
 * layer-name attributes, as Keras 3 releases before them wrote (tests of the key fallback).
 */
export function kerasWeightsEntries(
  model: tf.LayersModel,
  { names = true }: { names?: boolean } = {},
): H5WriteEntry[] {
  const keys = kerasLayerKeys(model);
  const named = (name: string) => (names ? { attributes: { name } } : {});
  const entries: H5WriteEntry[] = [
    { kind: 'group', path: 'layers' },
    { kind: 'group', path: 'vars', ...named(model.name) },
  ];
  for (const layer of model.layers) {
    const key = keys.get(layer.name)!;
    entries.push({ kind: 'group', path: key });
    // Keras 3 spells the tf.keras 2 stem names conv1/conv as conv1_conv.
    entries.push({ kind: 'group', path: `${key}/vars`, ...named(layer.name.replaceAll('/', '_')) });
    layer.weights.forEach((variable, i) => {
      const values = variable.read().dataSync();
      if (!(values instanceof Float32Array)) {
        throw new TypeError(
          `Keras weights: model weight "${variable.originalName}" is ${variable.dtype}, not float32`,
        );
      }
      entries.push({
        kind: 'dataset',
        path: `${key}/vars/${i}`,
        shape: variable.shape as number[],
        values,
      });
    });
  }
  return entries;
}
