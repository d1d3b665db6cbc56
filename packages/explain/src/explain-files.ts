import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomicSync } from '@cihmlc/internal/node';
import * as tf from '@tensorflow/tfjs';
import { gradCam } from './grad-cam.js';
import { type McDropoutResult, mcDropout } from './mc-dropout.js';
import { gradCamPanels } from './overlay.js';
import { writeGradCamGridPng, writeGradCamPng } from './render.js';

export interface WriteExplanationsOptions {
  /** One name per image (e.g. its file path), written to `mc-dropout.json`. */
  paths: readonly string[];
  /** Names of the model outputs, in order. */
  outputLabels: readonly string[];
  /** MC-dropout passes. */
  samples: number;
  /** Seed of the MC-dropout masks. */
  seed: number;
  /** Also write one PNG per label per image into `image-NN/` (default false). */
  perLabelPngs?: boolean;
}

/** One explained image: its grid PNG and each output's MC-dropout mean and std. */
export interface ExplainedImage {
  path: string;
  grid: string;
  uncertainty: { label: string; mean: number; std: number }[];
}

export interface ExplanationFiles {
  images: ExplainedImage[];
}

/**
 * Grad-CAM of every output for each image of `images` (`[N, H, W, 3]`, preprocessed as the
 * model's input): `outDir/image-NN-gradcam-grid.png` (one panel per label, titled with the
 * MC-dropout mean±std), optionally `outDir/image-NN/<label>.png`, and `outDir/mc-dropout.json`
 * (`{ samples, seed, images }`, written atomically). `images` is not disposed.
 */
export async function writeExplanations(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  outDir: string,
  options: WriteExplanationsOptions,
): Promise<ExplanationFiles> {
  const { paths, outputLabels } = options;
  if (paths.length !== images.shape[0]) {
    throw new RangeError(
      `writeExplanations: options.paths has ${paths.length} names for ${images.shape[0]} images`,
    );
  }
  fs.mkdirSync(outDir, { recursive: true });
  const mc: McDropoutResult = await mcDropout(model, images, {
    samples: options.samples,
    seed: options.seed,
    outputLabels,
  });
  const out: ExplanationFiles = { images: [] };
  for (let i = 0; i < paths.length; i++) {
    const image = tf.tidy(() => images.slice([i, 0, 0, 0], [1, -1, -1, -1]));
    const cams = await gradCam(model, image, { outputLabels });
    // A plain image for the panels: read asynchronously (webgpu in Node has no sync read).
    const [, height, width, channels] = image.shape;
    const pixels = {
      width: width!,
      height: height!,
      channels: channels === 1 ? (1 as const) : (3 as const),
      data: await image.data(),
    };
    image.dispose();
    const panels = gradCamPanels(pixels, cams, { uncertainty: mc, imageIndex: i });
    const stem = `image-${String(i + 1).padStart(2, '0')}`;
    const grid = path.join(outDir, `${stem}-gradcam-grid.png`);
    await writeGradCamGridPng(grid, panels, {
      scale: Math.max(1, Math.round(160 / images.shape[1])),
    });
    if (options.perLabelPngs) {
      fs.mkdirSync(path.join(outDir, stem), { recursive: true });
      for (const panel of panels) {
        const slug = (panel.cam.name ?? String(panel.cam.label))
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-');
        await writeGradCamPng(path.join(outDir, stem, `${slug}.png`), panel, {
          scale: Math.max(1, Math.round(320 / images.shape[1])),
        });
      }
    }
    out.images.push({
      path: paths[i]!,
      grid,
      uncertainty: outputLabels.map((label, l) => ({
        label,
        mean: mc.mean.data[i * mc.mean.cols + l]!,
        std: mc.std.data[i * mc.std.cols + l]!,
      })),
    });
  }
  writeJsonAtomicSync(path.join(outDir, 'mc-dropout.json'), {
    samples: mc.samples,
    seed: mc.seed,
    images: out.images,
  });
  return out;
}
