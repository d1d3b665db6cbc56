import {
  allLabels,
  chexpertTaxonomy,
  hierarchyViolations,
  type Taxonomy,
  withOutputs,
} from '@cihmlc/taxonomy';
import { asScoreMatrix, type MatrixInput } from './matrix.js';

export interface EdgeViolationRate {
  parent: string;
  child: string;
  /** Images where the child is predicted (> threshold) while the parent is not (< threshold). */
  count: number;
  rate: number;
}

/** Hierarchy violations as plain JSON (through `hierarchyViolations` of @cihmlc/taxonomy). */
export interface ViolationRates {
  threshold: number;
  images: number;
  perEdge: EdgeViolationRate[];
  /** Images with at least one violated edge. */
  imagesWithViolation: number;
  imageRate: number;
  /** Mean number of violated edges per image. */
  meanViolationsPerImage: number;
}

/**
 * The taxonomy restricted to `labels` when every label is one of its labels (so the edges between
 * them apply), else `null`: violations are then not defined.
 */
export function taxonomyForLabels(
  labels: readonly string[],
  taxonomy: Taxonomy = chexpertTaxonomy,
): Taxonomy | null {
  const known = new Set(allLabels(taxonomy));
  if (labels.length === 0 || !labels.every((l) => known.has(l))) return null;
  return withOutputs(taxonomy, labels);
}

/**
 * Hierarchy-violation rates per edge and per image of predictions whose columns are `labels`.
 * Note: @cihmlc/taxonomy compares in Float32, so scores are rounded to float32 first.
 */
export function violationRates(
  {
    labels,
    scores: scoresInput,
    taxonomy,
  }: { labels: readonly string[]; scores: MatrixInput; taxonomy: Taxonomy },
  options: { threshold?: number } = {},
): ViolationRates {
  const scores = asScoreMatrix(scoresInput, labels.length, 'scores');
  const restricted = withOutputs(taxonomy, labels);
  const v = hierarchyViolations(
    { rows: scores.rows, cols: scores.cols, data: Float32Array.from(scores.data) },
    restricted,
    { threshold: options.threshold ?? 0.5 },
  );
  const total = v.perImage.reduce((s, x) => s + x, 0);
  return {
    threshold: v.threshold,
    images: v.images,
    perEdge: v.perEdge.map((e) => ({
      parent: e.parent,
      child: e.child,
      count: e.count,
      rate: e.rate,
    })),
    imagesWithViolation: v.imagesWithViolation,
    imageRate: v.imageRate,
    meanViolationsPerImage: v.images === 0 ? 0 : total / v.images,
  };
}
