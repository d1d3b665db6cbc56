import { describe, expect, it } from 'vitest';
import { PAPER_GRID, parseShard, shardRuns } from './grid.js';

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

  it('splits into disjoint shards that cover every run', () => {
    for (const count of [1, 2, 3, 4, 10, 16]) {
      const seen = Array.from({ length: count }, (_, index) =>
        shardRuns(PAPER_GRID, { index, count }).map((r) => r.id),
      ).flat();
      expect(seen.sort()).toEqual(PAPER_GRID.map((r) => r.id).sort());
    }
    expect(shardRuns(PAPER_GRID, { index: 1, count: 4 }).map((r) => r.id)).toEqual([
      'flat15',
      'hier-data-driven-1.0',
      'hier-fixed-1.0',
    ]);
  });

  it('parses i/n and scheduler environments', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('4/4')).toThrow(/index must be in \[0, 3\]/);
    expect(() => parseShard('x')).toThrow(/expected i\/n/);
    expect(
      parseShard('auto', {
        SLURM_ARRAY_TASK_ID: '3',
        SLURM_ARRAY_TASK_MIN: '1',
        SLURM_ARRAY_TASK_COUNT: '5',
      }),
    ).toEqual({ index: 2, count: 5 });
    expect(parseShard('auto/10', { JOB_COMPLETION_INDEX: '7' })).toEqual({ index: 7, count: 10 });
    expect(() => parseShard('auto', {})).toThrow(/neither SLURM_ARRAY_TASK_ID/);
  });
});
