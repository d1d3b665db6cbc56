// Node-only entry (`@cihmlc/metrics/node`): CSV files, report files, PNG plots (jimp) and the CLI.
// The computations (AUROC, statistics, tables, violations, SVG plots) are in `@cihmlc/metrics`.
export { CsvError } from './csv.js';
export {
  type GroundTruthReport,
  type Predictions,
  type ReadOptions,
  readLabelsAndScores,
  readPredictionsFile,
} from './read-predictions.js';
export { renderRocPng } from './roc-png.js';
export { runCli } from './run-cli.js';
export { writePredictionsFile } from './write-predictions-file.js';
export { type ReportRun, writeReport } from './write-report.js';
