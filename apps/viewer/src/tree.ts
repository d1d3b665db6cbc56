import { hierarchyViolations, parentsOf, type Taxonomy, topologicalOrder } from '@cihmlc/taxonomy';

/** One row of the hierarchy as the viewer lists it: parents above their children, indented. */
export interface TreeRow {
  label: string;
  /** Column of this label in the model's outputs. */
  index: number;
  depth: number;
  /** The parent it is listed under (its deepest parent), null for a root. */
  parent: string | null;
  /** Its other parents (a label may have several: Cardiomegaly, Pneumonia). */
  otherParents: string[];
}

/**
 * The taxonomy's outputs as a tree in display order: each root (no parent) in output order,
 * then depth-first its children in edge order. A label with several parents is listed once,
 * under its deepest parent (the longest path from a root), and names the others.
 */
export function hierarchyRows(taxonomy: Taxonomy): TreeRow[] {
  const depth = new Map<string, number>();
  for (const label of topologicalOrder(taxonomy)) {
    const parents = parentsOf(taxonomy, label);
    depth.set(label, parents.length === 0 ? 0 : Math.max(...parents.map((p) => depth.get(p)!)) + 1);
  }
  const listedUnder = new Map<string, string | null>();
  for (const label of taxonomy.outputLabels) {
    const parents = parentsOf(taxonomy, label);
    let best: string | null = null;
    for (const p of parents) if (best === null || depth.get(p)! > depth.get(best)!) best = p;
    listedUnder.set(label, best);
  }
  const rows: TreeRow[] = [];
  const visit = (label: string) => {
    const parent = listedUnder.get(label) ?? null;
    rows.push({
      label,
      index: taxonomy.outputLabels.indexOf(label),
      depth: depth.get(label)!,
      parent,
      otherParents: parentsOf(taxonomy, label).filter((p) => p !== parent),
    });
    for (const e of taxonomy.edges) {
      if (e.parent === label && listedUnder.get(e.child) === label) visit(e.child);
    }
  };
  for (const label of taxonomy.outputLabels) if (listedUnder.get(label) === null) visit(label);
  return rows;
}

/**
 * For each output label, the parents it is inconsistent with in one prediction: the child at or
 * above 0.5 while the parent is below (the indicator the hierarchical loss penalises).
 */
export function inconsistentParents(
  probabilities: readonly number[],
  taxonomy: Taxonomy,
  threshold = 0.5,
): Map<string, string[]> {
  const { perEdge } = hierarchyViolations([[...probabilities]], taxonomy, { threshold });
  const out = new Map<string, string[]>();
  for (const edge of perEdge) {
    if (edge.count > 0) out.set(edge.child, [...(out.get(edge.child) ?? []), edge.parent]);
  }
  return out;
}
