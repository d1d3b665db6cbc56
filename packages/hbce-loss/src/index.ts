export {
  bceLoss,
  type HbceLoss,
  type HbceOptions,
  hbceLoss,
  type PenaltyMode,
  type PenaltySurrogate,
  type PenaltyType,
} from './loss.js';
export {
  type DataDrivenPenaltyOptions,
  dataDrivenPenalties,
  type EdgeStatistics,
  edgeStatistics,
  type PenaltyFormula,
} from './penalties.js';
