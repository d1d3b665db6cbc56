export {
  bceLoss,
  type HbceLoss,
  type HbceOptions,
  hbceLoss,
  PENALTY_MODES,
  PENALTY_TYPES,
  type PenaltyMode,
  type PenaltySurrogate,
  type PenaltyType,
} from './loss.js';
export {
  type DataDrivenPenaltyOptions,
  dataDrivenPenalties,
  type EdgeStatistics,
  edgeStatistics,
  PENALTY_FORMULAS,
  type PenaltyFormula,
} from './penalties.js';
