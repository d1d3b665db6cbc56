import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWriteError, readJson, writeJsonAtomic } from './atomic.js';

describe('atomic writes', () => {
  it('leaves the old file intact when a write fails, and names the file on a full disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-atomic-'));
    const file = path.join(dir, 'state.json');
    writeJsonAtomic(file, { epoch: 1 });
    // A folder where the temp file should go makes the write fail midway.
    const blocked = path.join(dir, 'blocked', 'state.json');
    fs.mkdirSync(path.dirname(blocked));
    fs.mkdirSync(blocked);
    expect(() => writeJsonAtomic(blocked, { epoch: 2 })).toThrow();
    expect(readJson(file)).toEqual({ epoch: 1 });
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    expect(describeWriteError(full, file).message).toBe(
      `no space left on device while writing ${file}; earlier results are intact`,
    );
    expect(() => readJson(path.join(dir, 'missing.json'))).toThrow(/cannot read .*missing\.json/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{');
    expect(() => readJson(path.join(dir, 'bad.json'))).toThrow(/bad\.json: not valid JSON/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
