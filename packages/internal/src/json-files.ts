import { readFileSync } from 'node:fs';
import { type AtomicWriteOptions, writeFileAtomicSync } from './atomic-write.js';

/** Writes `value` as indented JSON, atomically (`writeFileAtomicSync`). */
export function writeJsonAtomicSync(
  path: string,
  value: unknown,
  options: AtomicWriteOptions = {},
): void {
  writeFileAtomicSync(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

/** Reads a JSON file; a missing file or bad JSON is an error that names the file. */
export function readJsonFile<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}
