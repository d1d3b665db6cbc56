import { chexpertTaxonomy } from '@cihmlc/taxonomy';
import { GRADCAM_LAYER_NAME } from './classifier.js';
import { MODEL_FOLDER_PREPROCESSING, type ModelFolderManifest } from './model-folder.js';

/** Test helper: a manifest as the trainer writes one (21 outputs, 32 px). */
export function sampleManifest(): ModelFolderManifest {
  return {
    format: 'cihmlc-model',
    version: 1,
    model: 'model.json',
    labels: [...chexpertTaxonomy.outputLabels],
    labelSet: 'hierarchical21',
    taxonomy: chexpertTaxonomy,
    inputShape: [32, 32, 3],
    preprocessing: MODEL_FOLDER_PREPROCESSING,
    gradCamLayer: GRADCAM_LAYER_NAME,
    mcDropout: { samples: 5, seed: 7 },
    variant: 'tiny',
    run: { name: 'run', checkpoint: 'best-loss', exportedAt: '2026-12-03T13:25:45.959Z' },
    metrics: {
      test: { weightedAuroc: 0.75, macroAuroc: 0.7 },
      bestValLoss: { epoch: 1, value: 4.16 },
      bestValAuroc: { epoch: 2, value: 0.56 },
      epochs: 2,
      perLabelAuroc: Object.fromEntries(
        chexpertTaxonomy.outputLabels.map((l, i) => [l, i % 3 === 0 ? null : 0.5]),
      ),
    },
  };
}
