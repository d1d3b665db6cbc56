import { writeFileAtomic } from '@cihmlc/internal/node';
import { Jimp, loadFont, measureText } from 'jimp';
import { SANS_10_BLACK, SANS_16_BLACK } from 'jimp/fonts';
import { type DiscreteColormap, GRADCAM_COLORMAP } from './colormap.js';
import {
  type GradCamPanel,
  type GridOptions,
  overlayPixels,
  type RenderOptions,
  titleOf,
  toPlainImage,
} from './overlay.js';

// PNG rendering with jimp (Node-only: `@cihmlc/explain/node`). The pixel work is in overlay.ts.

type Font = Awaited<ReturnType<typeof loadFont>>;
let fontsPromise: Promise<{ title: Font; tick: Font }> | undefined;

/** jimp's bundled Open Sans bitmap fonts, loaded once from the jimp package (no network). */
function fonts(): Promise<{ title: Font; tick: Font }> {
  fontsPromise ??= Promise.all([loadFont(SANS_16_BLACK), loadFont(SANS_10_BLACK)]).then(
    ([title, tick]) => ({ title, tick }),
  );
  return fontsPromise;
}

const PAD = 6;
const BAR_GAP = 8;
const BAR_WIDTH = 12;
const TICK_GAP = 3;

/** Where things go in a single panel (pixels). */
export interface PanelLayout {
  width: number;
  height: number;
  title: { x: number; y: number; text: string };
  image: { x: number; y: number; width: number; height: number };
  bar: { x: number; y: number; width: number; height: number };
}

function checkedScale(options: RenderOptions): number {
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) {
    throw new RangeError(`render: scale must be a positive integer, got ${scale}`);
  }
  return scale;
}

function tickValues(colormap: DiscreteColormap, barHeight: number, lineHeight: number): number[] {
  const bands = colormap.colors.length;
  const all = Array.from({ length: bands + 1 }, (_, k) => k / bands);
  return barHeight >= all.length * lineHeight ? all : [0, 1];
}

function tickLabel(value: number): string {
  return Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1);
}

function tickColumnWidth(tick: Font, ticks: number[]): number {
  return Math.max(...ticks.map((t) => measureText(tick, tickLabel(t))));
}

/** Draws RGBA pixels into a jimp bitmap at (x0, y0), magnified `scale` times. */
function blit(
  target: InstanceType<typeof Jimp>,
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
  x0: number,
  y0: number,
  scale: number,
): void {
  const bitmap = target.bitmap;
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      const src = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 4;
      const dst = ((y0 + y) * bitmap.width + (x0 + x)) * 4;
      for (let c = 0; c < 4; c++) bitmap.data[dst + c] = pixels[src + c]!;
    }
  }
}

function fillRect(
  target: InstanceType<typeof Jimp>,
  x0: number,
  y0: number,
  width: number,
  height: number,
  rgb: readonly number[],
): void {
  const bitmap = target.bitmap;
  for (let y = y0; y < y0 + height; y++) {
    for (let x = x0; x < x0 + width; x++) {
      const dst = (y * bitmap.width + x) * 4;
      for (let c = 0; c < 3; c++) bitmap.data[dst + c] = Math.round(rgb[c]! * 255);
      bitmap.data[dst + 3] = 255;
    }
  }
}

/** A vertical colour bar, band 0 at the bottom, with tick labels on its right. */
function drawColourBar(
  canvas: InstanceType<typeof Jimp>,
  bar: PanelLayout['bar'],
  colormap: DiscreteColormap,
  tick: Font,
): void {
  for (let y = 0; y < bar.height; y++) {
    // Row y shows the value at its centre, top = 1.
    const value = 1 - (y + 0.5) / bar.height;
    fillRect(canvas, bar.x, bar.y + y, bar.width, 1, colormap.colorOf(value));
  }
  const outline = [0, 0, 0];
  fillRect(canvas, bar.x - 1, bar.y - 1, bar.width + 2, 1, outline);
  fillRect(canvas, bar.x - 1, bar.y + bar.height, bar.width + 2, 1, outline);
  fillRect(canvas, bar.x - 1, bar.y, 1, bar.height, outline);
  fillRect(canvas, bar.x + bar.width, bar.y, 1, bar.height, outline);
  const lineHeight = tick.common.lineHeight;
  for (const value of tickValues(colormap, bar.height, lineHeight)) {
    const y = bar.y + Math.round((1 - value) * bar.height);
    fillRect(canvas, bar.x + bar.width, Math.min(y, bar.y + bar.height - 1), 3, 1, outline);
    const textY = Math.min(
      Math.max(y - Math.round(lineHeight / 2), 0),
      canvas.bitmap.height - lineHeight,
    );
    canvas.print({
      font: tick,
      x: bar.x + bar.width + TICK_GAP + 2,
      y: textY,
      text: tickLabel(value),
    });
  }
}

/** Layout of one panel: title on top, image below it, colour bar on the right. */
export async function layoutPanel(
  panel: GradCamPanel,
  options: RenderOptions = {},
): Promise<PanelLayout> {
  const { title: titleFont, tick } = await fonts();
  const scale = checkedScale(options);
  const colormap = options.colormap ?? GRADCAM_COLORMAP;
  const text = titleOf(panel, options.digits ?? 2);
  const imageWidth = panel.cam.width * scale;
  const imageHeight = panel.cam.height * scale;
  const titleHeight = titleFont.common.lineHeight + 4;
  const ticks = tickValues(colormap, imageHeight, tick.common.lineHeight);
  const barX = PAD + imageWidth + BAR_GAP;
  const contentWidth = barX + BAR_WIDTH + TICK_GAP + 2 + tickColumnWidth(tick, ticks) + PAD;
  const titleWidth = measureText(titleFont, text) + 2 * PAD;
  const width = Math.max(contentWidth, titleWidth);
  return {
    width,
    height: PAD + titleHeight + imageHeight + PAD + Math.ceil(tick.common.lineHeight / 2),
    title: {
      x: Math.max(PAD, Math.round(PAD + imageWidth / 2 - (titleWidth - 2 * PAD) / 2)),
      y: PAD,
      text,
    },
    image: { x: PAD, y: PAD + titleHeight, width: imageWidth, height: imageHeight },
    bar: { x: barX, y: PAD + titleHeight, width: BAR_WIDTH, height: imageHeight },
  };
}

function panelPixels(panel: GradCamPanel, options: RenderOptions): Uint8ClampedArray {
  const image = toPlainImage(panel.image);
  if (image.width !== panel.cam.width || image.height !== panel.cam.height) {
    throw new RangeError(
      `render: image is ${image.width}×${image.height} but the heatmap of label ${panel.cam.label} is ${panel.cam.width}×${panel.cam.height}`,
    );
  }
  return overlayPixels(
    image,
    panel.cam.heatmap,
    options.colormap ?? GRADCAM_COLORMAP,
    options.alpha ?? 0.7,
  );
}

function checkAlpha(options: RenderOptions): void {
  const alpha = options.alpha ?? 0.7;
  if (!(alpha >= 0 && alpha <= 1))
    throw new RangeError(`render: alpha must be in [0, 1], got ${alpha}`);
}

/**
 * One label's Grad-CAM as a PNG: the overlay, a colour bar and the title `label: mean±std` (or the
 * probability when no uncertainty is given).
 */
export async function renderGradCam(
  panel: GradCamPanel,
  options: RenderOptions = {},
): Promise<Buffer> {
  checkAlpha(options);
  const layout = await layoutPanel(panel, options);
  const { title: titleFont, tick } = await fonts();
  const scale = checkedScale(options);
  const canvas = new Jimp({ width: layout.width, height: layout.height, color: 0xffffffff });
  blit(
    canvas,
    panelPixels(panel, options),
    panel.cam.width,
    panel.cam.height,
    layout.image.x,
    layout.image.y,
    scale,
  );
  drawColourBar(canvas, layout.bar, options.colormap ?? GRADCAM_COLORMAP, tick);
  canvas.print({ font: titleFont, x: layout.title.x, y: layout.title.y, text: layout.title.text });
  return canvas.getBuffer('image/png');
}

/** Layout of a grid: cells of title + image, row-major, and one colour bar on the right. */
export async function layoutGrid(
  panels: readonly GradCamPanel[],
  options: GridOptions = {},
): Promise<{
  width: number;
  height: number;
  cells: { title: PanelLayout['title']; image: PanelLayout['image'] }[];
  bar: PanelLayout['bar'];
}> {
  if (panels.length === 0) throw new RangeError('renderGradCamGrid: panels is empty');
  const columns = options.columns ?? Math.ceil(Math.sqrt(panels.length));
  if (!Number.isInteger(columns) || columns < 1) {
    throw new RangeError(`renderGradCamGrid: columns must be a positive integer, got ${columns}`);
  }
  const { title: titleFont, tick } = await fonts();
  const scale = checkedScale(options);
  const colormap = options.colormap ?? GRADCAM_COLORMAP;
  const digits = options.digits ?? 2;
  const titles = panels.map((p) => titleOf(p, digits));
  const imageWidth = Math.max(...panels.map((p) => p.cam.width)) * scale;
  const imageHeight = Math.max(...panels.map((p) => p.cam.height)) * scale;
  const titleHeight = titleFont.common.lineHeight + 4;
  const cellWidth = Math.max(imageWidth, ...titles.map((t) => measureText(titleFont, t))) + 2 * PAD;
  const cellHeight = titleHeight + imageHeight + PAD;
  const rows = Math.ceil(panels.length / columns);
  const gridColumns = Math.min(columns, panels.length);
  const barX = PAD + gridColumns * cellWidth + BAR_GAP;
  const ticks = tickValues(colormap, imageHeight, tick.common.lineHeight);
  const cells = panels.map((panel, i) => {
    const cellX = PAD + (i % columns) * cellWidth;
    const cellY = PAD + Math.floor(i / columns) * cellHeight;
    const titleWidth = measureText(titleFont, titles[i]!);
    const width = panel.cam.width * scale;
    return {
      title: { x: cellX + Math.round((cellWidth - titleWidth) / 2), y: cellY, text: titles[i]! },
      image: {
        x: cellX + Math.round((cellWidth - width) / 2),
        y: cellY + titleHeight,
        width,
        height: panel.cam.height * scale,
      },
    };
  });
  return {
    width: barX + BAR_WIDTH + TICK_GAP + 2 + tickColumnWidth(tick, ticks) + PAD,
    height: PAD + rows * cellHeight + Math.ceil(tick.common.lineHeight / 2),
    cells,
    bar: { x: barX, y: PAD + titleHeight, width: BAR_WIDTH, height: imageHeight },
  };
}

/** Several Grad-CAM panels in one PNG, like the paper's Fig. 3, with one shared colour bar. */
export async function renderGradCamGrid(
  panels: readonly GradCamPanel[],
  options: GridOptions = {},
): Promise<Buffer> {
  checkAlpha(options);
  const layout = await layoutGrid(panels, options);
  const { title: titleFont, tick } = await fonts();
  const scale = checkedScale(options);
  const canvas = new Jimp({ width: layout.width, height: layout.height, color: 0xffffffff });
  panels.forEach((panel, i) => {
    const cell = layout.cells[i]!;
    blit(
      canvas,
      panelPixels(panel, options),
      panel.cam.width,
      panel.cam.height,
      cell.image.x,
      cell.image.y,
      scale,
    );
    canvas.print({ font: titleFont, x: cell.title.x, y: cell.title.y, text: cell.title.text });
  });
  drawColourBar(canvas, layout.bar, options.colormap ?? GRADCAM_COLORMAP, tick);
  return canvas.getBuffer('image/png');
}

/** `renderGradCam` written to `path` atomically (temporary file, then rename). */
export async function writeGradCamPng(
  path: string,
  panel: GradCamPanel,
  options: RenderOptions = {},
): Promise<void> {
  await writeFileAtomic(path, await renderGradCam(panel, options));
}

/** `renderGradCamGrid` written to `path` atomically. */
export async function writeGradCamGridPng(
  path: string,
  panels: readonly GradCamPanel[],
  options: GridOptions = {},
): Promise<void> {
  await writeFileAtomic(path, await renderGradCamGrid(panels, options));
}
