import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '@cihmlc/runtime';
import type { EpochRecord } from '@cihmlc/training';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './commands.js';

// The whole pipeline on webgpu in Node: wherever Dawn finds an adapter (a GPU, or lavapipe on
// CPU-only machines: scripts/install-lavapipe.sh in packages/runtime). Elsewhere it is skipped,
// and says why.
let skipReason = '';
try {
  await selectBackend({ backend: 'webgpu', registerKernels: false });
} catch (error) {
  skipReason = (error as Error).message;
  console.log(`SKIPPED trainer webgpu end-to-end test: ${skipReason}`);
}
await tf.setBackend('cpu');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-trainer-webgpu-'));
// One step per epoch, so each epoch's train loss is one step's loss.
const SMALL = [
  '--variant',
  'tiny',
  '--patients',
  '30',
  '--image-size',
  '32',
  '--batch-size',
  '8',
  '--epochs',
  '2',
  '--max-batches',
  '1',
  '--mc-samples',
  '2',
];

async function cli(args: string[], onEpochEnd?: (r: EpochRecord) => void): Promise<string[]> {
  const lines: string[] = [];
  await runCli(args, {
    cwd: work,
    log: (l) => lines.push(l),
    ...(onEpochEnd ? { onEpochEnd } : {}),
  });
  return lines;
}

const readJsonl = (file: string): EpochRecord[] =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochRecord);

function firstImage(dir: string): string {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(jpg|png)$/.test(entry.name)) {
      return path.join(entry.parentPath, entry.name);
    }
  }
  throw new Error(`no image under ${dir}`);
}

afterAll(async () => {
  await tf.setBackend('cpu');
  fs.rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skipReason !== '')('trainer on webgpu', () => {
  it('trains, evaluates, explains and predicts; first losses equal cpu; memory flat', async () => {
    await cli(['train', '--out', 'runs/cpu', ...SMALL, '--backend', 'cpu']);
    const counts: number[] = [];
    const lines = await cli(['train', '--out', 'runs/gpu', ...SMALL, '--backend', 'webgpu'], () =>
      counts.push(tf.memory().numTensors),
    );
    expect(lines[0]).toMatch(/^backend: webgpu/);
    expect(tf.getBackend()).toBe('webgpu');

    const cpu = readJsonl(path.join(work, 'runs/cpu/metrics.jsonl'));
    const gpu = readJsonl(path.join(work, 'runs/gpu/metrics.jsonl'));
    expect(gpu).toHaveLength(2);
    for (const [k, field] of [
      [0, 'trainLoss'],
      [1, 'trainLoss'],
      [1, 'valLoss'],
    ] as const) {
      const a = cpu[k]![field];
      const b = gpu[k]![field];
      const relative = Math.abs(a - b) / Math.abs(a);
      console.log(
        `epoch ${k + 1} ${field}: cpu ${a} · webgpu ${b} · relative difference ${relative.toExponential(2)}`,
      );
      expect(relative).toBeLessThan(1e-4);
    }
    console.log(`tensors after each epoch on webgpu: ${counts.join(', ')}`);
    expect(counts).toHaveLength(2);
    expect(counts[1]).toBe(counts[0]);
    const explainDir = path.join(work, 'runs/gpu/explain');
    expect(fs.readdirSync(explainDir).some((f) => f.endsWith('-gradcam-grid.png'))).toBe(true);

    const evalLines = await cli(['evaluate', '--run', 'runs/gpu', '--split', 'valid']);
    expect(evalLines.join('\n')).toMatch(/valid: weighted AUROC/);
    const image = firstImage(path.join(work, '.cache'));
    await cli(['explain', '--run', 'runs/gpu', '--out', 'explained', image]);
    expect(fs.existsSync(path.join(work, 'explained', 'image-01-gradcam-grid.png'))).toBe(true);
    await cli(['predict', '--run', 'runs/gpu', '--out', 'predicted.json', image]);
    const predicted = JSON.parse(fs.readFileSync(path.join(work, 'predicted.json'), 'utf8'));
    const probabilities = Object.values(predicted.images[0].probabilities) as number[];
    expect(probabilities).toHaveLength(21);
    for (const p of probabilities) expect(p >= 0 && p <= 1).toBe(true);
  });
});
