import { describe, expect, it } from 'vitest';
import { applyUncertaintyPolicy } from './uncertainty.js';

const raw = [
  [1, 0, -1, null],
  [-1, Number.NaN, 0, 1],
];

describe('applyUncertaintyPolicy', () => {
  it('U-Zeros reads -1 and blanks as 0', () => {
    const { labels, mask } = applyUncertaintyPolicy(raw, 'zeros');
    expect(Array.from(labels.data)).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
    expect(mask).toBeUndefined();
  });

  it('U-Ones reads -1 as 1 and blanks as 0', () => {
    const { labels } = applyUncertaintyPolicy(raw, 'ones');
    expect(Array.from(labels.data)).toEqual([1, 0, 1, 0, 1, 0, 0, 1]);
  });

  it('U-Ignore masks -1 entries', () => {
    const { labels, mask } = applyUncertaintyPolicy(raw, 'ignore');
    expect(Array.from(labels.data)).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(mask!.data)).toEqual([1, 1, 0, 1, 0, 1, 1, 1]);
  });

  it('blank "ignore" masks blanks too', () => {
    const { mask } = applyUncertaintyPolicy(raw, 'zeros', { blank: 'ignore' });
    expect(Array.from(mask!.data)).toEqual([1, 1, 1, 0, 1, 0, 1, 1]);
  });

  it('rejects other values naming the cell', () => {
    expect(() => applyUncertaintyPolicy([[1, 0.5]], 'zeros')).toThrow(
      /raw labels\[0\]\[1\]: value 0.5/,
    );
    expect(() => applyUncertaintyPolicy([[1]], 'maybe' as never)).toThrow(/unknown uncertainty/);
  });
});
