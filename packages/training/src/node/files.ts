import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Atomic writes for checkpoints and the metrics log (temp file in the same folder + rename).
// Another copy of the helper the repository is folding into one internal package (issue 14).

/** Writes a file so that readers see the old or the new content, never a partial one. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw describeWriteError(err, file);
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJson<T>(file: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** A full disk or a read-only folder gets a message that says so and names the file. */
export function describeWriteError(err: unknown, file: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') {
    return new Error(`no space left on device while writing ${file}; earlier results are intact`);
  }
  if (code === 'EACCES' || code === 'EROFS') {
    return new Error(`cannot write ${file}: permission denied or read-only file system`);
  }
  return err instanceof Error ? err : new Error(String(err));
}
