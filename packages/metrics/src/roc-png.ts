import { Jimp, loadFont } from 'jimp';
import { SANS_12_BLACK, SANS_16_BLACK } from 'jimp/fonts';
import {
  legendText,
  pixelPath,
  ROC_PALETTE,
  type RocLayout,
  type RocPlotCurve,
  type RocPlotOptions,
  rocLayout,
  toPixel,
} from './roc-plot.js';

type Rgb = [number, number, number];

function rgb(hex: string): Rgb {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** A white RGBA bitmap with pixel-level drawing (jimp's buffer, written in place). */
class Canvas {
  constructor(
    readonly data: Buffer,
    readonly width: number,
    readonly height: number,
  ) {}

  /** Blends a colour into one pixel with coverage `alpha` in [0, 1]. */
  blend(x: number, y: number, [r, g, b]: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = (y * this.width + x) * 4;
    const a = Math.min(1, alpha);
    this.data[i] = Math.round(this.data[i]! * (1 - a) + r * a);
    this.data[i + 1] = Math.round(this.data[i + 1]! * (1 - a) + g * a);
    this.data[i + 2] = Math.round(this.data[i + 2]! * (1 - a) + b * a);
    this.data[i + 3] = 255;
  }

  /**
   * A line of the given width: every pixel within width/2 of the segment is covered, with a
   * one-pixel soft edge (cheap anti-aliasing).
   */
  line(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    colour: Rgb,
    width = 1,
    dash?: [number, number],
  ): void {
    const half = width / 2;
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    const len = Math.sqrt(len2);
    const minX = Math.floor(Math.min(x0, x1) - half - 1);
    const maxX = Math.ceil(Math.max(x0, x1) + half + 1);
    const minY = Math.floor(Math.min(y0, y1) - half - 1);
    const maxY = Math.ceil(Math.max(y0, y1) + half + 1);
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        const px = x + 0.5 - x0;
        const py = y + 0.5 - y0;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
        if (dash && len > 0) {
          const along = t * len;
          if (along % (dash[0] + dash[1]) > dash[0]) continue;
        }
        const ex = px - t * dx;
        const ey = py - t * dy;
        const d = Math.sqrt(ex * ex + ey * ey);
        this.blend(x, y, colour, half + 0.5 - d);
      }
    }
  }

  rect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let j = Math.floor(y); j < y + h; j++)
      for (let i = Math.floor(x); i < x + w; i++) this.blend(i, j, colour);
  }
}

const BLACK: Rgb = [0, 0, 0];
const GRID: Rgb = [230, 230, 230];
const GREY: Rgb = [136, 136, 136];

function drawFrame(canvas: Canvas, L: RocLayout): void {
  for (const t of L.ticks) {
    const [x] = toPixel(L, t, 0);
    const [, y] = toPixel(L, 0, t);
    canvas.line(x, L.top, x, L.top + L.size, GRID);
    canvas.line(L.left, y, L.left + L.size, y, GRID);
    canvas.line(x, L.top + L.size, x, L.top + L.size + 5, BLACK);
    canvas.line(L.left - 5, y, L.left, y, BLACK);
  }
  canvas.line(L.left, L.top, L.left + L.size, L.top, BLACK);
  canvas.line(L.left, L.top + L.size, L.left + L.size, L.top + L.size, BLACK);
  canvas.line(L.left, L.top, L.left, L.top + L.size, BLACK);
  canvas.line(L.left + L.size, L.top, L.left + L.size, L.top + L.size, BLACK);
  canvas.line(L.left, L.top + L.size, L.left + L.size, L.top, GREY, 1.2, [6, 4]);
}

/**
 * The paper's Fig. 2 as a PNG (jimp, no browser): axes with ticks, chance diagonal, one coloured
 * curve per label and a legend with each label's AUROC. jimp's bitmap fonts are black only: the
 * legend's colour is in the line swatch before each entry.
 */
export async function renderRocPng(
  curves: readonly RocPlotCurve[],
  options: RocPlotOptions = {},
): Promise<Buffer> {
  const L = rocLayout(curves, options);
  const image = new Jimp({ width: L.width, height: L.height, color: 0xffffffff });
  const canvas = new Canvas(image.bitmap.data, L.width, L.height);
  drawFrame(canvas, L);
  curves.forEach((c, i) => {
    const colour = rgb(ROC_PALETTE[i % ROC_PALETTE.length]!);
    const path = pixelPath(L, c);
    for (let k = 1; k < path.length; k++) {
      const [x0, y0] = path[k - 1]!;
      const [x1, y1] = path[k]!;
      canvas.line(x0, y0, x1, y1, colour, 2);
    }
    const y = L.legendY + i * L.legendLine + L.legendLine / 2;
    canvas.rect(L.legendX, y - 1.5, 24, 3, colour);
  });
  const small = await loadFont(SANS_12_BLACK);
  const large = await loadFont(SANS_16_BLACK);
  image.print({
    font: large,
    x: L.left,
    y: 12,
    text: { text: L.title, alignmentX: 2 },
    maxWidth: L.size,
  });
  for (const t of L.ticks) {
    const [x] = toPixel(L, t, 0);
    const [, y] = toPixel(L, 0, t);
    image.print({ font: small, x: Math.round(x) - 10, y: L.top + L.size + 8, text: t.toFixed(1) });
    image.print({ font: small, x: L.left - 32, y: Math.round(y) - 8, text: t.toFixed(1) });
  }
  image.print({
    font: small,
    x: L.left,
    y: L.top + L.size + 28,
    text: { text: 'False positive rate', alignmentX: 2 },
    maxWidth: L.size,
  });
  // Vertical axis title: printed on its own strip, rotated, then composited.
  const strip = new Jimp({ width: L.size, height: 18, color: 0xffffffff });
  strip.print({
    font: small,
    x: 0,
    y: 1,
    text: { text: 'True positive rate', alignmentX: 2 },
    maxWidth: L.size,
  });
  strip.rotate(90);
  image.composite(strip, 4, L.top);
  curves.forEach((c, i) => {
    const y = L.legendY + i * L.legendLine + L.legendLine / 2;
    image.print({ font: small, x: L.legendX + 30, y: Math.round(y) - 8, text: legendText(c) });
  });
  return image.getBuffer('image/png');
}
