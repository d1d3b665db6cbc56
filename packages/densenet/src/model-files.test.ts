import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { fileSystemHandler } from './file-system-handler.js';
import { FusedBatchNormalization } from './fused-batch-normalization.js';
import { loadModel, saveModel } from './model-files.js';
import { MODEL_JSON } from './model-sources.js';
import { useCpuBackend } from './test-backend.js';

let root: string;
beforeAll(async () => {
  await useCpuBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'densenet-model-files-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
afterEach(useCpuBackend);

function tinyClassifier(seed: number): tf.LayersModel {
  return createClassifier({
    variant: 'tiny',
    inputShape: [32, 32, 3],
    numOutputs: 4,
    headFilters: 16,
    denseUnits: 8,
    seed,
  });
}

/** Moves the BN statistics off their 0/1 initial values so a round trip has to carry them. */
function perturbBatchNormStatistics(model: tf.LayersModel): void {
  for (const w of model.nonTrainableWeights) {
    tf.tidy(() => {
      w.write(tf.add(w.read(), tf.randomUniform(w.shape as number[], 0.1, 0.5, 'float32', 5)));
    });
  }
}

function batch(): tf.Tensor {
  return tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 42);
}

async function predictOn(model: tf.LayersModel): Promise<number[]> {
  const x = batch();
  const y = model.predict(x) as tf.Tensor;
  const values = Array.from(await y.data());
  tf.dispose([x, y]);
  return values;
}

describe('saveModel / loadModel', () => {
  it('round-trips topology and weights: same predictions and weight values', async () => {
    const dir = path.join(root, 'round-trip');
    const model = tinyClassifier(1);
    perturbBatchNormStatistics(model);
    const result = await saveModel(model, dir);
    expect(result.modelArtifactsInfo.modelTopologyType).toBe('JSON');

    const json = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.config.name).toBe(model.name);
    const specNames = json.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    expect(specNames).toContain('conv1/conv/kernel');
    expect(specNames).toContain('conv2_block1_0_bn/moving_mean');
    expect(specNames).toContain('top_conv2d/bias');

    const loaded = await loadModel(dir);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(await predictOn(loaded)).toEqual(await predictOn(model));
    const original = model.getLayer('conv2_block1_1_bn').getWeights()[3]!;
    const restored = loaded.getLayer('conv2_block1_1_bn').getWeights()[3]!;
    expect(Array.from(restored.dataSync())).toEqual(Array.from(original.dataSync()));
    model.dispose();
    loaded.dispose();
  });

  it('loads batch norms as FusedBatchNormalization (or stock on request), registry left as it was', async () => {
    const dir = path.join(root, 'fused-bn');
    const model = tinyClassifier(3);
    perturbBatchNormStatistics(model);
    await saveModel(model, dir);
    const bnLayers = (m: tf.LayersModel) =>
      m.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    const fused = await loadModel(dir);
    const stock = await loadModel(dir, { fusedBatchNorm: false });
    expect(bnLayers(fused).length).toBeGreaterThan(3);
    expect(bnLayers(fused).every((l) => l instanceof FusedBatchNormalization)).toBe(true);
    expect(bnLayers(stock).some((l) => l instanceof FusedBatchNormalization)).toBe(false);
    expect(await predictOn(fused)).toEqual(await predictOn(stock));
    // Other deserialisation afterwards gets tfjs-layers' own class again.
    const plain = tf.models.modelFromJSON({
      modelTopology: (await fused.toJSON(undefined, false)) as tf.io.ModelJSON['modelTopology'],
    } as tf.io.ModelJSON);
    expect(bnLayers(await plain).some((l) => l instanceof FusedBatchNormalization)).toBe(false);
    for (const m of [model, fused, stock, await plain]) m.dispose();
  });

  it('writes the standard format: the http loader of TF.js reads the directory', async () => {
    const dir = path.join(root, 'standard');
    const model = tinyClassifier(9);
    await saveModel(model, dir, { shardBytes: 50_000 });
    // Serve the directory to tf.io.http through a fetch that reads files from disk.
    const fetchFunc = async (url: string) => {
      const file = path.join(dir, new URL(url).pathname.slice(1));
      return new Response(await fs.readFile(file));
    };
    const loaded = await tf.loadLayersModel(
      tf.io.http('http://models.invalid/model.json', { fetchFunc: fetchFunc as typeof fetch }),
    );
    expect(await predictOn(loaded)).toEqual(await predictOn(model));
    model.dispose();
    loaded.dispose();
  });

  it('splits weights into shards of the requested size, in order', async () => {
    const dir = path.join(root, 'sharded');
    const model = tinyClassifier(2);
    await saveModel(model, dir, { shardBytes: 10_000 });
    const json = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8'));
    const paths: string[] = json.weightsManifest[0].paths;
    const sizes = await Promise.all(
      paths.map(async (p) => (await fs.stat(path.join(dir, p))).size),
    );
    const totalBytes = 4 * model.countParams();
    expect(paths.length).toBe(Math.ceil(totalBytes / 10_000));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(totalBytes);
    expect(sizes.slice(0, -1).every((s) => s === 10_000)).toBe(true);
    const loaded = await loadModel(dir);
    expect(await predictOn(loaded)).toEqual(await predictOn(model));
    model.dispose();
    loaded.dispose();
  });

  it('replaces an earlier save completely and leaves no temp or stale shard files', async () => {
    const dir = path.join(root, 'overwrite');
    const first = tinyClassifier(3);
    await saveModel(first, dir);
    const second = tinyClassifier(4);
    await saveModel(second, dir);
    const json = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8'));
    const files = (await fs.readdir(dir)).sort();
    expect(files).toEqual([MODEL_JSON, ...json.weightsManifest[0].paths].sort());
    const loaded = await loadModel(dir);
    expect(await predictOn(loaded)).toEqual(await predictOn(second));
    expect(await predictOn(loaded)).not.toEqual(await predictOn(first));
    for (const m of [first, second, loaded]) m.dispose();
  });

  it('keeps the previous model intact when a save fails before model.json is committed', async () => {
    const dir = path.join(root, 'failed-save');
    const model = tinyClassifier(5);
    await saveModel(model, dir);
    const before = await fs.readFile(path.join(dir, MODEL_JSON), 'utf8');
    // A topology JSON.stringify cannot serialise fails after the new shards are written.
    const broken = { modelTopology: { bad: 1n }, weightSpecs: [], weightData: new ArrayBuffer(0) };
    await expect(fileSystemHandler(dir).save!(broken)).rejects.toThrow(/BigInt/);
    expect(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8')).toBe(before);
    const loaded = await loadModel(dir);
    expect(await predictOn(loaded)).toEqual(await predictOn(model));
    expect((await fs.readdir(dir)).some((f) => f.includes('.tmp-'))).toBe(false);
    model.dispose();
    loaded.dispose();
  });

  it('loads a model saved on cpu under wasm with the same predictions', async () => {
    const dir = path.join(root, 'cross-backend');
    const model = tinyClassifier(6);
    perturbBatchNormStatistics(model);
    const onCpu = await predictOn(model);
    await saveModel(model, dir);
    model.dispose();

    expect(await tf.setBackend('wasm')).toBe(true);
    const loaded = await loadModel(dir);
    const onWasm = await predictOn(loaded);
    expect(tf.getBackend()).toBe('wasm');
    loaded.dispose();
    expect(onWasm.length).toBe(onCpu.length);
    onWasm.forEach((v, i) => {
      expect(v).toBeCloseTo(onCpu[i]!, 5);
    });
  });

  it('saves under wasm and loads under cpu with the same predictions', async () => {
    const dir = path.join(root, 'cross-backend-back');
    expect(await tf.setBackend('wasm')).toBe(true);
    const model = tinyClassifier(7);
    const onWasm = await predictOn(model);
    await saveModel(model, dir);
    model.dispose();

    await useCpuBackend();
    const loaded = await loadModel(dir);
    const onCpu = await predictOn(loaded);
    loaded.dispose();
    onCpu.forEach((v, i) => {
      expect(v).toBeCloseTo(onWasm[i]!, 5);
    });
  });
});

describe('loadModel errors name the file and field', () => {
  async function savedCopy(name: string): Promise<string> {
    const dir = path.join(root, name);
    const model = tinyClassifier(8);
    await saveModel(model, dir);
    model.dispose();
    return dir;
  }

  it('reports a missing directory or model.json', async () => {
    await expect(loadModel(path.join(root, 'nowhere'))).rejects.toThrow(
      /nowhere.*model\.json: cannot read/,
    );
  });

  it('reports invalid JSON', async () => {
    const dir = await savedCopy('bad-json');
    await fs.writeFile(path.join(dir, MODEL_JSON), '{"modelTopology": ');
    await expect(loadModel(dir)).rejects.toThrow(/bad-json\/model\.json: not valid JSON/);
  });

  it('reports a missing modelTopology or weightsManifest', async () => {
    const dir = await savedCopy('no-topology');
    const file = path.join(dir, MODEL_JSON);
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...json, modelTopology: undefined }));
    await expect(loadModel(dir)).rejects.toThrow(/model\.json: field modelTopology is missing/);
    await fs.writeFile(file, JSON.stringify({ ...json, weightsManifest: {} }));
    await expect(loadModel(dir)).rejects.toThrow(
      /model\.json: field weightsManifest is missing or not an array/,
    );
  });

  it('reports a bad weight entry with its index and name', async () => {
    const dir = await savedCopy('bad-entry');
    const file = path.join(dir, MODEL_JSON);
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    json.weightsManifest[0].weights[2].shape = [3, -1];
    await fs.writeFile(file, JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(
      /model\.json: weightsManifest\[0\]\.weights\[2\] \("conv1\/bn\/beta"\)\.shape/,
    );
  });

  it('reports truncated and missing shards by path', async () => {
    const dir = await savedCopy('truncated');
    const json = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), 'utf8'));
    const shard = path.join(dir, json.weightsManifest[0].paths[0]);
    const bytes = await fs.readFile(shard);
    await fs.writeFile(shard, bytes.subarray(0, bytes.length - 8));
    await expect(loadModel(dir)).rejects.toThrow(
      new RegExp(
        `weightsManifest\\[0\\]: shards ${json.weightsManifest[0].paths[0]} hold ${bytes.length - 8} bytes but its weights need ${bytes.length}`,
      ),
    );
    await fs.rm(shard);
    await expect(loadModel(dir)).rejects.toThrow(/weightsManifest\[0\]\.paths\[0\]: cannot read/);
  });

  it('refuses shard paths that leave the model directory', async () => {
    const dir = await savedCopy('escape');
    const file = path.join(dir, MODEL_JSON);
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    json.weightsManifest[0].paths = ['../elsewhere.bin'];
    await fs.writeFile(file, JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(
      /paths\[0\]: "\.\.\/elsewhere\.bin" points outside/,
    );
  });
});
