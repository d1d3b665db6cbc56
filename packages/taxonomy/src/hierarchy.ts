import { type LabelMatrix, type LabelRows, sameForm, toMatrix } from './matrix.js';
import type { HierarchyEdge, Taxonomy } from './taxonomy.js';
import { TaxonomyError } from './validate.js';

function assertLabel(taxonomy: Taxonomy, label: string): void {
  if (!taxonomy.outputLabels.includes(label)) {
    throw new RangeError(`"${label}" is not an output label of taxonomy "${taxonomy.name}"`);
  }
}

/** Direct parents of a label (more than one in a DAG: Cardiomegaly has Cardiac and EC). */
export function parentsOf(taxonomy: Taxonomy, label: string): string[] {
  assertLabel(taxonomy, label);
  return taxonomy.edges.filter((e) => e.child === label).map((e) => e.parent);
}

/** Direct children of a label. */
export function childrenOf(taxonomy: Taxonomy, label: string): string[] {
  assertLabel(taxonomy, label);
  return taxonomy.edges.filter((e) => e.parent === label).map((e) => e.child);
}

function closure(taxonomy: Taxonomy, label: string, next: (l: string) => string[]): string[] {
  assertLabel(taxonomy, label);
  const seen = new Set<string>();
  const stack = [label];
  while (stack.length) {
    for (const n of next(stack.pop()!)) {
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  // Output order, so results are stable and readable.
  return taxonomy.outputLabels.filter((l) => seen.has(l));
}

/** Every label above `label` in the hierarchy, in output order. */
export function ancestorsOf(taxonomy: Taxonomy, label: string): string[] {
  return closure(taxonomy, label, (l) => parentsOf(taxonomy, l));
}

/** Every label below `label` in the hierarchy, in output order. */
export function descendantsOf(taxonomy: Taxonomy, label: string): string[] {
  return closure(taxonomy, label, (l) => childrenOf(taxonomy, l));
}

/** Output labels ordered so that every parent comes before its children. */
export function topologicalOrder(taxonomy: Taxonomy): string[] {
  const indegree = new Map(taxonomy.outputLabels.map((l) => [l, 0]));
  for (const e of taxonomy.edges) indegree.set(e.child, (indegree.get(e.child) ?? 0) + 1);
  const queue = taxonomy.outputLabels.filter((l) => indegree.get(l) === 0);
  const order: string[] = [];
  while (queue.length) {
    const l = queue.shift()!;
    order.push(l);
    for (const e of taxonomy.edges) {
      if (e.parent !== l) continue;
      const d = indegree.get(e.child)! - 1;
      indegree.set(e.child, d);
      if (d === 0) queue.push(e.child);
    }
  }
  if (order.length !== taxonomy.outputLabels.length) {
    throw new TaxonomyError(
      'edges',
      `contain a cycle in taxonomy "${taxonomy.name}" (validateTaxonomy names its labels)`,
    );
  }
  return order;
}

/** Column indices of each edge's parent and child in `outputLabels`. */
export function edgeIndices(taxonomy: Taxonomy): { parent: number; child: number }[] {
  const index = new Map(taxonomy.outputLabels.map((l, i) => [l, i]));
  return taxonomy.edges.map((e) => ({ parent: index.get(e.parent)!, child: index.get(e.child)! }));
}

export interface EdgeViolations extends HierarchyEdge {
  /** Images where the child is predicted without its parent. */
  count: number;
  rate: number;
}

export interface HierarchyViolations {
  threshold: number;
  images: number;
  perEdge: EdgeViolations[];
  /** Number of violated edges in each image. */
  perImage: Int32Array;
  /** Images with at least one violated edge. */
  imagesWithViolation: number;
  imageRate: number;
}

/**
 * Counts hierarchy violations in a prediction matrix (rows in `outputLabels` order): an edge is
 * violated when the parent's probability is below `threshold` and the child's above it — the
 * same indicator the HBCE penalty uses.
 */
export function hierarchyViolations(
  predictions: LabelRows,
  taxonomy: Taxonomy,
  options: { threshold?: number } = {},
): HierarchyViolations {
  const threshold = options.threshold ?? 0.5;
  const m = toMatrix(predictions, taxonomy.outputLabels.length, 'predictions');
  const edges = edgeIndices(taxonomy);
  const counts = new Int32Array(edges.length);
  const perImage = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (let k = 0; k < edges.length; k++) {
      const e = edges[k]!;
      if (m.data[o + e.parent]! < threshold && m.data[o + e.child]! > threshold) {
        counts[k]!++;
        perImage[r]!++;
      }
    }
  }
  const imagesWithViolation = perImage.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
  const rate = (n: number) => (m.rows === 0 ? 0 : n / m.rows);
  return {
    threshold,
    images: m.rows,
    perEdge: taxonomy.edges.map((e, k) => ({
      parent: e.parent,
      child: e.child,
      count: counts[k]!,
      rate: rate(counts[k]!),
    })),
    perImage,
    imagesWithViolation,
    imageRate: rate(imagesWithViolation),
  };
}

/**
 * Makes predictions hierarchy-consistent: each child's probability is capped by the smallest of
 * its (already capped) parents', top-down. Never raises a probability; consistent rows pass
 * through unchanged.
 */
export function enforceConsistency<T extends LabelRows>(predictions: T, taxonomy: Taxonomy): T {
  const m = toMatrix(predictions, taxonomy.outputLabels.length, 'predictions');
  const index = new Map(taxonomy.outputLabels.map((l, i) => [l, i]));
  const order = topologicalOrder(taxonomy).map((l) => ({
    col: index.get(l)!,
    parents: taxonomy.edges.filter((e) => e.child === l).map((e) => index.get(e.parent)!),
  }));
  const out: LabelMatrix = { rows: m.rows, cols: m.cols, data: Float32Array.from(m.data) };
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (const { col, parents } of order) {
      for (const p of parents) {
        if (out.data[o + col]! > out.data[o + p]!) out.data[o + col] = out.data[o + p]!;
      }
    }
  }
  return sameForm(predictions, out);
}
