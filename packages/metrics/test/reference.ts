/**
 * Test support: the sklearn reference numbers (generated once by make_sklearn_reference.py) and
 * the location of the reference predictions file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The reference predictions file, inside this package (fixtures/reference-predictions/, shipped
 * in the tarball; MIT, see its LICENSE and README). A missing file fails the tests loudly.
 */
function findReferencePredictions(): string {
  const file = resolve(here, '../fixtures/reference-predictions/test-predictions.csv');
  if (!existsSync(file)) throw new Error(`reference predictions not found at ${file}`);
  return file;
}

export const REFERENCE_PREDICTIONS = findReferencePredictions();

type Num = number;
interface PerLabel {
  [label: string]: { auroc: Num | null; positives: Num };
}
interface Averages {
  macro: Num;
  weighted: Num;
  micro: Num;
}
interface Roc {
  fpr: Num[];
  tpr: Num[];
  thresholds: Num[];
}
interface Threshold {
  f1Weighted: Num;
  f1Macro: Num;
  f1PerLabel: Num[];
  accuracyPerLabel: Num[];
  accuracy: Num;
}
interface DeLongRef {
  aucA: Num;
  aucB: Num;
  varA: Num;
  varB: Num;
  covariance: Num;
  z: Num;
  p: Num;
}

export interface SklearnReference {
  threshold: Num;
  fixture: {
    rows: Num;
    labels: string[];
    derivedGroundTruth: {
      perLabel: PerLabel;
      average: Averages;
      threshold: Threshold;
      changedRows: Record<string, Num>;
    };
    fileGroundTruth: { perLabel: PerLabel; average: Averages };
    roc: Record<string, { intermediate: Roc; dropped: Roc }>;
    delong: Record<string, DeLongRef>;
    violations: {
      perEdge: { parent: string; child: string; count: Num }[];
      imagesWithViolation: Num;
    };
  };
  synthetic: {
    ties8: { truth: Num[]; scores: Num[]; auroc: Num; roc: Roc; rocDropped: Roc };
    grid200: { truth: Num[]; scores: Num[]; auroc: Num; roc: Roc; rocDropped: Roc };
    multilabel: {
      labels: string[];
      truth: Num[][];
      scores: Num[][];
      perLabel: PerLabel;
      average: Averages;
      threshold: Threshold;
    };
    delong150: { truth: Num[]; scoresA: Num[]; scoresB: Num[] } & DeLongRef;
  };
  tTests: Record<string, { a: Num[]; b: Num[]; t: Num; p: Num }>;
  tTails: { t: Num; df: Num; p: Num }[];
  normalTails: { z: Num; p: Num }[];
}

export const sklearn: SklearnReference = JSON.parse(
  readFileSync(resolve(here, 'fixtures/sklearn-reference.json'), 'utf8'),
);

/** Relative-or-absolute closeness for reference comparisons. */
export function close(actual: number | null, expected: number | null, tol = 1e-12): boolean {
  if (actual === null || expected === null) return actual === expected;
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}
