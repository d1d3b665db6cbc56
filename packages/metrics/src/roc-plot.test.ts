import { Jimp } from 'jimp';
import { describe, expect, it } from 'vitest';
import { REFERENCE_PREDICTIONS } from '../test/reference.js';
import { readPredictionsFile } from './read-predictions.js';
import {
  legendText,
  pixelPath,
  ROC_PALETTE,
  rocLayout,
  rocPlotCurves,
  toPixel,
} from './roc-plot.js';
import { renderRocPng } from './roc-png.js';
import { rocCurvesToSvg } from './roc-svg.js';

const curves = [
  { label: 'Perfect', fpr: [0, 0, 1], tpr: [0, 1, 1], auroc: 1 },
  { label: 'Edema <x>', fpr: [0, 0.5, 1], tpr: [0, 0.75, 1], auroc: 0.625 },
];

describe('ROC figures', () => {
  it('collects one curve per defined label from a prediction file', async () => {
    const p = await readPredictionsFile(REFERENCE_PREDICTIONS);
    const c = rocPlotCurves(p);
    expect(c).toHaveLength(21);
    expect(c[0]!.label).toBe('Atelectasis');
    expect(legendText(c[0]!)).toBe('Atelectasis (AUC 0.879)');
    expect(c[0]!.fpr[0]).toBe(0);
    expect(c[0]!.tpr.at(-1)).toBe(1);
    const single = rocPlotCurves({
      labels: ['A', 'B'],
      truth: [
        [1, 0],
        [1, 1],
      ],
      scores: [
        [0.2, 0.3],
        [0.4, 0.5],
      ],
    });
    expect(single.map((x) => x.label)).toEqual(['B']);
  });

  it('draws a 100,000-point curve with at most a few points per pixel, ends kept', () => {
    const n = 100_000;
    const fpr = Array.from({ length: n }, (_, k) => k / (n - 1));
    const tpr = fpr.map((x) => Math.sqrt(x));
    const L = rocLayout([]);
    const path = pixelPath(L, { label: 'big', fpr, tpr, auroc: 2 / 3 });
    expect(path.length).toBeLessThan(4 * L.size);
    expect(path[0]).toEqual(toPixel(L, 0, 0));
    expect(path.at(-1)).toEqual(toPixel(L, 1, 1));
  });

  it('renders SVG with axes, diagonal, a polyline per curve and an escaped legend', () => {
    const svg = rocCurvesToSvg(curves, { title: 'Fig. 2' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray'); // chance diagonal
    expect(svg).toContain('Edema &#60;x&#62; (AUC 0.625)');
    expect(svg).toContain('False positive rate');
    expect(svg).toContain('>Fig. 2</text>');
    const L = rocLayout(curves);
    const [x, y] = toPixel(L, 0, 1);
    expect(svg).toContain(`${x},${y}`); // the perfect curve's corner
  });

  it('renders a PNG whose pixels show the curves, the frame and the diagonal', async () => {
    const png = await renderRocPng(curves, { width: 800, height: 520 });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const image = await Jimp.read(png);
    expect(image.bitmap.width).toBe(800);
    expect(image.bitmap.height).toBe(520);
    const L = rocLayout(curves, { width: 800, height: 520 });
    /** Colours of the 3×3 pixels around a point of the plot, as "r,g,b" strings. */
    const around = (fpr: number, tpr: number) => {
      const [x, y] = toPixel(L, fpr, tpr);
      const colours: string[] = [];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const i = ((Math.floor(y) + dy) * 800 + Math.floor(x) + dx) * 4;
          colours.push([...image.bitmap.data.subarray(i, i + 3)].join(','));
        }
      }
      return colours;
    };
    const hex = (h: string) =>
      [1, 3, 5].map((k) => Number.parseInt(h.slice(k, k + 2), 16)).join(',');
    // The perfect curve runs along the top edge: first palette colour at (0.5, 1).
    expect(around(0.5, 1)).toContain(hex(ROC_PALETTE[0]!));
    // The second curve passes through (0.25, 0.375) in the second colour.
    expect(around(0.25, 0.375)).toContain(hex(ROC_PALETTE[1]!));
    // The dashed chance diagonal, away from grid lines: drawn at at least half of 8 points.
    const onDiagonal = [0.1, 0.15, 0.3, 0.35, 0.5, 0.7, 0.75, 0.9].filter((t) =>
      around(t, t).some((c) => c !== '255,255,255'),
    );
    expect(onDiagonal.length).toBeGreaterThanOrEqual(4);
    // Empty plot area stays white.
    expect(new Set(around(0.7, 0.3))).toEqual(new Set(['255,255,255']));
  });
});
