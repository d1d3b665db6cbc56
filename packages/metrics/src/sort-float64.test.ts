import { mulberry32 } from '@cihmlc/internal';
import { describe, expect, it } from 'vitest';
import { sortFloat64 } from './sort-float64.js';

describe('sortFloat64', () => {
  it('sorts like the built-in sort: negatives, subnormals, huge values, ties, float32 values', () => {
    const random = mulberry32(5);
    const special = [
      0,
      -1e-310,
      5e-324,
      -Number.MAX_VALUE,
      Number.MAX_VALUE,
      -0.5,
      1,
      1,
      2 ** -1074,
    ];
    for (const n of [10, 5000, 70_000]) {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const kind = i % 4;
        values[i] =
          kind === 0
            ? Math.fround(random()) // float32: low 29 bits zero
            : kind === 1
              ? (random() - 0.5) * 1e6
              : kind === 2
                ? Math.round(random() * 20) / 20 // many ties
                : special[i % special.length]!;
      }
      const expected = Float64Array.from(values).sort();
      expect(Array.from(sortFloat64(values))).toEqual(Array.from(expected));
    }
  });

  it('handles arrays where every value is the same', () => {
    const values = new Float64Array(10_000).fill(0.25);
    expect(sortFloat64(values).every((v) => v === 0.25)).toBe(true);
  });
});
