import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
import { tempDir } from './test-support/fixtures.js';

describe.each([
  ['writeFileAtomic', (f: string, d: string) => writeFileAtomic(f, d)],
  ['writeFileAtomicSync', async (f: string, d: string) => writeFileAtomicSync(f, d)],
] as const)('%s', (_name, write) => {
  it('creates folders, writes, and replaces a previous version', async () => {
    const dir = tempDir();
    const file = join(dir, 'a', 'b', 'index.json');
    await write(file, 'one');
    await write(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['index.json']);
  });

  it('leaves nothing half-written and no temp file when the rename fails', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'keep.txt'), 'old');
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'inside'), { recursive: true }); // a non-empty folder: rename fails
    await expect(write(blocked, 'new')).rejects.toThrow();
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['blocked', 'keep.txt']);
  });
});
