import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'internal-atomic-'));

describe.each([
  ['writeFileAtomic', (f: string, d: string | Uint8Array) => writeFileAtomic(f, d)],
  ['writeFileAtomicSync', async (f: string, d: string | Uint8Array) => writeFileAtomicSync(f, d)],
  [
    'writeFileAtomic (durable)',
    (f: string, d: string | Uint8Array) => writeFileAtomic(f, d, { durable: true }),
  ],
  [
    'writeFileAtomicSync (durable)',
    async (f: string, d: string | Uint8Array) => writeFileAtomicSync(f, d, { durable: true }),
  ],
] as const)('%s', (_name, write) => {
  it('creates folders, writes, and replaces a previous version', async () => {
    const dir = tempDir();
    const file = join(dir, 'a', 'b', 'index.json');
    await write(file, 'one');
    await write(file, new TextEncoder().encode('two ✓'));
    expect(readFileSync(file, 'utf8')).toBe('two ✓');
    const big = new Uint8Array(3_000_000).map((_, i) => i % 251);
    await write(file, big);
    expect(readFileSync(file).equals(Buffer.from(big))).toBe(true);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['index.json']);
  });

  it('leaves nothing half-written and no temp file when the rename fails, naming the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'keep.txt'), 'old');
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'inside'), { recursive: true }); // a non-empty folder: rename fails
    await expect(write(blocked, 'new')).rejects.toThrow(`cannot write ${blocked}`);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['blocked', 'keep.txt']);
  });

  it('keeps the file system error code and cause when a parent is a file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain'), 'x');
    const file = join(dir, 'plain', 'x.txt');
    const error: NodeJS.ErrnoException = await Promise.resolve(write(file, 'x')).then(
      () => new Error('no error'),
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error.message).toMatch(`cannot write ${file}: `);
    expect(['ENOTDIR', 'EEXIST']).toContain(error.code);
    expect((error.cause as NodeJS.ErrnoException).code).toBe(error.code);
    expect(readdirSync(dir)).toEqual(['plain']);
  });
});
