import type { RocCurve } from './auroc.js';
import { binaryAuroc } from './auroc.js';
import type { EvaluationInput } from './evaluate.js';
import { rocCurves } from './evaluate.js';
import { asScoreMatrix, column } from './matrix.js';

/** One curve of a ROC figure. */
export interface RocPlotCurve {
  label: string;
  fpr: readonly number[];
  tpr: readonly number[];
  auroc: number | null;
}

export interface RocPlotOptions {
  /** Figure title (default "ROC curves"). */
  title?: string;
  /** Image width in pixels (default 960). */
  width?: number;
  /** Image height in pixels (default 640). */
  height?: number;
}

/**
 * 21 distinguishable colours: matplotlib's tab20 (dark shades first, then light) and black, so the
 * 21 outputs of the hierarchical model each get their own colour.
 */
export const ROC_PALETTE: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#000000',
  '#aec7e8',
  '#ffbb78',
  '#98df8a',
  '#ff9896',
  '#c5b0d5',
  '#c49c94',
  '#f7b6d2',
  '#c7c7c7',
  '#dbdb8d',
  '#9edae5',
];

/**
 * Curves for a figure: one per label with a defined AUROC, in label order. Collinear points are
 * dropped (scikit-learn's `drop_intermediate`), which leaves the drawn curve unchanged.
 */
export function rocPlotCurves(input: EvaluationInput): RocPlotCurve[] {
  const curves: Map<string, RocCurve> = rocCurves(input, { dropIntermediate: true });
  const truth = asScoreMatrix(input.truth, input.labels.length, 'truth');
  const scores = asScoreMatrix(input.scores, input.labels.length, 'scores');
  return input.labels.flatMap((label, c) => {
    const curve = curves.get(label);
    if (!curve) return [];
    return [
      {
        label,
        fpr: curve.fpr,
        tpr: curve.tpr,
        auroc: binaryAuroc(column(truth, c), column(scores, c)),
      },
    ];
  });
}

/** Pixel geometry shared by the SVG and PNG renderers. */
export interface RocLayout {
  width: number;
  height: number;
  /** The square plot area. */
  left: number;
  top: number;
  size: number;
  /** Legend origin and line height. */
  legendX: number;
  legendY: number;
  legendLine: number;
  title: string;
  ticks: number[];
}

export function rocLayout(
  curves: readonly RocPlotCurve[],
  options: RocPlotOptions = {},
): RocLayout {
  const width = options.width ?? 960;
  const height = options.height ?? 640;
  const top = 44;
  const left = 64;
  const size = Math.max(100, Math.min(height - top - 56, width - left - 300));
  const legendLine = Math.max(12, Math.min(22, Math.floor(size / Math.max(1, curves.length))));
  return {
    width,
    height,
    left,
    top,
    size,
    legendX: left + size + 28,
    legendY: top + 4,
    legendLine,
    title: options.title ?? 'ROC curves',
    ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
  };
}

/** Legend text of a curve: `Label (AUC 0.903)`. */
export function legendText(curve: RocPlotCurve): string {
  return `${curve.label} (AUC ${curve.auroc === null ? 'n/a' : curve.auroc.toFixed(3)})`;
}

/** Pixel x of a false-positive rate, pixel y of a true-positive rate. */
export function toPixel(layout: RocLayout, fpr: number, tpr: number): [number, number] {
  return [layout.left + fpr * layout.size, layout.top + (1 - tpr) * layout.size];
}

/**
 * A curve's points in pixels, leaving out points less than half a pixel from the last one kept
 * (the last point is always kept): a million-image curve draws as fast as a small one.
 */
export function pixelPath(layout: RocLayout, curve: RocPlotCurve): [number, number][] {
  const out: [number, number][] = [];
  const n = curve.fpr.length;
  for (let k = 0; k < n; k++) {
    const p = toPixel(layout, curve.fpr[k]!, curve.tpr[k]!);
    const last = out[out.length - 1];
    if (last && k < n - 1 && Math.abs(p[0] - last[0]) < 0.5 && Math.abs(p[1] - last[1]) < 0.5)
      continue;
    out.push(p);
  }
  return out;
}
