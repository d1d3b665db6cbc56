import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCheckpoint } from './checkpoint.js';

describe('checkpoint folders', () => {
  it('finds the previous checkpoint when a swap was interrupted', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-ckpt-'));
    const last = path.join(dir, 'last');
    expect(findCheckpoint(last)).toBeNull();
    // Killed between "rename last → last.old" and "rename tmp → last".
    fs.mkdirSync(`${last}.old`);
    fs.writeFileSync(path.join(`${last}.old`, 'checkpoint.json'), '{"state":{}}');
    fs.mkdirSync(`${last}.tmp-123`);
    expect(findCheckpoint(last)).toBe(`${last}.old`);
    // A folder without checkpoint.json (written last) is never taken for complete.
    fs.mkdirSync(last);
    expect(findCheckpoint(last)).toBe(`${last}.old`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
