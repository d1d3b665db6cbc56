import { describe, expect, it } from 'vitest';
import { discreteColormap, GRADCAM_COLORMAP, hot, hotReversed } from './colormap.js';

// Fixtures printed by matplotlib 3.6.3 (Debian python3-matplotlib):
//   plt.get_cmap('hot')(i / 255)[:3]  — at i/255 its 256-entry table is exact
const MATPLOTLIB_HOT: [number, [number, number, number]][] = [
  [0, [0.0416, 0, 0]],
  [20, [0.247496881, 0, 0]],
  [50, [0.556342203, 0, 0]],
  [93, [0.999020497, 0, 0]],
  [94, [1, 0.009314669, 0]],
  [128, [1, 0.3593141, 0]],
  [190, [1, 0.997548357, 0]],
  [191, [1, 1, 0.011763718]],
  [230, [1, 1, 0.613970202]],
  [255, [1, 1, 1]],
];
//   plt.get_cmap('hot_r', 5)(np.arange(5))[:, :3]
const MATPLOTLIB_HOT_R_5: [number, number, number][] = [
  [1, 1, 1],
  [1, 1, 0.01562402],
  [1, 0.35416705, 0],
  [0.69789631, 0, 0],
  [0.0416, 0, 0],
];
//   plt.get_cmap('hot_r', 5)(v) for these values → the colour index above
const MATPLOTLIB_BANDS: [number, number][] = [
  [0, 0],
  [0.19, 0],
  [0.2, 1],
  [0.5, 2],
  [0.59, 2],
  [0.6, 3],
  [0.79, 3],
  [0.8, 4],
  [0.99, 4],
  [1, 4],
];

describe('hot colour map', () => {
  it('matches matplotlib', () => {
    for (const [i, expected] of MATPLOTLIB_HOT) {
      const rgb = hot(i / 255);
      rgb.forEach((v, c) => {
        expect(v).toBeCloseTo(expected[c]!, 6);
      });
      hotReversed(1 - i / 255).forEach((v, c) => {
        expect(v).toBeCloseTo(rgb[c]!, 12);
      });
    }
  });

  it('cut into 5 reversed bands matches matplotlib get_cmap("hot_r", 5)', () => {
    GRADCAM_COLORMAP.colors.forEach((rgb, k) => {
      rgb.forEach((v, c) => {
        expect(v).toBeCloseTo(MATPLOTLIB_HOT_R_5[k]![c]!, 6);
      });
    });
    for (const [value, band] of MATPLOTLIB_BANDS) {
      expect(GRADCAM_COLORMAP.bandOf(value)).toBe(band);
      expect(GRADCAM_COLORMAP.colorOf(value)).toBe(GRADCAM_COLORMAP.colors[band]);
    }
    expect(GRADCAM_COLORMAP.bandOf(-1)).toBe(0);
    expect(GRADCAM_COLORMAP.bandOf(2)).toBe(4);
    expect(() => discreteColormap(hot, 1)).toThrow(/bands must be an integer ≥ 2/);
    expect(() => discreteColormap(hot, 1)).toThrow(RangeError);
  });
});
