import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from './classifier.js';
import { FusedBatchNormalization } from './fused-batch-normalization.js';
import { saveModel } from './model-files.js';
import { bufferedFetch, loadModelFrom, MODEL_JSON } from './model-sources.js';
import { useCpuBackend } from './test-backend.js';
import { saveWeights } from './weight-checkpoint-files.js';
import { loadWeightsFromMemory, loadWeightsFromUrl, WEIGHTS_JSON } from './weight-checkpoints.js';

// The browser-safe loaders, fed from files a Node save wrote (bytes in memory, or a fetch that
// serves the directory): what a page gets from File objects or its server.

let root: string;
beforeAll(async () => {
  await useCpuBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'densenet-model-sources-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

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

async function predictOn(model: tf.LayersModel): Promise<number[]> {
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 7);
  const y = model.predict(x) as tf.Tensor;
  const values = Array.from(await y.data());
  tf.dispose([x, y]);
  return values;
}

async function shardsOf(dir: string, manifest: string): Promise<Record<string, ArrayBuffer>> {
  const json = JSON.parse(await fs.readFile(path.join(dir, manifest), 'utf8'));
  const entries = await Promise.all(
    json.weightsManifest
      .flatMap((g: { paths: string[] }) => g.paths)
      .map(async (p: string) => {
        const bytes = await fs.readFile(path.join(dir, p));
        return [p, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)];
      }),
  );
  return Object.fromEntries(entries);
}

/** A fetch that serves `dir` under http://test/ (and records the URLs asked for). */
function fetchFrom(dir: string, asked: string[]): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = String(input);
    asked.push(url);
    try {
      return new Response(await fs.readFile(path.join(dir, url.replace('http://test/', ''))));
    } catch {
      return new Response('not found', { status: 404, statusText: 'Not Found' });
    }
  }) as typeof fetch;
}

describe('loadModelFrom', () => {
  it('loads model.json + shards from memory: same predictions, fused batch norms', async () => {
    const dir = path.join(root, 'memory');
    const model = tinyClassifier(3);
    await saveModel(model, dir, { shardBytes: 20_000 });
    const modelJson = await fs.readFile(path.join(dir, MODEL_JSON), 'utf8');
    const weights = await shardsOf(dir, MODEL_JSON);
    expect(Object.keys(weights).length).toBeGreaterThan(1);

    const restored = await loadModelFrom({ modelJson, weights });
    expect(await predictOn(restored)).toEqual(await predictOn(model));
    expect(restored.layers.some((l) => l instanceof FusedBatchNormalization)).toBe(true);
    // Shards as an ordered array work too; a missing shard is named.
    const ordered = JSON.parse(modelJson).weightsManifest[0].paths.map((p: string) => weights[p]);
    const again = await loadModelFrom({ modelJson: JSON.parse(modelJson), weights: ordered });
    expect(await predictOn(again)).toEqual(await predictOn(model));
    await expect(loadModelFrom({ modelJson, weights: ordered.slice(1) })).rejects.toThrow(
      /shard buffer\(s\) but the manifest lists/,
    );
    for (const m of [model, restored, again]) m.dispose();
  });

  it('loads from a URL through fetch (a folder URL means its model.json) and reports progress', async () => {
    const dir = path.join(root, 'url');
    const model = tinyClassifier(4);
    await saveModel(model, dir);
    const asked: string[] = [];
    const progress: number[] = [];
    const restored = await loadModelFrom('http://test/', {
      fetchFunc: fetchFrom(dir, asked),
      onProgress: (f) => progress.push(f),
    });
    expect(await predictOn(restored)).toEqual(await predictOn(model));
    expect(asked[0]).toBe('http://test/model.json');
    expect(progress.at(-1)).toBe(1);
    await expect(
      loadModelFrom('http://test/missing/', { fetchFunc: fetchFrom(dir, []) }),
    ).rejects.toThrow(/404/);
    for (const m of [model, restored]) m.dispose();
  });

  it('rejects a weights-only manifest and anything that is not a source', async () => {
    await expect(
      loadModelFrom({ modelJson: { weightsManifest: [] }, weights: new ArrayBuffer(0) }),
    ).rejects.toThrow(/modelTopology is missing/);
    await expect(loadModelFrom(42 as never)).rejects.toThrow(TypeError);
  });

  it('throws RangeError for Files without exactly one model.json', async () => {
    const shards = [new File([new Uint8Array(4)], 'a.bin'), new File([new Uint8Array(4)], 'b.bin')];
    const load = () => loadModelFrom(shards);
    await expect(load()).rejects.toBeInstanceOf(RangeError);
    await expect(load()).rejects.toThrow(
      /model files: expected exactly one \.json file \(the model\.json\) among a\.bin, b\.bin/,
    );
  });
});

describe('loadWeightsFromMemory / loadWeightsFromUrl', () => {
  it('loads a weights-only checkpoint from buffers and from a URL', async () => {
    const dir = path.join(root, 'weights');
    const source = tinyClassifier(5);
    await saveWeights(source, dir, { shardBytes: 30_000 });
    const manifest = await fs.readFile(path.join(dir, WEIGHTS_JSON), 'utf8');
    const shards = await shardsOf(dir, WEIGHTS_JSON);

    const target = tinyClassifier(6);
    expect(await predictOn(target)).not.toEqual(await predictOn(source));
    const report = loadWeightsFromMemory(target, manifest, shards);
    expect(report.loaded.length).toBe(source.weights.length);
    expect(await predictOn(target)).toEqual(await predictOn(source));

    const other = tinyClassifier(7);
    await loadWeightsFromUrl(other, 'http://test/weights.json', { fetch: fetchFrom(dir, []) });
    expect(await predictOn(other)).toEqual(await predictOn(source));

    // One joined buffer of the wrong size is refused before anything is assigned.
    expect(() => loadWeightsFromMemory(other, manifest, new ArrayBuffer(8))).toThrow(
      /holds 8 bytes but the manifest's weights need/,
    );
    for (const m of [source, target, other]) m.dispose();
  });
});

describe('bufferedFetch', () => {
  it('resolves only once the body is read, keeping status and headers', async () => {
    let pulled = 0;
    const stub = (async () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            pulled++;
            if (pulled <= 3) controller.enqueue(new Uint8Array([pulled]));
            else controller.close();
          },
        }),
        { status: 200, headers: { 'x-shard': '1' } },
      )) as unknown as typeof fetch;
    const response = await bufferedFetch(stub)('http://test/shard.bin');
    // The whole stream was consumed before the promise resolved (a connection is free again).
    expect(pulled).toBe(4);
    expect(response.headers.get('x-shard')).toBe('1');
    expect(Array.from(new Uint8Array(await response.arrayBuffer()))).toEqual([1, 2, 3]);
  });
});
