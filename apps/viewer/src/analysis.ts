import { preprocessRgba } from '@cihmlc/chexpert-data/preprocess';
import type { ModelFolderManifest } from '@cihmlc/densenet';
import { type GradCamResult, gradCam, mcDropout } from '@cihmlc/explain';
import * as tf from '@tensorflow/tfjs';
import type { Rgba } from './image-file.js';

/** One image through the model: the input, probabilities, MC-dropout statistics. */
export interface Analysis {
  /** The model input [1, H, W, 3] (kept for Grad-CAM; dispose with the analysis). */
  input: tf.Tensor4D;
  /** The model input as RGBA bytes, to draw and to overlay. */
  inputRgba: Rgba;
  probabilities: number[];
  /** MC-dropout statistics, once `addMcDropout` has run. */
  mean?: number[];
  std?: number[];
  seconds: { preprocess: number; predict: number; mcDropout?: number };
}

/** The model input of a decoded image, exactly as training prepares it (see chexpert-data). */
export function modelInput(image: Rgba, info: ModelFolderManifest): Float32Array {
  const [size] = info.inputShape;
  return preprocessRgba(image.data, image.width, image.height, size);
}

function inputToRgba(values: Float32Array, size: number): Rgba {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(values[p * 3 + c]! * 255);
    data[p * 4 + 3] = 255;
  }
  return { width: size, height: size, data };
}

/** Predicts one image (inference mode). */
export async function predictImage(
  model: tf.LayersModel,
  image: Rgba,
  info: ModelFolderManifest,
): Promise<Analysis> {
  const [size] = info.inputShape;
  let t = performance.now();
  const values = modelInput(image, info);
  const input = tf.tensor4d(values, [1, size, size, 3]);
  const preprocess = (performance.now() - t) / 1000;
  t = performance.now();
  const output = tf.tidy(() => model.predict(input) as tf.Tensor);
  const probabilities = Array.from(await output.data());
  output.dispose();
  const predict = (performance.now() - t) / 1000;
  return {
    input,
    inputRgba: inputToRgba(values, size),
    probabilities,
    seconds: { preprocess, predict },
  };
}

/** Adds MC-dropout mean and std (the run's number of passes and seed) to an analysis. */
export async function addMcDropout(
  model: tf.LayersModel,
  analysis: Analysis,
  info: ModelFolderManifest,
): Promise<void> {
  const t = performance.now();
  const mc = await mcDropout(model, analysis.input, {
    samples: info.mcDropout.samples,
    seed: info.mcDropout.seed,
    outputLabels: info.labels,
  });
  // One image: the matrices' first (only) row.
  analysis.mean = Array.from(mc.mean.data);
  analysis.std = Array.from(mc.std.data);
  analysis.seconds.mcDropout = (performance.now() - t) / 1000;
}

/** The Grad-CAM map of one label, unclipped (the page clips it with its slider). */
export async function camOf(
  model: tf.LayersModel,
  analysis: Analysis,
  label: string,
  info: ModelFolderManifest,
): Promise<GradCamResult> {
  const [cam] = await gradCam(model, analysis.input, {
    label,
    outputLabels: info.labels,
    layerName: info.gradCamLayer,
    clip: 0,
  });
  return cam!;
}
