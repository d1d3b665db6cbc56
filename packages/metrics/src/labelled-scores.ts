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

/** The object form, or the deprecated positional (labels, truth, scores) form, as one object. */
export function labelledScores(
  caller: string,
  first: LabelledScores | readonly string[],
  truth?: MatrixInput,
  scores?: MatrixInput,
): LabelledScores {
  if (Array.isArray(first)) {
    if (truth === undefined || scores === undefined) {
      throw new TypeError(`${caller}: truth and scores are required`);
    }
    return { labels: first, truth, scores };
  }
  if (
    typeof first !== 'object' ||
    first === null ||
    !Array.isArray((first as LabelledScores).labels)
  ) {
    throw new TypeError(`${caller}: expected { labels, truth, scores }`);
  }
  return first as LabelledScores;
}
