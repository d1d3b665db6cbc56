import { randomUUID } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';

/**
 * Writes `data` to `path` through a temporary file in the same directory and a rename, so that
 * readers never see a half-written file.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new Error(`writeFileAtomic: cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
