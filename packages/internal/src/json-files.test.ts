import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWriteError } from './atomic-write.js';
import { readJsonFile, writeJsonAtomicSync } from './json-files.js';

describe('JSON files', () => {
  it('leaves the old file intact when a write fails, and names the file on a full disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-json-'));
    const file = path.join(dir, 'state.json');
    writeJsonAtomicSync(file, { epoch: 1 });
    expect(fs.readFileSync(file, 'utf8')).toBe('{\n  "epoch": 1\n}\n');
    // A folder where the file should go makes the write fail at the rename.
    const blocked = path.join(dir, 'blocked', 'state.json');
    fs.mkdirSync(blocked, { recursive: true });
    expect(() => writeJsonAtomicSync(blocked, { epoch: 2 })).toThrow(`cannot write ${blocked}`);
    expect(readJsonFile(file)).toEqual({ epoch: 1 });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    const error = describeWriteError(file, full) as NodeJS.ErrnoException;
    expect(error.message).toBe(
      `cannot write ${file}: no space left on device; earlier results are intact`,
    );
    expect(error.code).toBe('ENOSPC');
    expect(() => readJsonFile(path.join(dir, 'missing.json'))).toThrow(
      /cannot read .*missing\.json/,
    );
    fs.writeFileSync(path.join(dir, 'bad.json'), '{');
    expect(() => readJsonFile(path.join(dir, 'bad.json'))).toThrow(/bad\.json: not valid JSON/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
