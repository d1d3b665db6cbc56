/** What `predictionsCsv` writes: one row per image. */
export interface PredictionsTable {
  /** Image paths, one per row. */
  paths: readonly string[];
  /** Output labels, one per column of `truth` and `scores`. */
  labels: readonly string[];
  /** Ground truth, rows × labels, row-major. */
  truth: { data: ArrayLike<number> };
  /** Scores (probabilities), rows × labels, row-major. */
  scores: { data: ArrayLike<number> };
}

const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * Predictions as CSV in the reference format that `readPredictionsFile` reads: `Path`, then
 * `<Label>_GT` and `<Label>_Pred` for each label; numbers as JavaScript prints them (shortest
 * round-trip form), fields with `,`, `"` or a newline quoted.
 */
export function predictionsCsv(table: PredictionsTable): string {
  const { paths, labels, truth, scores } = table;
  const size = paths.length * labels.length;
  if (truth.data.length !== size || scores.data.length !== size) {
    throw new RangeError(
      `predictionsCsv: ${paths.length} paths × ${labels.length} labels need ${size} values; truth has ${truth.data.length}, scores ${scores.data.length}`,
    );
  }
  const header = ['Path', ...labels.flatMap((l) => [`${l}_GT`, `${l}_Pred`])].map(quote).join(',');
  const lines = paths.map((p, r) =>
    [
      quote(p),
      ...labels.flatMap((_, c) => [
        String(truth.data[r * labels.length + c]),
        String(scores.data[r * labels.length + c]),
      ]),
    ].join(','),
  );
  return `${header}\n${lines.join('\n')}\n`;
}
