import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModelFolder, MODEL_FOLDER_MANIFEST, type ModelFolderManifest } from '@cihmlc/densenet';
import { chexpertTaxonomy, parseTaxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './commands.js';

// A tiny run (40 synthetic patients, 32×32 images, 1 epoch of 2 batches), exported, then loaded
// the way a browser does (model.json + shards by URL through fetch) and compared with `predict`.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-export-'));
const SMALL = [
  '--patients',
  '40',
  '--image-size',
  '32',
  '--batch-size',
  '8',
  '--epochs',
  '1',
  '--max-batches',
  '2',
  '--mc-samples',
  '2',
  '--backend',
  'wasm',
];

async function cli(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runCli(args, { cwd: work, log: (l) => lines.push(l) });
  return lines;
}

/** A fetch that serves `dir` at http://model/ (what a static web server does). */
function serve(dir: string): typeof fetch {
  return (async (input: string | URL | Request) => {
    const file = path.join(dir, String(input).replace('http://model/', ''));
    return fs.existsSync(file)
      ? new Response(fs.readFileSync(file))
      : new Response('', { status: 404, statusText: 'Not Found' });
  }) as typeof fetch;
}

beforeAll(async () => {
  await cli(['train', '--out', 'runs/a', ...SMALL]);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('trainer export', () => {
  it('writes model.json + shards and cihmlc-model.json with labels, taxonomy, input and metrics', async () => {
    const lines = await cli(['export', '--run', 'runs/a', '--out', 'exported']);
    const out = path.join(work, 'exported');
    expect(lines.join('\n')).toMatch(/exported a \(best-loss, tiny at 32px, 21 outputs\)/);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(out, MODEL_FOLDER_MANIFEST), 'utf8'),
    ) as ModelFolderManifest;
    expect(manifest.format).toBe('cihmlc-model');
    expect(manifest.labels).toEqual(chexpertTaxonomy.outputLabels);
    expect(parseTaxonomy(JSON.stringify(manifest.taxonomy)).edges).toEqual(chexpertTaxonomy.edges);
    expect(manifest.inputShape).toEqual([32, 32, 3]);
    expect(manifest.gradCamLayer).toBe('top_conv2d');
    expect(manifest.preprocessing.function).toMatch(/preprocessRgba/);
    const summary = JSON.parse(fs.readFileSync(path.join(work, 'runs/a/summary.json'), 'utf8'));
    expect(manifest.metrics.test?.weightedAuroc).toBe(summary.test.weightedAuroc);
    expect(Object.keys(manifest.metrics.perLabelAuroc ?? {})).toHaveLength(21);
    const modelJson = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    // No absolute path of the training machine in what is published.
    expect(fs.readFileSync(path.join(out, MODEL_FOLDER_MANIFEST), 'utf8')).not.toContain(work);
  });

  it('the exported folder, loaded by URL with loadModelFolder, predicts what `trainer predict` predicts', async () => {
    const image = path.join(
      work,
      '.cache/cihmlc/synthetic-40/test',
      fs.readdirSync(path.join(work, '.cache/cihmlc/synthetic-40/test'))[0]!,
      'study1/view1_frontal.jpg',
    );
    await cli(['predict', '--run', 'runs/a', '--out', 'pred.json', image]);
    const predicted = JSON.parse(fs.readFileSync(path.join(work, 'pred.json'), 'utf8')).images[0]
      .probabilities as Record<string, number>;

    // The viewer's loader: the manifest is checked, and the model against it.
    const { model, manifest } = await loadModelFolder('http://model/', {
      fetchFunc: serve(path.join(work, 'exported')),
    });
    expect(manifest.labels).toEqual(chexpertTaxonomy.outputLabels);
    const { loadImage, toFloatRgb } = await import('@cihmlc/chexpert-data');
    const img = await loadImage(image, 32);
    const x = tf.tensor4d(toFloatRgb(img.data, img.channels), [1, 32, 32, 3]);
    const y = model.predict(x) as tf.Tensor;
    const probs = Array.from(await y.data());
    tf.dispose([x, y]);
    model.dispose();
    chexpertTaxonomy.outputLabels.forEach((label, i) => {
      expect(probs[i]).toBeCloseTo(predicted[label]!, 6);
    });
  });

  it('names the problem: no --out, not a run directory', async () => {
    await expect(cli(['export', '--run', 'runs/a'])).rejects.toThrow(
      /export needs --run DIR and --out DIR/,
    );
    await expect(cli(['export', '--run', 'nowhere', '--out', 'x'])).rejects.toThrow(
      /is not a run directory \(no config\.json\)/,
    );
  });
});
