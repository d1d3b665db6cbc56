import { File } from 'node:buffer';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { loadModelFolder, MODEL_FOLDER_MANIFEST, ModelFolderError } from './model-folder.js';
import { readModelFolder, writeModelFolder } from './model-folder-files.js';
import { useCpuBackend } from './test-backend.js';
import { sampleManifest } from './test-model-folder.js';

let root: string;
let model: tf.LayersModel;
let folder: string;
const input = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
let expected: Float32Array;

beforeAll(async () => {
  await useCpuBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'densenet-model-folder-'));
  model = createClassifier({
    variant: 'tiny',
    inputShape: [32, 32, 3],
    numOutputs: 21,
    headFilters: 8,
    denseUnits: 8,
    seed: 11,
  });
  expected = (model.predict(input) as tf.Tensor).dataSync() as Float32Array;
  folder = path.join(root, 'exported');
  // Several shards, so that the loaders have to find and join them.
  await writeModelFolder(model, folder, sampleManifest(), { shardBytes: 40_000 });
});
afterAll(async () => {
  model.dispose();
  input.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

/** A fetch that serves `dir` at http://host/m/ (what a static web server does). */
function serve(dir: string): typeof fetch {
  return (async (url: string | URL | Request) => {
    const file = path.join(dir, String(url).replace('http://host/m/', ''));
    try {
      return new Response(await fs.readFile(file));
    } catch {
      return new Response('', { status: 404, statusText: 'Not Found' });
    }
  }) as typeof fetch;
}

async function filesOf(dir: string, skip: (name: string) => boolean = () => false) {
  const names = (await fs.readdir(dir)).filter((n) => !skip(n));
  return Promise.all(
    names.map(async (n) => new File([await fs.readFile(path.join(dir, n))], n)),
  ) as unknown as Promise<globalThis.File[]>;
}

function predictions(m: tf.LayersModel): Float32Array {
  return tf.tidy(() => (m.predict(input) as tf.Tensor).dataSync() as Float32Array);
}

describe('writeModelFolder', () => {
  it('writes model.json, its shards and the manifest as indented JSON in the order given', async () => {
    const names = (await fs.readdir(folder)).sort();
    expect(names.filter((n) => n.endsWith('.bin')).length).toBeGreaterThan(1);
    expect(names).toContain('model.json');
    const text = await fs.readFile(path.join(folder, MODEL_FOLDER_MANIFEST), 'utf8');
    expect(text).toBe(`${JSON.stringify(sampleManifest(), null, 2)}\n`);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'format',
      'version',
      'model',
      'labels',
      'labelSet',
      'taxonomy',
      'inputShape',
      'preprocessing',
      'gradCamLayer',
      'mcDropout',
      'variant',
      'run',
      'metrics',
    ]);
  });

  it('writes nothing for a bad manifest or a model that does not fit it', async () => {
    const bad = path.join(root, 'bad');
    await expect(
      writeModelFolder(model, bad, { ...sampleManifest(), labels: ['x'] }),
    ).rejects.toThrow(ModelFolderError);
    await expect(
      writeModelFolder(model, bad, { ...sampleManifest(), inputShape: [64, 64, 3] }),
    ).rejects.toThrow(
      /the model takes \[batch, 32, 32, 3\] but cihmlc-model\.json says \[64, 64, 3\]/,
    );
    await expect(
      writeModelFolder(model, bad, { ...sampleManifest(), model: 'other.json' }),
    ).rejects.toThrow(TypeError);
    await expect(fs.access(bad)).rejects.toThrow();
  });
});

describe('reading a model folder back', () => {
  it('readModelFolder(dir): the manifest and a model that predicts what the written one did', async () => {
    const { model: loaded, manifest } = await readModelFolder(folder);
    expect(manifest).toEqual(JSON.parse(JSON.stringify(sampleManifest())));
    expect(Array.from(predictions(loaded))).toEqual(Array.from(expected));
    loaded.dispose();
  });

  it('loadModelFolder(url) through fetch, with progress up to 1', async () => {
    const progress: number[] = [];
    const { model: loaded, manifest } = await loadModelFolder('http://host/m', {
      fetchFunc: serve(folder),
      onProgress: (f) => progress.push(f),
    });
    expect(manifest.labels).toHaveLength(21);
    expect(progress.at(-1)).toBe(1);
    expect(Array.from(predictions(loaded))).toEqual(Array.from(expected));
    loaded.dispose();
  });

  it('loadModelFolder(files): every file of the folder, read in memory', async () => {
    const progress: number[] = [];
    const { model: loaded } = await loadModelFolder(await filesOf(folder), {
      onProgress: (f) => progress.push(f),
    });
    const shards = (await fs.readdir(folder)).filter((n) => n.endsWith('.bin'));
    expect(progress).toHaveLength(shards.length);
    expect(progress.at(-1)).toBe(1);
    expect(Array.from(predictions(loaded))).toEqual(Array.from(expected));
    loaded.dispose();
  });

  it('names what is missing: the manifest (URL, files, directory), model.json, a shard', async () => {
    await expect(loadModelFolder('http://host/m/', { fetchFunc: serve(root) })).rejects.toThrow(
      /No cihmlc-model\.json in http:\/\/host\/m\/ \(HTTP 404\)/,
    );
    await expect(
      loadModelFolder('http://host/m/', {
        fetchFunc: async () => {
          throw new Error('offline');
        },
      }),
    ).rejects.toThrow(/Cannot reach the model folder http:\/\/host\/m\/ \(offline\)/);
    await expect(
      loadModelFolder(await filesOf(folder, (n) => n === MODEL_FOLDER_MANIFEST)),
    ).rejects.toThrow(/No cihmlc-model\.json among the chosen model files \(.*model\.json/);
    await expect(loadModelFolder(await filesOf(folder, (n) => n === 'model.json'))).rejects.toThrow(
      /The model folder the chosen model files does not match: model\.json is missing/,
    );
    await expect(loadModelFolder(await filesOf(folder, (n) => /shard2of/.test(n)))).rejects.toThrow(
      /the weight file group1-shard2of\d-\w+\.bin named in model\.json is missing/,
    );
    await expect(readModelFolder(root)).rejects.toThrow(
      new RegExp(`No cihmlc-model\\.json in ${root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
  });

  it('refuses a folder whose model does not fit its manifest, on every path', async () => {
    const other = path.join(root, 'other');
    await fs.cp(folder, other, { recursive: true });
    const edited = { ...sampleManifest(), gradCamLayer: 'not_a_layer' };
    await fs.writeFile(path.join(other, MODEL_FOLDER_MANIFEST), JSON.stringify(edited));
    const fits = /the model has no layer not_a_layer for Grad-CAM/;
    await expect(readModelFolder(other)).rejects.toThrow(fits);
    await expect(loadModelFolder('http://host/m/', { fetchFunc: serve(other) })).rejects.toThrow(
      fits,
    );
    await expect(loadModelFolder(await filesOf(other))).rejects.toThrow(fits);
    // A manifest field error names the folder it came from.
    await fs.writeFile(
      path.join(other, MODEL_FOLDER_MANIFEST),
      JSON.stringify({ ...sampleManifest(), mcDropout: { samples: 0, seed: 1 } }),
    );
    await expect(readModelFolder(other)).rejects.toMatchObject({
      name: 'ModelFolderError',
      source: other,
      field: 'mcDropout.samples',
    });
  });
});
