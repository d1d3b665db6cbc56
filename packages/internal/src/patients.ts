const PATIENT = /(?:^|[/\\])(patient\d+)(?:[/\\]|$)/;

/**
 * The CheXpert patient id in an image path (`…/patient64741/study1/…` → `patient64741`), or
 * `null` when the path has no `patientNNNNN` segment. Callers that require one throw their own
 * error naming the file and row.
 */
export function patientIdFromPath(path: string): string | null {
  return PATIENT.exec(path)?.[1] ?? null;
}

/** Patient ids of all paths, or `null` when any path has none. */
export function patientIdsFromPaths(paths: readonly string[]): string[] | null {
  const ids: string[] = [];
  for (const p of paths) {
    const id = patientIdFromPath(p);
    if (id === null) return null;
    ids.push(id);
  }
  return ids;
}
