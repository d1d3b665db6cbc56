import { mulberry32 } from '@cihmlc/internal';
import { type LabelledScores, labelledScores } from './labelled-scores.js';
import { asScoreMatrix, checkTruthAndScores, type ScoreMatrix } from './matrix.js';
import { multilabelAuroc } from './multilabel-auroc.js';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  iterations?: number;
  /** Seed of the generator (default 2408, the paper's seed). */
  seed?: number;
  /** Confidence level of the percentile interval (default 0.95). */
  level?: number;
  /**
   * A group id per image, e.g. `patientIdsFromPaths(paths)`: whole groups are resampled, so that
   * images of one patient stay together. Omitted or `null`: images are resampled one by one.
   */
  groups?: readonly string[] | null;
}

export interface BootstrapInterval {
  /** The statistic on the full data. */
  estimate: number | null;
  /** Percentile interval over the resamples where the statistic is defined. */
  lower: number | null;
  upper: number | null;
  /** Resamples where the statistic was defined (a label can lose a class in a resample). */
  resamples: number;
}

export interface BootstrapAuroc {
  iterations: number;
  level: number;
  seed: number;
  /** What was resampled: whole groups (patients) or single images. */
  unit: 'group' | 'image';
  /** Number of groups or images drawn per resample. */
  units: number;
  perLabel: ({ label: string } & BootstrapInterval)[];
  average: { macro: BootstrapInterval; weighted: BootstrapInterval; micro: BootstrapInterval };
}

/** numpy's default (linear) quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function interval(estimate: number | null, values: number[], level: number): BootstrapInterval {
  if (values.length === 0) return { estimate, lower: null, upper: null, resamples: 0 };
  const sorted = Float64Array.from(values).sort();
  const alpha = (1 - level) / 2;
  return {
    estimate,
    lower: quantile(sorted, alpha),
    upper: quantile(sorted, 1 - alpha),
    resamples: values.length,
  };
}

/** Rows of each group, in first-appearance order of the groups. */
function groupRows(groups: readonly string[]): number[][] {
  const byId = new Map<string, number[]>();
  groups.forEach((g, r) => {
    const rows = byId.get(g);
    if (rows) rows.push(r);
    else byId.set(g, [r]);
  });
  return [...byId.values()];
}

function takeRows(m: ScoreMatrix, rows: readonly number[]): ScoreMatrix {
  const data = new Float64Array(rows.length * m.cols);
  rows.forEach((r, i) => {
    data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  });
  return { rows: rows.length, cols: m.cols, data };
}

/**
 * Percentile bootstrap confidence intervals of every label's AUROC and of the three averages.
 * Seeded, so a run is reproducible. With `groups` (patient ids) the resampling unit is the
 * patient: a resample draws as many patients as there are, with replacement, and takes all of
 * their images.
 */
export function bootstrapAuroc(
  input: LabelledScores,
  options: BootstrapOptions = {},
): BootstrapAuroc {
  const {
    labels,
    truth: truthInput,
    scores: scoresInput,
  } = labelledScores('bootstrapAuroc', input);
  const iterations = options.iterations ?? 1000;
  const seed = options.seed ?? 2408;
  const level = options.level ?? 0.95;
  if (!(Number.isInteger(iterations) && iterations > 0)) {
    throw new RangeError(`bootstrap: iterations must be a positive integer, got ${iterations}`);
  }
  if (!(level > 0 && level < 1))
    throw new RangeError(`bootstrap: level must be in (0, 1), got ${level}`);
  const truth = asScoreMatrix(truthInput, labels.length, 'truth');
  const scores = asScoreMatrix(scoresInput, labels.length, 'scores');
  checkTruthAndScores(labels, truth, scores);
  const groups = options.groups ?? null;
  if (groups && groups.length !== truth.rows) {
    throw new RangeError(`bootstrap: ${groups.length} group ids for ${truth.rows} images`);
  }
  const units = groups ? groupRows(groups) : Array.from({ length: truth.rows }, (_, r) => [r]);
  const full = multilabelAuroc({ labels, truth, scores });
  const random = mulberry32(seed);
  const perLabel: number[][] = labels.map(() => []);
  const macro: number[] = [];
  const weighted: number[] = [];
  const micro: number[] = [];
  for (let it = 0; it < iterations; it++) {
    const rows: number[] = [];
    for (let k = 0; k < units.length; k++) {
      for (const r of units[Math.floor(random() * units.length)]!) rows.push(r);
    }
    const result = multilabelAuroc({
      labels,
      truth: takeRows(truth, rows),
      scores: takeRows(scores, rows),
    });
    result.perLabel.forEach((l, c) => {
      if (l.auroc !== null) perLabel[c]!.push(l.auroc);
    });
    if (result.average.macro !== null) macro.push(result.average.macro);
    if (result.average.weighted !== null) weighted.push(result.average.weighted);
    if (result.average.micro !== null) micro.push(result.average.micro);
  }
  return {
    iterations,
    level,
    seed,
    unit: groups ? 'group' : 'image',
    units: units.length,
    perLabel: labels.map((label, c) => ({
      label,
      ...interval(full.perLabel[c]!.auroc, perLabel[c]!, level),
    })),
    average: {
      macro: interval(full.average.macro, macro, level),
      weighted: interval(full.average.weighted, weighted, level),
      micro: interval(full.average.micro, micro, level),
    },
  };
}
