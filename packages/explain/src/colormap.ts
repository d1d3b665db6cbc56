/** An RGB colour with channels in [0, 1]. */
export type Rgb = readonly [r: number, g: number, b: number];

/**
 * matplotlib's `hot` colour map (black → red → yellow → white), from its segment data:
 * red rises from 0.0416 at 0 to 1 at 0.365079, green from 0 at 0.365079 to 1 at 0.746032,
 * blue from 0 at 0.746032 to 1 at 1; each channel is piecewise linear and constant elsewhere.
 */
export function hot(t: number): Rgb {
  const x = Math.min(1, Math.max(0, t));
  const ramp = (from: number, to: number) => Math.min(1, Math.max(0, (x - from) / (to - from)));
  const red = x >= 0.365079 ? 1 : 0.0416 + (1 - 0.0416) * (x / 0.365079);
  return [red, ramp(0.365079, 0.746032), ramp(0.746032, 1)];
}

/** `hot_r`: the reversed map, white at 0 and near-black at 1. */
export function hotReversed(t: number): Rgb {
  return hot(1 - t);
}

/**
 * A continuous map cut into `bands` colours, like matplotlib's `get_cmap(name, bands)`: colour k
 * is the map at k / (bands − 1), and a value v falls in band floor(v · bands), the last band
 * closed at 1.
 */
export interface DiscreteColormap {
  readonly colors: readonly Rgb[];
  /** Band of a value in [0, 1] (values outside are clamped). */
  bandOf(value: number): number;
  colorOf(value: number): Rgb;
}

export function discreteColormap(map: (t: number) => Rgb, bands: number): DiscreteColormap {
  if (!Number.isInteger(bands) || bands < 2) {
    throw new RangeError(`discreteColormap: bands must be an integer ≥ 2, got ${bands}`);
  }
  const colors = Array.from({ length: bands }, (_, k) => map(k / (bands - 1)));
  const bandOf = (value: number) =>
    Math.min(bands - 1, Math.max(0, Math.floor(Math.min(1, Math.max(0, value)) * bands)));
  return { colors, bandOf, colorOf: (value) => colors[bandOf(value)]! };
}

/** The paper's Grad-CAM palette: reversed `hot` in 5 bands. */
export const GRADCAM_COLORMAP: DiscreteColormap = discreteColormap(hotReversed, 5);
