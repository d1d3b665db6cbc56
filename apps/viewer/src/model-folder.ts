import { loadModelFrom } from '@cihmlc/densenet';
import { parseTaxonomy, type Taxonomy } from '@cihmlc/taxonomy';
import type * as tf from '@tensorflow/tfjs';

/** The JSON `trainer export` writes next to model.json (fields the viewer uses). */
export const EXPORT_MANIFEST = 'cihmlc-model.json';

export interface ModelInfo {
  labels: string[];
  taxonomy: Taxonomy;
  inputShape: [number, number, 3];
  gradCamLayer: string;
  mcDropout: { samples: number; seed: number };
  variant: string;
  run: { name: string; checkpoint: string };
  metrics: {
    test: { weightedAuroc?: number | null; macroAuroc?: number | null } | null;
    perLabelAuroc: Record<string, number | null> | null;
  };
}

/** A problem the page shows the user as it is (no stack trace needed). */
export class ViewerError extends Error {
  override name = 'ViewerError';
}

function mismatch(url: string, what: string): ViewerError {
  return new ViewerError(`The model folder ${url} does not match: ${what}`);
}

/** Checks the export manifest's fields the viewer relies on. */
export function parseModelInfo(json: unknown, url: string): ModelInfo {
  if (typeof json !== 'object' || json === null)
    throw mismatch(url, `${EXPORT_MANIFEST} is not an object`);
  const m = json as Record<string, unknown>;
  if (m.format !== 'cihmlc-model') {
    throw mismatch(
      url,
      `${EXPORT_MANIFEST} has format ${JSON.stringify(m.format)}, expected "cihmlc-model" (made by trainer export)`,
    );
  }
  const labels = m.labels;
  if (
    !Array.isArray(labels) ||
    !labels.every((l) => typeof l === 'string') ||
    labels.length === 0
  ) {
    throw mismatch(url, `${EXPORT_MANIFEST}: labels must be a non-empty array of names`);
  }
  let taxonomy: Taxonomy;
  try {
    taxonomy = parseTaxonomy(JSON.stringify(m.taxonomy));
  } catch (error) {
    throw mismatch(url, `${EXPORT_MANIFEST}: taxonomy: ${(error as Error).message}`);
  }
  if (JSON.stringify(taxonomy.outputLabels) !== JSON.stringify(labels)) {
    throw mismatch(url, `${EXPORT_MANIFEST}: the taxonomy's outputs are not the labels`);
  }
  const shape = m.inputShape;
  if (
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    shape[2] !== 3 ||
    !shape.slice(0, 2).every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw mismatch(url, `${EXPORT_MANIFEST}: inputShape must be [height, width, 3]`);
  }
  const mc = (m.mcDropout ?? {}) as Record<string, unknown>;
  const run = (m.run ?? {}) as Record<string, unknown>;
  const metrics = (m.metrics ?? {}) as Record<string, unknown>;
  return {
    labels: labels as string[],
    taxonomy,
    inputShape: shape as [number, number, 3],
    gradCamLayer: typeof m.gradCamLayer === 'string' ? m.gradCamLayer : 'top_conv2d',
    mcDropout: {
      samples:
        Number.isInteger(mc.samples) && (mc.samples as number) > 1 ? (mc.samples as number) : 10,
      seed: Number.isInteger(mc.seed) ? (mc.seed as number) : 0,
    },
    variant: typeof m.variant === 'string' ? m.variant : '?',
    run: { name: String(run.name ?? '?'), checkpoint: String(run.checkpoint ?? '?') },
    metrics: {
      test: (metrics.test as ModelInfo['metrics']['test']) ?? null,
      perLabelAuroc: (metrics.perLabelAuroc as ModelInfo['metrics']['perLabelAuroc']) ?? null,
    },
  };
}

/** Throws unless the model's input and output fit the manifest. */
export function checkModelFits(model: tf.LayersModel, info: ModelInfo, url: string): void {
  const input = model.inputs[0]?.shape ?? [];
  const [h, w] = info.inputShape;
  if (model.inputs.length !== 1 || input[1] !== h || input[2] !== w || input[3] !== 3) {
    throw mismatch(
      url,
      `model.json takes [${input.map((d) => d ?? 'batch').join(', ')}] but ${EXPORT_MANIFEST} says [${h}, ${w}, 3]`,
    );
  }
  const output = model.outputs[0]?.shape ?? [];
  if (model.outputs.length !== 1 || output[1] !== info.labels.length) {
    throw mismatch(
      url,
      `model.json has ${output[1]} outputs but ${EXPORT_MANIFEST} names ${info.labels.length} labels`,
    );
  }
  try {
    model.getLayer(info.gradCamLayer);
  } catch {
    throw mismatch(url, `model.json has no layer ${info.gradCamLayer} for Grad-CAM`);
  }
}

/** The folder URL with a trailing slash (a relative one resolves against the page). */
export function folderUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * Loads an exported model folder: cihmlc-model.json, then model.json and its shards (progress
 * 0 → 1 over the weights), and checks that they belong together.
 */
export async function loadModelFolder(
  url: string,
  onProgress: (fraction: number) => void = () => {},
): Promise<{ model: tf.LayersModel; info: ModelInfo }> {
  const base = folderUrl(url);
  let response: Response;
  try {
    response = await fetch(`${base}${EXPORT_MANIFEST}`);
  } catch (error) {
    throw new ViewerError(`Cannot reach the model folder ${base} (${(error as Error).message})`);
  }
  if (!response.ok) {
    throw new ViewerError(
      `No ${EXPORT_MANIFEST} in ${base} (HTTP ${response.status}): not a model folder made by \`trainer export\``,
    );
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw mismatch(base, `${EXPORT_MANIFEST} is not valid JSON`);
  }
  const info = parseModelInfo(json, base);
  let model: tf.LayersModel;
  try {
    model = await loadModelFrom(`${base}model.json`, { onProgress });
  } catch (error) {
    throw mismatch(base, `model.json cannot be loaded (${(error as Error).message})`);
  }
  try {
    checkModelFits(model, info, base);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, info };
}

/**
 * Loads an exported model folder from local files (a folder picked or dropped: cihmlc-model.json,
 * model.json and its shards), through TF.js's browserFiles handler: nothing is uploaded.
 */
export async function loadModelFiles(
  files: readonly File[],
): Promise<{ model: tf.LayersModel; info: ModelInfo }> {
  const where = 'the chosen model files';
  const manifestFile = files.find((f) => f.name === EXPORT_MANIFEST);
  if (!manifestFile) {
    throw new ViewerError(
      `No ${EXPORT_MANIFEST} among ${where} (${files.map((f) => f.name).join(', ')}): choose every file of a folder made by \`trainer export\``,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await manifestFile.text());
  } catch {
    throw mismatch(where, `${EXPORT_MANIFEST} is not valid JSON`);
  }
  const info = parseModelInfo(json, where);
  const rest = files.filter((f) => f !== manifestFile);
  if (!rest.some((f) => f.name === 'model.json')) {
    throw mismatch(where, 'model.json is missing');
  }
  let model: tf.LayersModel;
  try {
    model = await loadModelFrom(
      rest.filter((f) => f.name === 'model.json' || f.name.endsWith('.bin')),
    );
  } catch (error) {
    throw mismatch(where, `model.json cannot be loaded (${(error as Error).message})`);
  }
  try {
    checkModelFits(model, info, where);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, info };
}
