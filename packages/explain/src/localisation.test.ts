import { describe, expect, it } from 'vitest';
import { boxPixelFraction, localisationScore, pixelInBox } from './localisation.js';

describe('localisation', () => {
  it('counts a pixel inside a box by its centre', () => {
    const box = { x0: 0.25, y0: 0.5, x1: 0.5, y1: 1 };
    // 8 × 4 image: pixel centres at (x + 0.5) / 8 and (y + 0.5) / 4.
    expect(pixelInBox({ x: 2, y: 2, width: 8, height: 4 }, box)).toBe(true); // (0.3125, 0.625)
    expect(pixelInBox({ x: 3, y: 3, width: 8, height: 4 }, box)).toBe(true); // (0.4375, 0.875)
    expect(pixelInBox({ x: 1, y: 2, width: 8, height: 4 }, box)).toBe(false); // x centre 0.1875
    expect(pixelInBox({ x: 4, y: 2, width: 8, height: 4 }, box)).toBe(false); // x centre 0.5625
    expect(pixelInBox({ x: 2, y: 1, width: 8, height: 4 }, box)).toBe(false); // y centre 0.375
  });

  it('gives the fraction of pixel centres in the box (brute force agrees)', () => {
    const boxes = [
      { x0: 0.25, y0: 0.5, x1: 0.5, y1: 1 },
      { x0: 0.1, y0: 0.13, x1: 0.77, y1: 0.4 },
      { x0: 0, y0: 0, x1: 1, y1: 1 },
      { x0: 0.5, y0: 0.5, x1: 0.5, y1: 0.5 },
      { x0: 0.51, y0: 0.2, x1: 0.52, y1: 0.3 },
    ];
    // Hand-worked: the first box holds x ∈ {2, 3} of 8 and y ∈ {2, 3} of 4 → 4 / 32.
    expect(boxPixelFraction(boxes[0]!, { width: 8, height: 4 })).toBe(4 / 32);
    for (const box of boxes) {
      for (const [w, h] of [
        [8, 4],
        [13, 7],
        [32, 32],
      ] as const) {
        let inside = 0;
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) if (pixelInBox({ x, y, width: w, height: h }, box)) inside++;
        expect(boxPixelFraction(box, { width: w, height: h })).toBeCloseTo(inside / (w * h), 12);
      }
    }
  });

  it('scores hits against the random baseline', () => {
    const box = { x0: 0, y0: 0, x1: 0.5, y1: 0.5 };
    const score = localisationScore([
      { box, peak: { x: 1, y: 1 }, width: 4, height: 4 },
      { box, peak: { x: 3, y: 0 }, width: 4, height: 4 },
      { box, peak: null, width: 4, height: 4 },
      { box: { x0: 0, y0: 0, x1: 1, y1: 1 }, peak: { x: 3, y: 3 }, width: 4, height: 4 },
    ]);
    expect(score).toEqual({
      findings: 4,
      hits: 2,
      hitRate: 0.5,
      randomHitRate: (0.25 * 3 + 1) / 4,
    });
    expect(() => localisationScore([])).toThrow(/no findings/);
    expect(() => localisationScore([])).toThrow(RangeError);
    expect(() =>
      localisationScore([
        { box: { x0: 0.5, y0: 0, x1: 0.2, y1: 1 }, peak: null, width: 4, height: 4 },
      ]),
    ).toThrow(/cases\[0\]\.box must have finite x0 ≤ x1/);
    expect(() =>
      localisationScore([
        { box: { x0: 0.5, y0: 0, x1: 0.2, y1: 1 }, peak: null, width: 4, height: 4 },
      ]),
    ).toThrow(RangeError);
  });
});
