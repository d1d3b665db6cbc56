import { aurocFromSplit, splitByTruth } from './auroc.js';
import { type LabelledScores, labelledScores } from './labelled-scores.js';
import { asScoreMatrix, checkTruthAndScores, column } from './matrix.js';

export interface LabelAuroc {
  label: string;
  /** `null` when the ground truth of this label has one class only (AUROC undefined). */
  auroc: number | null;
  positives: number;
  negatives: number;
}

/** scikit-learn's three averages over the labels whose AUROC is defined (`null` if none is). */
export interface AurocAverages {
  /** Unweighted mean of the per-label AUROCs. */
  macro: number | null;
  /** Mean weighted by each label's number of positives (the paper's headline "weighted AUROC"). */
  weighted: number | null;
  /** One AUROC over all (image, label) pairs of the defined labels, flattened. */
  micro: number | null;
}

export interface MultilabelAuroc {
  perLabel: LabelAuroc[];
  average: AurocAverages;
  /** Labels left out of the averages because their ground truth has one class. */
  undefinedLabels: string[];
}

/**
 * Per-label AUROC and the macro / weighted / micro averages of a multi-label prediction matrix
 * (rows = images, columns = `labels`), as scikit-learn's `roc_auc_score` computes them — except
 * that a label with one class is reported as `null` and left out of all three averages instead of
 * raising. Truth must be 0/1 and scores finite: the error names the row and label.
 */
export function multilabelAuroc(input: LabelledScores): MultilabelAuroc {
  const {
    labels,
    truth: truthInput,
    scores: scoresInput,
  } = labelledScores('multilabelAuroc', input);
  const truth = asScoreMatrix(truthInput, labels.length, 'truth');
  const scores = asScoreMatrix(scoresInput, labels.length, 'scores');
  checkTruthAndScores(labels, truth, scores);
  const perLabel: LabelAuroc[] = labels.map((label, c) => {
    const split = splitByTruth(column(truth, c), column(scores, c));
    return {
      label,
      auroc: aurocFromSplit(split),
      positives: split.positives.length,
      negatives: split.negatives.length,
    };
  });
  const defined = perLabel.filter((l) => l.auroc !== null);
  let macro: number | null = null;
  let weighted: number | null = null;
  let micro: number | null = null;
  if (defined.length > 0) {
    macro = defined.reduce((s, l) => s + l.auroc!, 0) / defined.length;
    const totalPositives = defined.reduce((s, l) => s + l.positives, 0);
    weighted = defined.reduce((s, l) => s + l.auroc! * l.positives, 0) / totalPositives;
    micro = microAuroc(truth.data, scores.data, labels.length, perLabel);
  }
  return {
    perLabel,
    average: { macro, weighted, micro },
    undefinedLabels: perLabel.filter((l) => l.auroc === null).map((l) => l.label),
  };
}

function microAuroc(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  cols: number,
  perLabel: LabelAuroc[],
): number | null {
  const use = perLabel.map((l) => l.auroc !== null);
  const keptCols = use.filter(Boolean).length;
  const rows = truth.length / cols;
  const t = new Float64Array(rows * keptCols);
  const s = new Float64Array(rows * keptCols);
  let k = 0;
  for (let i = 0; i < truth.length; i++) {
    if (!use[i % cols]) continue;
    t[k] = truth[i]!;
    s[k++] = scores[i]!;
  }
  return aurocFromSplit(splitByTruth(t, s));
}
