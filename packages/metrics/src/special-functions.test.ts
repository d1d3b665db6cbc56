import { describe, expect, it } from 'vitest';
import { sklearn } from '../test/reference.js';
import {
  erfc,
  logGamma,
  normalQuantile,
  normalTwoSided,
  regularizedGammaQ,
  regularizedIncompleteBeta,
  studentTTwoSided,
} from './special-functions.js';

const relClose = (a: number, b: number, tol: number) =>
  Math.abs(a - b) <= tol * Math.max(Math.abs(b), Number.MIN_VALUE);

describe('special functions', () => {
  it('logGamma matches known values', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 12);
    expect(logGamma(100)).toBeCloseTo(359.1342053695754, 10);
  });

  it('regularizedIncompleteBeta has its closed forms', () => {
    for (const x of [0, 0.1, 0.37, 0.9, 1]) {
      expect(regularizedIncompleteBeta(x, 1, 1)).toBeCloseTo(x, 14);
      expect(regularizedIncompleteBeta(x, 3, 1)).toBeCloseTo(x ** 3, 14);
      expect(regularizedIncompleteBeta(x, 1, 2)).toBeCloseTo(1 - (1 - x) ** 2, 14);
    }
    expect(regularizedIncompleteBeta(0.3, 2.5, 4)).toBeCloseTo(
      1 - regularizedIncompleteBeta(0.7, 4, 2.5),
      14,
    );
    expect(() => regularizedIncompleteBeta(1.2, 1, 1)).toThrow(/\[0, 1\]/);
  });

  it('studentTTwoSided equals scipy’s 2·t.sf(t, df) to 1e-10 relative', () => {
    for (const { t, df, p } of sklearn.tTails) {
      expect(relClose(studentTTwoSided(t, df), p, 1e-10), `t=${t} df=${df}`).toBe(true);
      expect(studentTTwoSided(-t, df)).toBe(studentTTwoSided(t, df));
    }
    expect(studentTTwoSided(Number.POSITIVE_INFINITY, 3)).toBe(0);
  });

  it('normalTwoSided and erfc equal scipy to 1e-12 relative', () => {
    for (const { z, p } of sklearn.normalTails) {
      expect(relClose(normalTwoSided(z), p, 1e-12), `z=${z}`).toBe(true);
    }
    expect(erfc(-1)).toBeCloseTo(2 - erfc(1), 15);
    expect(regularizedGammaQ(1, 2)).toBeCloseTo(Math.exp(-2), 15);
  });

  it('normalQuantile inverts the normal distribution', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 14);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424308822899, 10);
  });
});
