import { describe, expect, it } from 'vitest';
import { PAPER_GRID } from './grid.js';

describe('the experiment grid', () => {
  it('has the 10 runs of Tables I–II', () => {
    expect(PAPER_GRID.map((r) => r.id)).toEqual([
      'flat14',
      'flat15',
      'hier-data-driven-0.3',
      'hier-data-driven-0.5',
      'hier-data-driven-0.7',
      'hier-data-driven-1.0',
      'hier-fixed-0.3',
      'hier-fixed-0.5',
      'hier-fixed-0.7',
      'hier-fixed-1.0',
    ]);
  });
});
