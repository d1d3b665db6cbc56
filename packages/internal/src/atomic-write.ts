import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A hidden sibling temp name (`.name.<pid>.<random>.tmp`): same directory, so the final rename is
 * atomic, and unique per writer, so concurrent writers never share a temp file.
 */
export function tempPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/**
 * Error wrapping a failed write: names the file, says what a full disk or read-only folder means
 * (the previous content is intact: every writer here replaces files by renames).
 */
export function describeWriteError(path: string, cause: unknown): Error {
  const code = (cause as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOSPC'
      ? 'no space left on device; earlier results are intact'
      : code === 'EACCES' || code === 'EROFS'
        ? 'permission denied or read-only file system'
        : (cause as Error).message;
  const error = new Error(`cannot write ${path}: ${why}`, { cause });
  if (code !== undefined) (error as NodeJS.ErrnoException).code = code;
  return error;
}

export interface AtomicWriteOptions {
  /**
   * Flush the temp file to disk (fsync) before the rename, so that the new content survives a
   * power loss, not only a crashed process (default false: many small files, e.g. a synthetic
   * dataset, would pay one disk flush each).
   */
  durable?: boolean;
}

/**
 * Writes a file atomically: its parent directories are created, the content goes to a temp file
 * in the same directory, which is renamed over the target, so readers see the old content or the
 * new one, never a partial file. On failure the temp file is removed, the target is untouched, and
 * the error names the file (its `code` and `cause` are the file system's).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      if (options.durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw describeWriteError(path, e);
  }
}

/** `writeFileAtomic` synchronously (for writers that must not yield, e.g. state saved on exit). */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const temp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(temp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      if (options.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    try {
      rmSync(temp, { force: true });
    } catch {}
    throw describeWriteError(path, e);
  }
}
