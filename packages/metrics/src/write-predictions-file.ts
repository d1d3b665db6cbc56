import { writeFileAtomicSync } from '@cihmlc/internal/node';
import { type PredictionsTable, predictionsCsv } from './write-predictions.js';

/** Writes `predictionsCsv(table)` to `file` atomically (temp file + rename). */
export function writePredictionsFile(file: string, table: PredictionsTable): void {
  writeFileAtomicSync(file, predictionsCsv(table));
}
