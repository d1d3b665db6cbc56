/** One worker's share of a list of runs: worker `index` of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses a shard `i/n` (0 ≤ i < n). `auto` reads the index from the scheduler: a Slurm job array
 * (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, count SLURM_ARRAY_TASK_COUNT) or a Kubernetes
 * indexed Job (JOB_COMPLETION_INDEX, count given as `auto/n`). Errors are RangeErrors quoting
 * the text.
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const fail = (why: string) => new RangeError(`shard "${text}": ${why}`);
  const m = /^(auto|\d+)\/(auto|\d+)$/.exec(text.trim()) ?? /^(auto)$/.exec(text.trim());
  if (!m) throw fail('expected i/n, e.g. 0/4, or auto');
  const given = m[2] && m[2] !== 'auto' ? m[2] : undefined;
  let index: number;
  let count: number;
  if (m[1] !== 'auto') {
    index = Number(m[1]);
    count = Number(m[2]);
  } else if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    index = Number(env.SLURM_ARRAY_TASK_ID) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    count = Number(given ?? env.SLURM_ARRAY_TASK_COUNT);
  } else if (env.JOB_COMPLETION_INDEX !== undefined) {
    index = Number(env.JOB_COMPLETION_INDEX);
    count = Number(given);
  } else {
    throw fail('auto needs SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, and neither is set');
  }
  if (!Number.isInteger(count) || count < 1) {
    throw fail('no shard count (give it as auto/n, or run in a Slurm job array)');
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw fail(`index must be in [0, ${count - 1}]`);
  }
  return { index, count };
}

/**
 * The items of one shard: round-robin over the list (items i, i+n, i+2n, …), so the shards of
 * `count` workers are disjoint and together cover the list exactly once.
 */
export function shardItems<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, i) => i % shard.count === shard.index);
}
