import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPredictionsFile } from './read-predictions.js';
import { predictionsCsv } from './write-predictions.js';
import { writePredictionsFile } from './write-predictions-file.js';

const table = {
  paths: ['valid/patient1/view1_frontal.jpg', 'odd, "name".jpg'],
  labels: ['Edema', 'Pleural Effusion'],
  truth: { data: new Uint8Array([1, 0, 0, 1]) },
  scores: { data: new Float32Array([0.25, 0.1, 0.7, 0.9]) },
};

describe('predictionsCsv', () => {
  it('writes the reference format, quoting where needed', () => {
    const text = predictionsCsv(table);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Path,Edema_GT,Edema_Pred,Pleural Effusion_GT,Pleural Effusion_Pred');
    expect(lines[1]).toBe('valid/patient1/view1_frontal.jpg,1,0.25,0,0.10000000149011612');
    expect(lines[2]).toBe('"odd, ""name"".jpg",0,0.699999988079071,1,0.8999999761581421');
    expect(lines[3]).toBe('');
  });

  it('round-trips through readPredictionsFile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-pred-csv-'));
    const file = path.join(dir, 'predictions.csv');
    writePredictionsFile(file, table);
    const read = await readPredictionsFile(file, { groundTruth: 'file' });
    expect(read.paths).toEqual(table.paths);
    expect(read.labels).toEqual(table.labels);
    expect(Array.from(read.truth.data)).toEqual([1, 0, 0, 1]);
    expect(Array.from(read.scores.data)).toEqual(Array.from(table.scores.data));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names a size mismatch', () => {
    expect(() => predictionsCsv({ ...table, paths: ['one'] })).toThrow(RangeError);
  });
});
