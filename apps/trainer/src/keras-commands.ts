import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  classifierFromKeras,
  describeKerasClassifier,
  type KerasClassifierRequest,
} from '@cihmlc/densenet';
import {
  loadKerasWeightsFile,
  readKerasClassifierFile,
  saveKerasWeights,
  saveWeights,
} from '@cihmlc/densenet/node';
import { writeJsonAtomicSync } from '@cihmlc/internal/node';
import { chexpertTaxonomy, labelSetForOutputs, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import { type RunConfig, readRunConfig } from './config.js';
import type { Log } from './data.js';
import { openRunDir } from './run-dir.js';
import { buildModel } from './train.js';
import { loadRunModel } from './use-model.js';

/** The flag of each setting that a `.keras` file fixes (and that must not contradict it). */
const KERAS_FLAGS: Record<keyof KerasClassifierRequest, string> = {
  imageSize: 'image-size',
  variant: 'variant',
  headFilters: 'head-filters',
  denseUnits: 'dense-units',
};

export interface ImportKerasOptions {
  file: string;
  out: string;
  /** The flags left after the dispatcher took its own (config flags, --data, --profile …). */
  flags: Record<string, string | boolean>;
  /** The dispatcher's config resolution (profile — `paper` unless given —, --config, flags, --data). */
  configFrom: (flags: Record<string, string | boolean>) => RunConfig;
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
  const flags = { ...opts.flags };
  const keras = await readKerasClassifierFile(file);
  if (keras) {
    const fields = Object.keys(KERAS_FLAGS) as (keyof KerasClassifierRequest)[];
    const given = (field: keyof KerasClassifierRequest) => flags[KERAS_FLAGS[field]];
    const requested = Object.fromEntries(
      fields
        .filter((field) => given(field) !== undefined)
        .map((field) => [field, field === 'variant' ? String(given(field)) : Number(given(field))]),
    ) as KerasClassifierRequest;
    const settings = classifierFromKeras(keras.architecture, requested, {
      where: file,
      fieldNames: Object.fromEntries(fields.map((field) => [field, `--${KERAS_FLAGS[field]}`])),
    });
    for (const field of fields) flags[KERAS_FLAGS[field]] = String(settings[field]);
    const asked = flags['label-set'];
    flags['label-set'] = labelSetForOutputs(chexpertTaxonomy, settings.numOutputs, {
      requested: asked === undefined ? undefined : String(asked),
      where: file,
    });
    for (const note of settings.notes) log(`note: ${note}`);
  } else if (['variant', 'image-size', 'label-set'].some((name) => flags[name] === undefined)) {
    throw new Error(
      `${file} is a weights-only file: pass --variant, --image-size and --label-set (and --head-filters/--dense-units unless the profile's)`,
    );
  }
  const labelSet = String(flags['label-set']);
  if (labelSet !== 'hierarchical21' && flags.penalty === undefined) flags.penalty = 'none';
  const config = opts.configFrom(flags);
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
      architecture: {
        variant: config.variant,
        imageSize: config.imageSize,
        headFilters: config.headFilters,
        denseUnits: config.denseUnits,
        outputs: labels.length,
      },
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

export interface ExportKerasOptions {
  runDir: string;
  out: string;
  checkpoint: string;
  log: Log;
}

/** `export --keras --run DIR --out FILE.weights.h5`: a run's checkpoint as Keras 3 weights. */
export async function exportKerasCommand(opts: ExportKerasOptions): Promise<void> {
  const { runDir, out, log } = opts;
  const config = readRunConfig(runDir);
  const { model, dir, taxonomy } = await loadRunModel(config, runDir, opts.checkpoint);
  try {
    await saveKerasWeights(model, out);
  } finally {
    model.dispose();
  }
  const labels = taxonomy.outputLabels;
  const keras = describeKerasClassifier({
    ...config,
    inputShape: [config.imageSize, config.imageSize, 3],
    numOutputs: labels.length,
  });
  log(`wrote ${out} (Keras 3 .weights.h5) from ${dir}`);
  log(`  Keras: ${keras}, then model.load_weights("${path.basename(out)}")`);
  log(`  outputs: ${labels.join(', ')}`);
}
