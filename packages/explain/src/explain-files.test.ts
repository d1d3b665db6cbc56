import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Jimp } from 'jimp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExplanations } from './explain-files.js';
import { mcDropout } from './mc-dropout.js';
import { tinyClassifier, useCpuBackend } from './test-models.js';

const LABELS = ['No Finding', 'Edema', 'Pleural Effusion'];
let dir: string;

beforeAll(async () => {
  await useCpuBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-explain-files-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeExplanations', () => {
  it('writes grids, per-label PNGs and MC-dropout statistics of the images', async () => {
    const model = tinyClassifier({ size: 16, numOutputs: 3, seed: 3 });
    const images = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const out = path.join(dir, 'explain');
    const result = await writeExplanations(model, images, out, {
      paths: ['a.png', 'b.png'],
      outputLabels: LABELS,
      samples: 6,
      seed: 11,
      perLabelPngs: true,
    });
    expect(result.images.map((i) => i.path)).toEqual(['a.png', 'b.png']);
    expect(result.images[0]!.grid).toBe(path.join(out, 'image-01-gradcam-grid.png'));
    for (const img of result.images) {
      const png = await Jimp.read(img.grid);
      expect(png.bitmap.width).toBeGreaterThan(16);
    }
    expect(fs.readdirSync(path.join(out, 'image-02')).sort()).toEqual([
      'edema.png',
      'no-finding.png',
      'pleural-effusion.png',
    ]);
    // The file carries mcDropout's statistics (tested against numpy in mc-dropout.test.ts),
    // image by image and label by label.
    const json = JSON.parse(fs.readFileSync(path.join(out, 'mc-dropout.json'), 'utf8'));
    expect(json.samples).toBe(6);
    expect(json.seed).toBe(11);
    expect(json.images).toEqual(JSON.parse(JSON.stringify(result.images)));
    const mc = await mcDropout(model, images, { samples: 6, seed: 11 });
    for (let i = 0; i < 2; i++) {
      expect(result.images[i]!.uncertainty).toEqual(
        LABELS.map((label, l) => ({
          label,
          mean: mc.mean.data[i * 3 + l],
          std: mc.std.data[i * 3 + l],
        })),
      );
    }
    expect(mc.std.data.some((v) => v > 0)).toBe(true); // the passes differ: dropout is on
    // Same seed, same statistics (a second call reproduces the first).
    const again = await writeExplanations(model, images, path.join(dir, 'again'), {
      paths: ['a.png', 'b.png'],
      outputLabels: LABELS,
      samples: 6,
      seed: 11,
    });
    expect(again.images.map((i) => i.uncertainty)).toEqual(result.images.map((i) => i.uncertainty));
    expect(fs.existsSync(path.join(dir, 'again', 'image-01'))).toBe(false);
    images.dispose();
    model.dispose();
  });

  it('names a mismatch between paths and images', async () => {
    const model = tinyClassifier({ size: 16 });
    const images = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    await expect(
      writeExplanations(model, images, path.join(dir, 'bad'), {
        paths: ['one'],
        outputLabels: LABELS,
        samples: 2,
        seed: 1,
      }),
    ).rejects.toThrow(RangeError);
    images.dispose();
    model.dispose();
  });
});
