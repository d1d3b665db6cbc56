// Browser-safe entry: AUROC, averages, statistics, tables, violations, SVG plots. Reading CSV
// files, report files, PNG plots and the CLI are in `@cihmlc/metrics/node`.
// AUROC and ROC curves
export {
  binaryAuroc,
  type RocCurve,
  type RocCurveOptions,
  rocCurve,
  trapezoidArea,
} from './auroc.js';
export {
  type BootstrapAuroc,
  type BootstrapInterval,
  type BootstrapOptions,
  bootstrapAuroc,
} from './bootstrap.js';
// Comparisons between configurations
export {
  type ConfigurationComparison,
  compareConfigurations,
  delongPerLabel,
} from './compare.js';
export {
  type DeLongTest,
  type DeLongVariance,
  delongConfidenceInterval,
  delongTest,
  delongVariance,
} from './delong.js';
// One call for everything
export {
  type EvaluateOptions,
  type Evaluation,
  type EvaluationInput,
  evaluate,
  type MetricsSummary,
  rocCurves,
  summarize,
} from './evaluate.js';
export type { LabelledScores } from './labelled-scores.js';
export { asScoreMatrix, type MatrixInput, type ScoreMatrix } from './matrix.js';
export {
  type AurocAverages,
  type LabelAuroc,
  type MultilabelAuroc,
  multilabelAuroc,
} from './multilabel-auroc.js';
// Statistics
export { type PairedTTest, pairedTTest } from './paired-t-test.js';
export { patientIdFromPath, patientIdsFromPaths } from './patients.js';

// Tables
export { PAPER_OURS_TABLE_III, PUBLISHED_TABLE_III, type PublishedRow } from './published.js';
export {
  type ComparisonPair,
  comparisonsMarkdown,
  type ReportOptions,
  reportMarkdown,
} from './report.js';
// Figures (SVG strings; PNG files are in ./node)
export {
  legendText,
  ROC_PALETTE,
  type RocPlotCurve,
  type RocPlotOptions,
  rocPlotCurves,
} from './roc-plot.js';
export { rocCurvesToSvg } from './roc-svg.js';
export {
  normalQuantile,
  normalTwoSided,
  regularizedGammaQ,
  regularizedIncompleteBeta,
  studentTTwoSided,
} from './special-functions.js';
export {
  aurocOf,
  type FormatOptions,
  headline,
  perLabelCsv,
  perLabelMarkdown,
  type RunResult,
  TABLE_I_LABELS,
  TABLE_II_LABELS,
  type Table,
  type TableFormatOptions,
  type TableRow,
  tableI,
  tableII,
  tableIII,
  tableToCsv,
  tableToMarkdown,
  violationsMarkdown,
} from './tables.js';
// Threshold metrics and hierarchy violations
export {
  type LabelThresholdMetrics,
  type ThresholdMetrics,
  thresholdMetrics,
} from './threshold-metrics.js';
export {
  type EdgeViolationRate,
  taxonomyForLabels,
  type ViolationRates,
  violationRates,
} from './violations.js';

// Predictions CSV (the reference format readPredictionsFile reads)
export { type PredictionsTable, predictionsCsv } from './write-predictions.js';
