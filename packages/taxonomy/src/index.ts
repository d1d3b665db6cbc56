export {
  CHEXPERT_LABELS,
  chexpertTaxonomy,
  HIGH_LEVEL_LABELS,
  UNCERTAIN_LABEL,
} from './chexpert.js';
export { type DerivedWithMask, deriveLabels, deriveLabelsMasked } from './derive.js';
export {
  ancestorsOf,
  childrenOf,
  descendantsOf,
  type EdgeViolations,
  edgeIndices,
  enforceConsistency,
  type HierarchyViolations,
  hierarchyViolations,
  parentsOf,
  topologicalOrder,
} from './hierarchy.js';
export {
  LABEL_SETS,
  type LabelSet,
  labelSetForOutputs,
  taxonomyForLabelSet,
  withOutputs,
} from './label-sets.js';
export { isLabelMatrix, type LabelMatrix, type LabelRows, toMatrix, toRows } from './matrix.js';
export type {
  AnyOfRule,
  DerivationRule,
  HierarchyEdge,
  NoneOfRule,
  Taxonomy,
} from './taxonomy.js';
export { allLabels } from './taxonomy.js';
export {
  applyUncertaintyPolicy,
  type BlankPolicy,
  type PolicyResult,
  UNCERTAINTY_POLICIES,
  type UncertaintyPolicy,
} from './uncertainty.js';
export { parseTaxonomy, TaxonomyError, validateTaxonomy } from './validate.js';
