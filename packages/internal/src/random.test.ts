import { describe, expect, it } from 'vitest';
import { fnv1aSeed, hashSeed, mulberry32, seededValues } from './random.js';

describe('mulberry32', () => {
  it('gives the reference stream (values from an independent Python implementation)', () => {
    const a = mulberry32(42);
    expect([a(), a(), a()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const b = mulberry32(2 ** 32 - 1);
    expect([b(), b()]).toEqual([0.8964226141106337, 0.189478256739676]);
  });

  it('stays in [0, 1) with mean 1/2', () => {
    const next = mulberry32(7);
    const xs = Array.from({ length: 2000 }, next);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.03);
  });

  it('seededValues maps the same stream onto [-scale, scale)', () => {
    const v = seededValues(3, 42, 2);
    expect(v[0]).toBeCloseTo((0.6011037519201636 * 2 - 1) * 2, 6);
    expect(v[2]).toBeCloseTo((0.8524657934904099 * 2 - 1) * 2, 6);
  });
});

describe('seed mixers', () => {
  it('hashSeed is deterministic and sensitive to every key and their order', () => {
    expect(hashSeed(1, 2, 3)).toBe(hashSeed(1, 2, 3));
    const seen = new Set([
      hashSeed(1, 2, 3),
      hashSeed(3, 2, 1),
      hashSeed(1, 2, 4),
      hashSeed(1, 2),
      hashSeed(2 ** 40 + 1, 2, 3),
    ]);
    expect(seen.size).toBe(5);
  });

  it('fnv1aSeed is FNV-1a over the keys joined with ":" (value from Python)', () => {
    expect(fnv1aSeed(3, 1, 7)).toBe(2264198412);
  });
});
