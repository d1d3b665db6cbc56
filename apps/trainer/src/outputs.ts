import fs from 'node:fs';
import path from 'node:path';
import type { Cache } from '@cihmlc/chexpert-data';
import { gradCam, gradCamPanels, type McDropoutResult, mcDropout } from '@cihmlc/explain';
import { writeGradCamGridPng, writeGradCamPng } from '@cihmlc/explain/node';
import { type Evaluation, evaluate, type ReportOptions, rocPlotCurves } from '@cihmlc/metrics';
import { writeReport } from '@cihmlc/metrics/node';
import type { LabelMatrix, Taxonomy } from '@cihmlc/taxonomy';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';
import type { DataConfig } from './config.js';
import { predictSplit } from './predict-split.js';

export interface SplitEvaluation {
  name: string;
  evaluation: Evaluation;
  predictions: LabelMatrix;
}

/** Predicts a split and evaluates it with everything @cihmlc/metrics reports. */
export async function evaluateSplit(
  model: tf.LayersModel,
  cache: Cache,
  split: string,
  taxonomy: Taxonomy,
  batchSize: number,
  name: string,
): Promise<SplitEvaluation> {
  const predictions = await predictSplit(model, cache, split, batchSize);
  const truth = cache.splits[split]!.labels;
  const evaluation = evaluate(
    { labels: taxonomy.outputLabels, truth, scores: predictions },
    { taxonomy: taxonomy.edges.length ? taxonomy : null },
  );
  return { name, evaluation, predictions };
}

/**
 * What report.md says first about the data behind it: Table III's published rows are CheXpert
 * results, so a run on the synthetic dataset must not read as comparable to them.
 */
export function dataNote(data: DataConfig): string | undefined {
  return data.kind === 'synthetic'
    ? '> **Synthetic data.** These numbers come from the generated CheXpert-format dataset (@cihmlc/chexpert-data), not from CheXpert: they check the pipeline and are not comparable with the published CheXpert results in Table III.'
    : undefined;
}

/** The report options that say where the data came from (@cihmlc/metrics writes them). */
export function reportOptions(data: DataConfig): ReportOptions {
  const note = dataNote(data);
  return note ? { note, comparableWithPublished: false } : {};
}

/** Writes tables, per-label CSV, metrics JSON and ROC plots for evaluated runs into `dir`. */
export async function writeEvaluation(
  dir: string,
  runs: SplitEvaluation[],
  labels: readonly string[],
  truth: LabelMatrix,
  data: DataConfig,
): Promise<string[]> {
  return writeReport(
    dir,
    runs.map((r) => ({
      name: r.name,
      evaluation: r.evaluation,
      curves: rocPlotCurves({ labels, truth, scores: r.predictions }),
    })),
    reportOptions(data),
  );
}

/** Predictions of `split` as CSV in the reference format (Path, <Label>_GT, <Label>_Pred). */
export function writePredictionsCsv(
  file: string,
  cache: Cache,
  split: string,
  labels: readonly string[],
  predictions: LabelMatrix,
): void {
  const info = cache.splits[split]!;
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const header = ['Path', ...labels.flatMap((l) => [`${l}_GT`, `${l}_Pred`])].map(quote).join(',');
  const lines = info.paths.map((p, r) =>
    [
      quote(p),
      ...labels.flatMap((_, c) => [
        String(info.labels.data[r * labels.length + c]),
        String(predictions.data[r * labels.length + c]),
      ]),
    ].join(','),
  );
  writeFileAtomic(file, `${header}\n${lines.join('\n')}\n`);
}

export interface ExplainOutput {
  images: {
    path: string;
    grid: string;
    uncertainty: { label: string; mean: number; std: number }[];
  }[];
}

/**
 * Grad-CAM of every output for a few test images (one PNG per label and a grid per image,
 * titled with MC-dropout mean±std) and the MC-dropout statistics as JSON.
 */
export async function explainImages(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  paths: string[],
  labels: readonly string[],
  outDir: string,
  options: { samples: number; seed: number; perLabelPngs?: boolean },
): Promise<ExplainOutput> {
  fs.mkdirSync(outDir, { recursive: true });
  const mc: McDropoutResult = await mcDropout(model, images, {
    samples: options.samples,
    seed: options.seed,
    labelNames: labels,
  });
  const out: ExplainOutput = { images: [] };
  for (let i = 0; i < paths.length; i++) {
    const image = tf.tidy(() => images.slice([i, 0, 0, 0], [1, -1, -1, -1]));
    const cams = await gradCam(model, image, { labelNames: labels });
    // A plain image for the panels: read asynchronously (webgpu in Node has no sync read).
    const [, height, width, channels] = image.shape;
    const pixels = {
      width: width!,
      height: height!,
      channels: channels === 1 ? (1 as const) : (3 as const),
      data: await image.data(),
    };
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
    image.dispose();
    out.images.push({
      path: paths[i]!,
      grid,
      uncertainty: labels.map((label, l) => ({
        label,
        mean: mc.mean[i]![l]!,
        std: mc.std[i]![l]!,
      })),
    });
  }
  writeJsonAtomic(path.join(outDir, 'mc-dropout.json'), {
    samples: mc.samples,
    seed: mc.seed,
    images: out.images,
  });
  return out;
}
