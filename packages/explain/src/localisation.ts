/** A finding's box in normalised image coordinates: x from the left, y from the top, in [0, 1]. */
export interface NormalisedBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One positive finding and where Grad-CAM put its peak (null: an all-zero map). */
export interface LocalisationCase {
  box: NormalisedBox;
  peak: { x: number; y: number } | null;
  width: number;
  height: number;
}

export interface LocalisationScore {
  /** Findings scored. */
  findings: number;
  /** Findings whose peak pixel lies inside the box. */
  hits: number;
  /** hits / findings. */
  hitRate: number;
  /**
   * Expected hit rate of a peak drawn uniformly over the pixels: the mean, over findings, of the
   * fraction of pixels inside the box (≈ the box's area fraction).
   */
  randomHitRate: number;
}

function checkBox(box: NormalisedBox, field: string): void {
  const { x0, y0, x1, y1 } = box;
  if (![x0, y0, x1, y1].every((v) => Number.isFinite(v)) || x0 > x1 || y0 > y1) {
    throw new RangeError(
      `${field} must have finite x0 ≤ x1 and y0 ≤ y1, got ${JSON.stringify(box)}`,
    );
  }
}

/** Pixel (x, y) of a `width × height` image is inside the box when its centre is. */
export function pixelInBox(
  { x, y, width, height }: { x: number; y: number; width: number; height: number },
  box: NormalisedBox,
): boolean {
  const cx = (x + 0.5) / width;
  const cy = (y + 0.5) / height;
  return cx >= box.x0 && cx <= box.x1 && cy >= box.y0 && cy <= box.y1;
}

/** Fraction of the pixels whose centre lies in the box: a uniformly random peak's hit chance. */
export function boxPixelFraction(
  box: NormalisedBox,
  { width, height }: { width: number; height: number },
): number {
  // Pixel centres along one axis inside [a, b]: x with a ≤ (x + 0.5)/n ≤ b.
  const count = (a: number, b: number, n: number) => {
    const first = Math.max(0, Math.ceil(a * n - 0.5));
    const last = Math.min(n - 1, Math.floor(b * n - 0.5));
    return Math.max(0, last - first + 1);
  };
  return (count(box.x0, box.x1, width) * count(box.y0, box.y1, height)) / (width * height);
}

/**
 * Pointing-game localisation: the fraction of positive findings whose Grad-CAM peak falls in the
 * finding's box, next to the fraction a uniformly random peak would score.
 */
export function localisationScore(cases: readonly LocalisationCase[]): LocalisationScore {
  if (cases.length === 0) throw new RangeError('localisationScore: no findings to score');
  let hits = 0;
  let randomHits = 0;
  cases.forEach((c, i) => {
    checkBox(c.box, `localisationScore: cases[${i}].box`);
    if (!Number.isInteger(c.width) || !Number.isInteger(c.height) || c.width < 1 || c.height < 1) {
      throw new RangeError(`localisationScore: cases[${i}] has size ${c.width}×${c.height}`);
    }
    if (c.peak != null && pixelInBox({ ...c.peak, width: c.width, height: c.height }, c.box))
      hits++;
    randomHits += boxPixelFraction(c.box, c);
  });
  return {
    findings: cases.length,
    hits,
    hitRate: hits / cases.length,
    randomHitRate: randomHits / cases.length,
  };
}
