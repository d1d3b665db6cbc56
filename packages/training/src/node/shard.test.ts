import { describe, expect, it } from 'vitest';
import { parseShard, shardItems } from './shard.js';

describe('parseShard', () => {
  it('reads i/n', () => {
    expect(parseShard('2/4', {})).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 0/1 ', {})).toEqual({ index: 0, count: 1 });
  });

  it('refuses malformed text, a zero count and an index out of range, quoting the text', () => {
    expect(() => parseShard('x', {})).toThrow(/shard "x": expected i\/n/);
    expect(() => parseShard('1/0', {})).toThrow(RangeError);
    expect(() => parseShard('4/4', {})).toThrow(/shard "4\/4": index must be in \[0, 3\]/);
    expect(() => parseShard('-1/4', {})).toThrow(/expected i\/n/);
  });

  it('reads a Slurm job array (index relative to its first task)', () => {
    const slurm = {
      SLURM_ARRAY_TASK_ID: '3',
      SLURM_ARRAY_TASK_MIN: '1',
      SLURM_ARRAY_TASK_COUNT: '5',
    };
    expect(parseShard('auto', slurm)).toEqual({ index: 2, count: 5 });
    expect(parseShard('auto/10', slurm)).toEqual({ index: 2, count: 10 });
    expect(() => parseShard('auto', { ...slurm, SLURM_ARRAY_TASK_ID: '6' })).toThrow(
      /index must be in \[0, 4\]/,
    );
  });

  it('reads a Kubernetes indexed Job, whose count must be given', () => {
    expect(parseShard('auto/10', { JOB_COMPLETION_INDEX: '7' })).toEqual({ index: 7, count: 10 });
    expect(() => parseShard('auto', { JOB_COMPLETION_INDEX: '7' })).toThrow(/no shard count/);
    expect(() => parseShard('auto', {})).toThrow(/neither is set/);
  });
});

describe('shardItems', () => {
  it('gives disjoint shards that cover the list once, round-robin', () => {
    const items = Array.from({ length: 10 }, (_, i) => `run${i}`);
    for (const count of [1, 2, 3, 4, 10, 16]) {
      const seen = Array.from({ length: count }, (_, index) => shardItems(items, { index, count }));
      expect(seen.flat().sort()).toEqual([...items].sort());
    }
    expect(shardItems(items, { index: 1, count: 4 })).toEqual(['run1', 'run5', 'run9']);
  });
});
