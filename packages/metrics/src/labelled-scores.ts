import type { MatrixInput } from './matrix.js';

/** A score matrix with its ground truth and column labels: images × labels each. */
export interface LabelledScores {
  /** Column labels of `truth` and `scores` (the model's output labels). */
  labels: readonly string[];
  /** 0/1 ground truth, images × labels. */
  truth: MatrixInput;
  /** Scores (probabilities), images × labels. */
  scores: MatrixInput;
}

/** Checks the `{ labels, truth, scores }` argument of a metric (shapes are checked later). */
export function labelledScores(caller: string, input: LabelledScores): LabelledScores {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.labels)) {
    throw new TypeError(`${caller}: expected { labels, truth, scores }`);
  }
  return input;
}
