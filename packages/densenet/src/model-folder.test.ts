import { chexpertTaxonomy, taxonomyForLabelSet } from '@cihmlc/taxonomy';
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import {
  checkModelFits,
  loadModelFolder,
  ModelFolderError,
  modelFolderManifest,
  parseModelFolderManifest,
} from './model-folder.js';
import { useCpuBackend } from './test-backend.js';
import { sampleManifest } from './test-model-folder.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests edit the manifest's JSON freely
type JsonObject = Record<string, any>;

/** The manifest as JSON (what a file holds), with `edit` applied. */
function json(edit: (m: JsonObject) => void = () => {}): JsonObject {
  const m = JSON.parse(JSON.stringify(sampleManifest()));
  edit(m);
  return m;
}

function errorOf(f: () => unknown): ModelFolderError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFolderError);
    return error as ModelFolderError;
  }
  throw new Error('expected a ModelFolderError');
}

describe('parseModelFolderManifest', () => {
  it('reads what the trainer writes, as JSON or as text, unchanged', () => {
    const text = JSON.stringify(sampleManifest());
    const fromText = parseModelFolderManifest(text, '/m/');
    expect(JSON.parse(JSON.stringify(fromText))).toEqual(JSON.parse(text));
    const fromJson = parseModelFolderManifest(JSON.parse(text), '/m/');
    expect(fromJson.labels).toEqual(chexpertTaxonomy.outputLabels);
    expect(fromJson.taxonomy.edges).toEqual(chexpertTaxonomy.edges);
    expect(fromJson.inputShape).toEqual([32, 32, 3]);
    expect(fromJson.mcDropout).toEqual({ samples: 5, seed: 7 });
    expect(fromJson.metrics.bestValLoss).toEqual({ epoch: 1, value: 4.16 });
  });

  it('accepts null metrics (a run that never finished them) and another label set', () => {
    const fourteen = taxonomyForLabelSet(chexpertTaxonomy, 'flat14');
    const m = parseModelFolderManifest(
      json((m) => {
        m.labels = fourteen.outputLabels;
        m.labelSet = 'flat14';
        m.taxonomy = JSON.parse(JSON.stringify(fourteen));
        m.metrics = {
          test: null,
          bestValLoss: null,
          // What summary.json holds when validation AUROC was never defined (-Infinity).
          bestValAuroc: { epoch: 0, value: null },
          epochs: null,
          perLabelAuroc: null,
        };
      }),
      '/m/',
    );
    expect(m.labels).toHaveLength(14);
    expect(m.metrics.test).toBeNull();
    expect(m.metrics.bestValAuroc).toEqual({ epoch: 0, value: null });
  });

  // Each bad field: the error is a ModelFolderError naming the source and the field.
  const cases: [string, (m: JsonObject) => void, RegExp][] = [
    ['format', (m) => (m.format = 'other'), /format is "other", expected "cihmlc-model"/],
    ['version', (m) => (m.version = 2), /version is 2; this @cihmlc\/densenet reads version 1/],
    ['model', (m) => (m.model = '../x.json'), /model must be a \.json file name/],
    ['model', (m) => delete m.model, /model must be a non-empty string \(got missing\)/],
    ['labels', (m) => (m.labels = []), /labels must be a non-empty array/],
    ['labels', (m) => (m.labels = ['a', 'a']), /labels names "a" twice/],
    ['labels', (m) => (m.labels = m.labels.slice(1)), /labels are not the taxonomy's outputs/],
    ['labelSet', (m) => (m.labelSet = 3), /labelSet must be a non-empty string \(got 3\)/],
    ['taxonomy', (m) => (m.taxonomy = { sourceLabels: 'x' }), /field taxonomy: taxonomy /],
    ['inputShape', (m) => (m.inputShape = [32, 32, 1]), /inputShape must be \[height, width, 3\]/],
    ['inputShape', (m) => (m.inputShape = [0, 32, 3]), /inputShape must be/],
    ['preprocessing', (m) => (m.preprocessing = null), /preprocessing must be an object/],
    ['preprocessing.scale', (m) => delete m.preprocessing.scale, /preprocessing\.scale must be/],
    ['gradCamLayer', (m) => (m.gradCamLayer = ''), /gradCamLayer must be a non-empty string/],
    ['mcDropout', (m) => delete m.mcDropout, /mcDropout must be an object \(got missing\)/],
    ['mcDropout.samples', (m) => (m.mcDropout.samples = 0), /samples must be an integer ≥ 1/],
    ['mcDropout.seed', (m) => (m.mcDropout.seed = 1.5), /seed must be an integer \(got 1\.5\)/],
    ['variant', (m) => (m.variant = null), /variant must be a non-empty string/],
    ['run.exportedAt', (m) => delete m.run.exportedAt, /run\.exportedAt must be/],
    ['metrics', (m) => delete m.metrics, /metrics must be an object/],
    ['metrics.test', (m) => (m.metrics.test = 0.5), /metrics\.test must be an object/],
    [
      'metrics.bestValLoss.epoch',
      (m) => (m.metrics.bestValLoss.epoch = -1),
      /bestValLoss\.epoch must be an integer ≥ 0/,
    ],
    [
      'metrics.bestValAuroc.value',
      (m) => (m.metrics.bestValAuroc.value = '0.5'),
      /bestValAuroc\.value must be a number or null/,
    ],
    ['metrics.epochs', (m) => (m.metrics.epochs = 'two'), /metrics\.epochs must be an integer/],
    [
      'metrics.perLabelAuroc["Edema"]',
      (m) => (m.metrics.perLabelAuroc.Edema = 'high'),
      /perLabelAuroc\["Edema"\] must be a number or null \(got "high"\)/,
    ],
  ];
  it.each(cases)('names the bad field %s', (field, edit, message) => {
    const error = errorOf(() => parseModelFolderManifest(json(edit), 'https://x/m/'));
    expect(error.field).toBe(field);
    expect(error.source).toBe('https://x/m/');
    expect(error.message).toMatch(/^The model folder https:\/\/x\/m\/ does not match: /);
    expect(error.message).toMatch(message);
  });

  it('refuses text that is not JSON, and JSON that is not an object', () => {
    expect(errorOf(() => parseModelFolderManifest('{"format"', 'dir')).message).toMatch(
      /The model folder dir does not match: cihmlc-model\.json is not valid JSON/,
    );
    expect(errorOf(() => parseModelFolderManifest([1], 'dir')).message).toMatch(
      /cihmlc-model\.json is not a JSON object/,
    );
  });
});

describe('modelFolderManifest', () => {
  it('fills in format, version, model file, preprocessing and Grad-CAM layer, in file order', () => {
    const { format, version, model, preprocessing, gradCamLayer, ...fields } = sampleManifest();
    expect([format, version, model]).toEqual(['cihmlc-model', 1, 'model.json']);
    // Same bytes as the hand-written manifest: the constants and the field order.
    expect(JSON.stringify(modelFolderManifest(fields))).toBe(JSON.stringify(sampleManifest()));
    const other = modelFolderManifest({ ...fields, gradCamLayer: 'conv5_block16_concat' });
    expect(other.gradCamLayer).toBe('conv5_block16_concat');
    expect(other.preprocessing).toBe(preprocessing);
    expect(parseModelFolderManifest(other, '/m/').gradCamLayer).toBe('conv5_block16_concat');
    expect(gradCamLayer).not.toBe('conv5_block16_concat');
  });
});

describe('checkModelFits', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    await useCpuBackend();
    model = createClassifier({
      variant: 'tiny',
      inputShape: [32, 32, 3],
      numOutputs: 21,
      headFilters: 8,
      denseUnits: 8,
      seed: 1,
    });
  });
  afterAll(() => model.dispose());

  it('accepts a model that fits and names what does not', () => {
    const manifest = sampleManifest();
    expect(() => checkModelFits(model, manifest, '/m/')).not.toThrow();
    expect(
      errorOf(() => checkModelFits(model, { ...manifest, inputShape: [64, 64, 3] }, '/m/')).message,
    ).toMatch(
      /The model folder \/m\/ does not match: the model takes \[batch, 32, 32, 3\] but cihmlc-model\.json says \[64, 64, 3\]/,
    );
    expect(
      errorOf(() => checkModelFits(model, { ...manifest, labels: ['a', 'b'] }, '/m/')).message,
    ).toMatch(/the model has 21 outputs but cihmlc-model\.json names 2 labels/);
    expect(
      errorOf(() => checkModelFits(model, { ...manifest, gradCamLayer: 'nope' }, '/m/')).message,
    ).toMatch(/the model has no layer nope for Grad-CAM/);
  });
});

describe('loadModelFolder arguments', () => {
  it('are TypeErrors naming the argument', async () => {
    await expect(loadModelFolder(42 as never)).rejects.toThrow(TypeError);
    await expect(loadModelFolder([{ name: 'model.json' }] as never)).rejects.toThrow(
      /source: expected a folder URL string, an array of Files or a FileList/,
    );
    await expect(loadModelFolder('/m/', { onProgress: 1 as never })).rejects.toThrow(
      /options\.onProgress: expected a function/,
    );
  });
});
