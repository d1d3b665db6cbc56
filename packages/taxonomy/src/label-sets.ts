import type { Taxonomy } from './taxonomy.js';
import { validateTaxonomy } from './validate.js';

/**
 * The paper's three label sets: flat CheXpert labels (14), flat plus Uncertain (15), and the
 * full hierarchical output (21).
 */
export type LabelSet = 'flat14' | 'flat15' | 'hierarchical21';

export const LABEL_SETS: readonly LabelSet[] = ['flat14', 'flat15', 'hierarchical21'];

/**
 * A taxonomy restricted to the given outputs, in the given order; edges between labels that are
 * no longer outputs are dropped. Derivation rules are kept, since they may be needed to compute
 * the remaining outputs.
 */
export function withOutputs(taxonomy: Taxonomy, outputLabels: readonly string[]): Taxonomy {
  const keep = new Set(outputLabels);
  return validateTaxonomy({
    ...taxonomy,
    outputLabels: [...outputLabels],
    edges: taxonomy.edges.filter((e) => keep.has(e.parent) && keep.has(e.child)),
  });
}

/**
 * The taxonomy of one of the paper's label sets. `flat14` keeps the source labels in output
 * order, `flat15` adds the derived label that fires when no source label does (Uncertain), `hierarchical21` is the
 * taxonomy itself. Flat sets have no edges.
 */
export function taxonomyForLabelSet(taxonomy: Taxonomy, labelSet: LabelSet): Taxonomy {
  const sources = new Set(taxonomy.sourceLabels);
  const flat = taxonomy.outputLabels.filter((l) => sources.has(l));
  switch (labelSet) {
    case 'hierarchical21':
      return taxonomy;
    case 'flat14':
      return { ...withOutputs(taxonomy, flat), edges: [] };
    case 'flat15': {
      // Uncertain: the rule that fires when none of the source labels is positive.
      const uncertain = taxonomy.derived.find(
        (r) => r.kind === 'noneOf' && taxonomy.sourceLabels.every((l) => r.of.includes(l)),
      );
      if (!uncertain) {
        throw new RangeError(
          `taxonomy "${taxonomy.name}" has no noneOf rule over all source labels (Uncertain) for flat15`,
        );
      }
      const order = taxonomy.outputLabels.filter((l) => sources.has(l) || l === uncertain.label);
      if (!order.includes(uncertain.label)) order.push(uncertain.label);
      return { ...withOutputs(taxonomy, order), edges: [] };
    }
    default:
      throw new RangeError(
        `unknown label set ${JSON.stringify(labelSet)}, expected one of ${LABEL_SETS.join(', ')}`,
      );
  }
}

/**
 * The label set of a model with `outputCount` outputs (e.g. a Keras file's): `requested` after
 * checking its count, else the first of `LABEL_SETS` with that count. A count no set has, or a
 * requested set of another count, is a RangeError naming the counts; `where` names the model.
 */
export function labelSetForOutputs(
  taxonomy: Taxonomy,
  outputCount: number,
  options: { requested?: string; where?: string } = {},
): LabelSet {
  const where = options.where ?? 'the model';
  const count = (set: LabelSet) => taxonomyForLabelSet(taxonomy, set).outputLabels.length;
  if (options.requested !== undefined) {
    const set = LABEL_SETS.find((s) => s === options.requested);
    if (!set) {
      throw new RangeError(
        `unknown label set ${JSON.stringify(options.requested)}, expected one of ${LABEL_SETS.join(', ')}`,
      );
    }
    if (count(set) !== outputCount) {
      throw new RangeError(
        `${where} has ${outputCount} outputs but label set ${set} has ${count(set)}`,
      );
    }
    return set;
  }
  const set = LABEL_SETS.find((s) => count(s) === outputCount);
  if (!set) {
    throw new RangeError(
      `${where} has ${outputCount} outputs; the label sets have ${LABEL_SETS.map((s) => `${s}: ${count(s)}`).join(', ')}`,
    );
  }
  return set;
}
