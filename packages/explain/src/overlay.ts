import type * as tf from '@tensorflow/tfjs';
import { type DiscreteColormap, GRADCAM_COLORMAP } from './colormap.js';
import type { GradCamResult } from './grad-cam.js';
import type { McDropoutResult } from './mc-dropout.js';

// Heatmap colouring and overlay composition on plain pixel arrays: browser-safe (a canvas takes
// the RGBA results as ImageData); PNG files are rendered by render.ts in `@cihmlc/explain/node`.

/** A plain image: row-major, `channels` values per pixel, each in [0, 1]. */
export interface PlainImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: ArrayLike<number>;
}

/** The radiograph under a heatmap: a plain image or a float tensor [H, W], [H, W, C] or [1, H, W, C]. */
export type RenderImage = PlainImage | tf.Tensor;

export interface GradCamPanel {
  /** The image the heatmap was computed for (same width and height). */
  image: RenderImage;
  cam: GradCamResult;
  /** MC-dropout statistics of this label on this image: the title becomes `name: mean±std`. */
  uncertainty?: { mean: number; std: number };
  /** Overrides the title. */
  title?: string;
}

export interface RenderOptions {
  /** Integer magnification of image and heatmap (nearest neighbour; default 1). */
  scale?: number;
  /** Opacity of the colours where the heatmap is non-zero (default 0.7). */
  alpha?: number;
  /** Palette (default: reversed `hot` in 5 bands). */
  colormap?: DiscreteColormap;
  /** Decimals in the title (default 2). */
  digits?: number;
}

export interface GridOptions extends RenderOptions {
  /** Panels per row (default ⌈√n⌉). */
  columns?: number;
}

/** `label: mean±std`, the paper's title. */
export function formatTitle(name: string, mean: number, std: number, digits = 2): string {
  return `${name}: ${mean.toFixed(digits)}±${std.toFixed(digits)}`;
}

/**
 * Panels for a set of Grad-CAM results of one image, titled with the MC-dropout statistics of
 * `imageIndex` when given.
 */
export function gradCamPanels(
  image: RenderImage,
  cams: readonly GradCamResult[],
  options: { uncertainty?: McDropoutResult; imageIndex?: number } = {},
): GradCamPanel[] {
  const { uncertainty, imageIndex = 0 } = options;
  if (
    uncertainty != null &&
    !(Number.isInteger(imageIndex) && imageIndex >= 0 && imageIndex < uncertainty.mean.rows)
  ) {
    throw new RangeError(
      `gradCamPanels: imageIndex ${imageIndex} is outside the ${uncertainty.mean.rows} image(s) of uncertainty`,
    );
  }
  return cams.map((cam) => {
    const panel: GradCamPanel = { image, cam };
    if (uncertainty != null) {
      const { cols } = uncertainty.mean;
      if (!(cam.label >= 0 && cam.label < cols)) {
        throw new RangeError(`gradCamPanels: uncertainty has no output ${cam.label}`);
      }
      const at = imageIndex * cols + cam.label;
      panel.uncertainty = { mean: uncertainty.mean.data[at]!, std: uncertainty.std.data[at]! };
    }
    return panel;
  });
}

/** The panel's title: `title`, else `name: mean±std`, else `name: probability`. */
export function titleOf(panel: GradCamPanel, digits: number): string {
  if (panel.title != null) return panel.title;
  const name = panel.cam.name ?? `label ${panel.cam.label}`;
  if (panel.uncertainty != null) {
    return formatTitle(name, panel.uncertainty.mean, panel.uncertainty.std, digits);
  }
  return `${name}: ${panel.cam.probability.toFixed(digits)}`;
}

/** Checked by shape rather than `instanceof tf.Tensor`: two copies of TF.js may be loaded. */
function isTensor(image: RenderImage): image is tf.Tensor {
  return typeof (image as Partial<tf.Tensor>).dataSync === 'function';
}

/** Reads a render image into a plain one, checking its shape. */
export function toPlainImage(image: RenderImage, field = 'image'): PlainImage {
  if (isTensor(image)) {
    const shape = image.shape[0] === 1 && image.rank === 4 ? image.shape.slice(1) : image.shape;
    const [height, width, channels = 1] = shape;
    if (
      (shape.length !== 2 && shape.length !== 3) ||
      height == null ||
      width == null ||
      (channels !== 1 && channels !== 3)
    ) {
      throw new RangeError(
        `${field} must be [H, W], [H, W, 1|3] or [1, H, W, 1|3], got [${image.shape.join(', ')}]`,
      );
    }
    return { width, height, channels, data: image.dataSync() };
  }
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(
      `${field}: width and height must be positive integers, got ${width}×${height}`,
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`${field}.channels must be 1 or 3, got ${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `${field}.data has ${data.length} values, expected ${width}×${height}×${channels}`,
    );
  }
  return image;
}

/**
 * The overlay as RGBA bytes (`width × height × 4`): the image in grey or colour, and where the
 * heatmap is non-zero its band colour blended in with opacity `alpha`.
 */
export function overlayPixels(
  image: PlainImage,
  heatmap: ArrayLike<number>,
  colormap: DiscreteColormap = GRADCAM_COLORMAP,
  alpha = 0.7,
): Uint8ClampedArray {
  const { width, height, channels, data } = image;
  if (heatmap.length !== width * height) {
    throw new RangeError(
      `overlay: heatmap has ${heatmap.length} values but the image is ${width}×${height}`,
    );
  }
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const value = heatmap[p]!;
    const colour = value > 0 ? colormap.colorOf(value) : null;
    for (let c = 0; c < 3; c++) {
      const raw = data[p * channels + (channels === 3 ? c : 0)]!;
      if (!(raw >= 0 && raw <= 1)) {
        throw new RangeError(`overlay: image value ${raw} at pixel ${p} is outside [0, 1]`);
      }
      const blended = colour == null ? raw : (1 - alpha) * raw + alpha * colour[c]!;
      out[p * 4 + c] = Math.round(blended * 255);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** RGBA bytes, row-major, 4 per pixel: what a canvas's ImageData holds. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface HeatmapColourOptions {
  /** Palette (default: reversed `hot` in 5 bands, the paper's). */
  colormap?: DiscreteColormap;
  /** Opacity of the colours where the heatmap is non-zero (default 0.7). */
  alpha?: number;
  /**
   * Heatmap values below this count as 0 (default 0: as given). A map computed with
   * `gradCam(…, { clip: 0 })` clipped here at c equals the map `gradCam` gives with `clip: c`.
   */
  clip?: number;
}

function checkedColourOptions(options: HeatmapColourOptions, where: string) {
  const alpha = options.alpha ?? 0.7;
  const clip = options.clip ?? 0;
  if (!(alpha >= 0 && alpha <= 1))
    throw new RangeError(`${where}: alpha must be in [0, 1], got ${alpha}`);
  if (!(clip >= 0 && clip <= 1))
    throw new RangeError(`${where}: clip must be in [0, 1], got ${clip}`);
  return { alpha, clip, colormap: options.colormap ?? GRADCAM_COLORMAP };
}

function checkSize(width: number, height: number, length: number, what: string, where: string) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(
      `${where}: width and height must be positive integers, got ${width}×${height}`,
    );
  }
  if (length !== width * height) {
    throw new RangeError(
      `${where}: ${what} has ${length} values but the image is ${width}×${height}`,
    );
  }
}

/** A heatmap with values below `clip` set to 0 (Grad-CAM's clip threshold). */
export function clipHeatmap(heatmap: ArrayLike<number>, clip: number): Float32Array {
  if (!(clip >= 0 && clip <= 1))
    throw new RangeError(`clipHeatmap: clip must be in [0, 1], got ${clip}`);
  const out = new Float32Array(heatmap.length);
  for (let i = 0; i < heatmap.length; i++) {
    const v = heatmap[i]!;
    out[i] = v >= clip ? v : 0;
  }
  return out;
}

/**
 * The heatmap alone as an RGBA layer: band colours with opacity `alpha` where the (clipped) value is
 * non-zero, fully transparent elsewhere — to draw over the radiograph on a canvas.
 */
export function heatmapRgba(
  heatmap: ArrayLike<number>,
  width: number,
  height: number,
  options: HeatmapColourOptions = {},
): RgbaImage {
  const { alpha, clip, colormap } = checkedColourOptions(options, 'heatmapRgba');
  checkSize(width, height, heatmap.length, 'heatmap', 'heatmapRgba');
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const value = heatmap[p]!;
    if (!(value > 0 && value >= clip)) continue;
    const colour = colormap.colorOf(value);
    for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(colour[c]! * 255);
    data[p * 4 + 3] = Math.round(alpha * 255);
  }
  return { width, height, data };
}

/**
 * The overlay composed on RGBA bytes (e.g. a canvas's ImageData of the radiograph): where the
 * (clipped) heatmap is non-zero its band colour is blended in with opacity `alpha`, elsewhere the
 * pixel is kept; alpha of the result is 255. Same values as `overlayPixels` on the image in [0, 1].
 */
export function overlayRgba(
  base: RgbaImage,
  heatmap: ArrayLike<number>,
  options: HeatmapColourOptions = {},
): RgbaImage {
  const { alpha, clip, colormap } = checkedColourOptions(options, 'overlayRgba');
  const { width, height } = base;
  checkSize(width, height, heatmap.length, 'heatmap', 'overlayRgba');
  if (base.data.length !== width * height * 4) {
    throw new RangeError(
      `overlayRgba: base.data has ${base.data.length} bytes, expected ${width}×${height}×4`,
    );
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const value = heatmap[p]!;
    const colour = value > 0 && value >= clip ? colormap.colorOf(value) : null;
    for (let c = 0; c < 3; c++) {
      const raw = base.data[p * 4 + c]! / 255;
      data[p * 4 + c] = Math.round(
        (colour == null ? raw : (1 - alpha) * raw + alpha * colour[c]!) * 255,
      );
    }
    data[p * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** A plain image (values in [0, 1], 1 or 3 channels) as RGBA bytes. */
export function plainImageToRgba(image: PlainImage): RgbaImage {
  const { width, height, channels, data } = toPlainImage(image);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++)
      out[p * 4 + c] = Math.round(data[p * channels + (channels === 3 ? c : 0)]! * 255);
    out[p * 4 + 3] = 255;
  }
  return { width, height, data: out };
}
