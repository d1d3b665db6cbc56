import { type DeLongTest, delongTest } from './delong.js';
import type { Evaluation, EvaluationInput } from './evaluate.js';
import { asScoreMatrix, column } from './matrix.js';
import { type PairedTTest, pairedTTest } from './paired-t-test.js';

export interface ConfigurationComparison extends PairedTTest {
  /** The labels compared: in both evaluations, AUROC defined in both. */
  labels: string[];
}

/**
 * Paired t-test over the per-label AUROCs of two configurations (method-notes §5: how the paper
 * compares configurations), on `labels` (default: every label both evaluations have). Labels with
 * an undefined AUROC in either are left out.
 */
export function compareConfigurations(
  a: Evaluation,
  b: Evaluation,
  labels?: readonly string[],
): ConfigurationComparison {
  const aurocA = new Map(a.perLabel.map((l) => [l.label, l.auroc]));
  const aurocB = new Map(b.perLabel.map((l) => [l.label, l.auroc]));
  const wanted = labels ?? a.labels.filter((l) => aurocB.has(l));
  for (const l of wanted) {
    if (!aurocA.has(l) || !aurocB.has(l))
      throw new RangeError(`label "${l}" is not in both evaluations`);
  }
  const used = wanted.filter((l) => aurocA.get(l) != null && aurocB.get(l) != null);
  return {
    labels: used,
    ...pairedTTest(
      used.map((l) => aurocA.get(l)!),
      used.map((l) => aurocB.get(l)!),
    ),
  };
}

/**
 * DeLong test per label for two prediction matrices on the same images with the same truth
 * (e.g. two configurations' predictions of the test set). Labels: those of `a` that `b` also has;
 * labels with one class are skipped.
 */
export function delongPerLabel(
  a: EvaluationInput,
  b: EvaluationInput,
): ({ label: string } & DeLongTest)[] {
  const truthA = asScoreMatrix(a.truth, a.labels.length, 'a.truth');
  const scoresA = asScoreMatrix(a.scores, a.labels.length, 'a.scores');
  const truthB = asScoreMatrix(b.truth, b.labels.length, 'b.truth');
  const scoresB = asScoreMatrix(b.scores, b.labels.length, 'b.scores');
  if (truthA.rows !== truthB.rows) {
    throw new RangeError(
      `DeLong needs the same images: ${truthA.rows} rows against ${truthB.rows}`,
    );
  }
  const out: ({ label: string } & DeLongTest)[] = [];
  a.labels.forEach((label, ca) => {
    const cb = b.labels.indexOf(label);
    if (cb < 0) return;
    const t = column(truthA, ca);
    const tb = column(truthB, cb);
    for (let r = 0; r < t.length; r++) {
      if (t[r] !== tb[r]) {
        throw new RangeError(`DeLong: the ground truth of "${label}" differs in row ${r}`);
      }
    }
    let positives = 0;
    for (const x of t) positives += x;
    if (positives === 0 || positives === t.length) return;
    out.push({ label, ...delongTest(t, column(scoresA, ca), column(scoresB, cb)) });
  });
  return out;
}
