import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSyntheticDataset, SYNTHETIC_MARKER } from './ensure.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-ensure-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('ensureSyntheticDataset', () => {
  it('generates once, reuses with the same parameters, refuses other ones', async () => {
    const dir = path.join(root, 'nested', 'synthetic');
    const lines: string[] = [];
    const first = await ensureSyntheticDataset({
      dir,
      patients: 4,
      seed: 3,
      log: (l) => lines.push(l),
    });
    expect(first.generated).toBe(true);
    expect(lines[0]).toMatch(
      /generating the synthetic CheXpert-format dataset \(4 patients, seed 3\)/,
    );
    expect(lines[1]).toMatch(/^ {2}\d+ train, \d+ valid, \d+ test images in/);
    for (const f of Object.values(first.files)) expect(fs.existsSync(f)).toBe(true);
    const marker = JSON.parse(fs.readFileSync(path.join(dir, SYNTHETIC_MARKER), 'utf8'));
    expect(marker).toMatchObject({ patients: 4, seed: 3 });
    // No temporary folder is left beside it.
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['synthetic']);

    const csv = fs.statSync(first.files.train).mtimeMs;
    const again = await ensureSyntheticDataset({ dir, patients: 4, seed: 3 });
    expect(again).toEqual({ ...first, generated: false });
    expect(fs.statSync(first.files.train).mtimeMs).toBe(csv);

    await expect(ensureSyntheticDataset({ dir, patients: 5, seed: 3 })).rejects.toThrow(
      /holds a synthetic dataset of 4 patients \(seed 3\), not 5 \(seed 3\)/,
    );
  });

  it('never overwrites a folder that is not one of its datasets', async () => {
    const dir = path.join(root, 'other');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await expect(ensureSyntheticDataset({ dir, patients: 2, seed: 1 })).rejects.toThrow(
      /exists and is not a synthetic dataset folder/,
    );
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
