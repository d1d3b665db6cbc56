import type { RunConfig } from './config.js';

/** One cell of the experiment grid: a name and the config fields it changes. */
export interface GridRun {
  id: string;
  label: string;
  patch: Partial<RunConfig>;
}

export const GRID_LAMBDAS = [0.3, 0.5, 0.7, 1.0] as const;

/**
 * The 10 runs behind Tables I–II (method-notes §5): flat without and with Uncertain, then the
 * hierarchical loss with data-driven and fixed (β = 1) penalties at each λ.
 */
export const PAPER_GRID: readonly GridRun[] = [
  { id: 'flat14', label: 'Flat (14)', patch: { labelSet: 'flat14', penalty: 'none' } },
  { id: 'flat15', label: 'Flat + Uncertain (15)', patch: { labelSet: 'flat15', penalty: 'none' } },
  ...GRID_LAMBDAS.map((lambda) => ({
    id: `hier-data-driven-${lambda.toFixed(1)}`,
    label: `Data-driven λ=${lambda.toFixed(1)}`,
    patch: { labelSet: 'hierarchical21', penalty: 'data-driven', lambda } as Partial<RunConfig>,
  })),
  ...GRID_LAMBDAS.map((lambda) => ({
    id: `hier-fixed-${lambda.toFixed(1)}`,
    label: `Fixed λ=${lambda.toFixed(1)}`,
    patch: { labelSet: 'hierarchical21', penalty: 'fixed', lambda, beta: 1 } as Partial<RunConfig>,
  })),
];

export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `i/n` (0 ≤ i < n). `auto` reads the index from a Slurm job array
 * (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed
 * Job (JOB_COMPLETION_INDEX, with the count given as `auto/n`).
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^(auto|\d+)\/(auto|\d+)$/.exec(text.trim()) ?? /^(auto)$/.exec(text.trim());
  if (!m) throw new Error(`--shard "${text}": expected i/n, e.g. 0/4, or auto`);
  let index: number;
  let count: number;
  if (m[1] === 'auto') {
    if (env.SLURM_ARRAY_TASK_ID !== undefined) {
      index = Number(env.SLURM_ARRAY_TASK_ID) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
      count = Number(m[2] && m[2] !== 'auto' ? m[2] : env.SLURM_ARRAY_TASK_COUNT);
    } else if (env.JOB_COMPLETION_INDEX !== undefined) {
      index = Number(env.JOB_COMPLETION_INDEX);
      count = Number(m[2] && m[2] !== 'auto' ? m[2] : env.CIHMLC_SHARD_COUNT);
    } else {
      throw new Error('--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set');
    }
  } else {
    index = Number(m[1]);
    count = Number(m[2]);
  }
  if (!Number.isInteger(count) || count < 1) throw new Error(`--shard "${text}": bad shard count`);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`--shard "${text}": index must be in [0, ${count - 1}]`);
  }
  return { index, count };
}

/** The runs of one shard: round-robin over the grid order, so shards are disjoint and cover it. */
export function shardRuns<T>(runs: readonly T[], shard: Shard): T[] {
  return runs.filter((_, i) => i % shard.count === shard.index);
}
