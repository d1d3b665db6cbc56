import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { classifierFromKeras, describeKerasClassifier } from '@cihmlc/densenet';
import {
  loadKerasWeightsFile,
  readKerasClassifierFile,
  saveKerasWeights,
  saveWeights,
} from '@cihmlc/densenet/node';
import { optionFlag } from '@cihmlc/internal';
import { writeJsonAtomicSync } from '@cihmlc/internal/node';
import { chexpertTaxonomy, labelSetForOutputs, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import type { RunConfig } from './config.js';
import { CONFIG_FIELDS, type ConfigValues } from './config-fields.js';
import type { Log } from './data.js';
import { openRunDir } from './run-dir.js';
import { buildModel } from './train.js';
import type { RunModel } from './use-model.js';

/** The config fields a `.keras` file fixes (they must not contradict it). */
const KERAS_FIELDS = ['variant', 'imageSize', 'headFilters', 'denseUnits'] as const;

/** The fields of `object` that are set. */
function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(
    keys.filter((k) => object[k] !== undefined).map((k) => [k, object[k]]),
  ) as Pick<T, K>;
}

export interface ImportKerasOptions {
  file: string;
  out: string;
  /** The config flags given. */
  values: Partial<ConfigValues>;
  /** The dispatcher's config resolution (profile — `paper` unless given —, --config, flags, --data). */
  configFrom: (values: Partial<ConfigValues>) => RunConfig;
  log: Log;
}

/**
 * `import-keras FILE --out RUN`: a run folder (config.json, checkpoints/best-loss and best-auroc)
 * from a Keras DenseNet classifier with the paper's head, so that evaluate, explain and predict
 * work on it. A `.keras` file describes its architecture; a `.weights.h5` / `.h5` needs
 * --variant, --image-size, --head-filters, --dense-units and --label-set (or the profile's).
 */
export async function importKerasCommand(opts: ImportKerasOptions): Promise<void> {
  const { file, out, log } = opts;
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  const values = { ...opts.values };
  const keras = await readKerasClassifierFile(file);
  if (keras) {
    const flag = (f: string) => `--${optionFlag(CONFIG_FIELDS.find((r) => r.name === f)!)}`;
    const settings = classifierFromKeras(keras.architecture, pick(values, KERAS_FIELDS), {
      where: file,
      fieldNames: Object.fromEntries(KERAS_FIELDS.map((f) => [f, flag(f)])),
    });
    Object.assign(values, pick(settings, KERAS_FIELDS));
    values.labelSet = labelSetForOutputs(chexpertTaxonomy, settings.numOutputs, {
      requested: values.labelSet,
      where: file,
    });
    for (const note of settings.notes) log(`note: ${note}`);
  } else if (!values.variant || !values.imageSize || !values.labelSet) {
    throw new Error(
      `${file} is a weights-only file: pass --variant, --image-size and --label-set (and --head-filters/--dense-units unless the profile's)`,
    );
  }
  if (values.labelSet !== 'hierarchical21') values.penalty ??= 'none';
  const config = opts.configFrom(values);
  const labels = taxonomyForLabelSet(chexpertTaxonomy, config.labelSet).outputLabels;

  const model = buildModel(config);
  try {
    const report = await loadKerasWeightsFile(model, file);
    const paths = openRunDir(out, config);
    await saveWeights(model, paths.bestLoss);
    await saveWeights(model, paths.bestAuroc);
    writeJsonAtomicSync(path.join(out, 'keras-import.json'), {
      source: path.resolve(file),
      sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
      layout: report.layout,
      keras: keras?.metadata ?? null,
      architecture: { ...pick(config, KERAS_FIELDS), outputs: labels.length },
      outputLabels: labels,
      importedAt: new Date().toISOString(),
    });
    log(`imported ${file} (${report.layout}, ${report.loaded.length} weights) into ${out}`);
    log(
      `  ${config.variant} at ${config.imageSize}×${config.imageSize}, label set ${config.labelSet}`,
    );
    log(`  outputs are read in this order: ${labels.join(', ')}`);
    log(
      `  checkpoints: ${paths.bestLoss} (= best-auroc); use evaluate/explain/predict --run ${out}`,
    );
  } finally {
    model.dispose();
  }
}

/** `export --keras --run DIR --out FILE.weights.h5`: a run's checkpoint as Keras 3 weights. */
export async function exportKerasCommand(run: RunModel & { out: string }): Promise<void> {
  const { config, out, log } = run;
  await saveKerasWeights(run.model, out);
  const labels = run.taxonomy.outputLabels;
  const keras = describeKerasClassifier({
    ...config,
    inputShape: [config.imageSize, config.imageSize, 3],
    numOutputs: labels.length,
  });
  log(`wrote ${out} (Keras 3 .weights.h5) from ${run.dir}`);
  log(`  Keras: ${keras}, then model.load_weights("${path.basename(out)}")`);
  log(`  outputs: ${labels.join(', ')}`);
}
