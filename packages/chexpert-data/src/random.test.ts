import { describe, expect, it } from 'vitest';
import { permutation, Random } from './random.js';

describe('random', () => {
  it('Random streams repeat for a seed and stay in range', () => {
    const a = new Random(7);
    const b = new Random(7);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const r = new Random(1);
    const ints = Array.from({ length: 600 }, () => r.int(2, 4));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4]));
  });

  it('permutation is a seeded permutation of 0..n-1', () => {
    const p = permutation(500, 3);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(permutation(500, 3)).toEqual(p);
    expect(permutation(500, 4)).not.toEqual(p);
  });
});
